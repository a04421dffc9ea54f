/**
 * The Settings area's calls: the sync settings read, saved, exported and imported as the documented JSON document
 * (docs/settings.md, validated by src/sync/settings.ts), and the username transform tried on samples and the
 * directory's most recent userNames before it is saved. A save that changes the rules, permission sync or dry run
 * queues a permission run; every save is audited with the settings before and after.
 */
import type { AdminApi, SaveResult } from '../shared/admin-api';
import { PERMISSIONS_KEY } from '../sync/jobs';
import type { SyncSettings } from '../sync/settings';
import { exportSettings, parseSettings } from '../sync/settings-document';
import { MAX_PREVIEW_SAMPLES, previewTransform } from '../sync/username-transform';
import { auditAdminChange } from './admin-audit';
import type { Guarded, Handlers } from './admin-guard';
import type { AdminParts } from './admin-parts';
import { checkPreviewDomains } from './domain-check';
import { optionalStrings, optionalText, payloadObject } from './payload';
import { AdminError } from './workspace-admin';

/** The resolver keys of this area. */
export type SettingsKeys =
  'settings/get' | 'settings/save' | 'settings/export' | 'settings/import' | 'transform/preview';

const MAX_DOCUMENT_BYTES = 256 * 1024;
const RECENT_USERNAMES = 10;

/** Validates and saves a settings document, audits it, and queues what the change needs to run. */
async function saveSettings(
  { app, sync }: AdminParts,
  input: unknown,
  action: string,
): Promise<SaveResult<SyncSettings>> {
  const parsed = parseSettings(input);
  if ('errors' in parsed) return { ok: false, errors: parsed.errors };
  const before = await sync.settings.get();
  const saved = await sync.settings.save(parsed.settings);
  await auditAdminChange(sync, action, 'Settings', 'settings', { before, after: saved });
  const rulesChanged =
    JSON.stringify(before.rules) !== JSON.stringify(saved.rules) ||
    before.operations.permissionSync !== saved.operations.permissionSync;
  if (rulesChanged || before.dryRun !== saved.dryRun) {
    await app.store.enqueue([PERMISSIONS_KEY]);
  }
  await sync.dispatcher.drainSoon();
  return { ok: true, value: saved };
}

/** The Settings area's resolvers, each wrapped in `guarded`. */
export function makeSettingsHandlers(guarded: Guarded<AdminParts>): Pick<Handlers<AdminApi>, SettingsKeys> {
  return {
    'settings/get': guarded((_payload, { sync }) => sync.settings.get()),
    'settings/save': guarded.fields((record, parts) => saveSettings(parts, record.settings, 'settings-saved')),
    'settings/export': guarded(async (_payload, { sync }) => ({
      document: exportSettings(await sync.settings.get()),
      fileName: 'bitbucket-scim-sync-settings.json',
    })),
    'settings/import': guarded.fields(async (record, parts) => {
      const document = optionalText(record, 'document', MAX_DOCUMENT_BYTES);
      if (document === undefined) throw new AdminError('invalid-input', 'document is required');
      let parsed: unknown;
      try {
        parsed = JSON.parse(document) as unknown;
      } catch (error) {
        return {
          ok: false,
          errors: [
            {
              path: '',
              message: `The document is not JSON: ${error instanceof Error ? error.message : String(error)}`,
            },
          ],
        };
      }
      return saveSettings(parts, parsed, 'settings-imported');
    }),
    'transform/preview': guarded.fields(async (record, { app, sync }) => {
      const samples = optionalStrings(record, 'samples', MAX_PREVIEW_SAMPLES, 1000) ?? [];
      const transform = record.transform;
      if (transform !== null && transform !== undefined) {
        const t = payloadObject(transform);
        if (typeof t.pattern !== 'string' || typeof t.replacement !== 'string')
          throw new AdminError('invalid-input', 'transform needs a pattern and a replacement');
      }
      const total = await app.store.count('User');
      const recent =
        total === 0
          ? []
          : (await app.store.page('User', Math.max(0, total - RECENT_USERNAMES), RECENT_USERNAMES)).resources;
      const recentUserNames = recent
        .map((r) => String(r.resource.userName ?? ''))
        .filter((name) => name !== '')
        .reverse();
      const preview = previewTransform(
        { usernameTransform: (transform ?? null) as SyncSettings['usernameTransform'] },
        [...samples, ...recentUserNames].slice(0, MAX_PREVIEW_SAMPLES),
      );
      const domains = await checkPreviewDomains(preview, sync);
      return { preview, recentUserNames, ...(domains ? { domains } : {}) };
    }),
  };
}
