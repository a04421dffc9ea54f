/**
 * The Connections area's calls: the masked credentials with their warnings and which ones the sync uses, saving
 * (only the fields given; an org id also becomes the settings' target) and clearing them, the connection test
 * (src/admin/connection-test.ts) and the organization's directories to choose the target from. The secrets are
 * never answered back and never audited, only which fields changed.
 */
import type { AdminApi, CredentialsStatus, SaveResult } from '../shared/admin-api';
import { CredentialValidationError } from '../sync/credentials';
import { auditAdminChange } from './admin-audit';
import { targetProblem } from './admin-failure';
import type { Guarded, Handlers } from './admin-guard';
import type { AdminHandlerDeps, AdminParts, AdminSync } from './admin-parts';
import { testConnections } from './connection-test';
import { optionalInstant, optionalText } from './payload';
import { credentialsInUse } from './readiness';
import { AdminError } from './workspace-admin';

/** The resolver keys of this area. */
export type CredentialKeys =
  'credentials/get' | 'credentials/save' | 'credentials/clear' | 'credentials/test' | 'directories/list';

/** A secret or identifier of `credentials/save` and its longest accepted length. */
const CREDENTIAL_TEXT = [
  ['orgId', 200],
  ['orgApiKey', 4096],
  ['bitbucketEmail', 320],
  ['bitbucketApiToken', 4096],
] as const;
const CREDENTIAL_EXPIRIES = ['orgApiKeyExpiresAt', 'bitbucketApiTokenExpiresAt'] as const;

/** The credentials patch of `credentials/save`: given texts, and expiries as instants or `null` to clear them. */
function credentialsPatch(record: Record<string, unknown>): Parameters<AdminSync['credentials']['update']>[0] {
  const patch: Record<string, string | null> = {};
  for (const [name, max] of CREDENTIAL_TEXT) {
    const value = optionalText(record, name, max);
    if (value !== undefined) patch[name] = value;
  }
  for (const name of CREDENTIAL_EXPIRIES) {
    if (record[name] === undefined) continue;
    patch[name] = record[name] === null ? null : (optionalInstant(record, name) ?? null);
  }
  return patch;
}

/** A save refused for invalid credentials, as the page shows field errors; any other error is thrown on. */
function credentialErrors(error: unknown): SaveResult<never> {
  if (error instanceof CredentialValidationError)
    return { ok: false, errors: error.errors.map((e) => ({ path: e.field, message: e.message })) };
  throw error;
}

/** The Connections area's resolvers, each wrapped in `guarded`. */
export function makeCredentialHandlers(
  guarded: Guarded<AdminParts>,
  deps: AdminHandlerDeps,
): Pick<Handlers<AdminApi>, CredentialKeys> {
  const credentialsStatus = async (sync: AdminSync): Promise<CredentialsStatus> => ({
    credentials: await sync.credentials.view(),
    warnings: await sync.credentials.warnings(),
    inUse: await credentialsInUse(deps, { sync }),
  });
  return {
    'credentials/get': guarded((_payload, { sync }) => credentialsStatus(sync)),
    'credentials/save': guarded.fields(async (record, { sync }) => {
      const patch = credentialsPatch(record);
      try {
        await sync.credentials.update(patch);
      } catch (error) {
        return credentialErrors(error);
      }
      if (typeof patch.orgId === 'string') {
        const settings = await sync.settings.get();
        if (settings.target.orgId !== patch.orgId)
          await sync.settings.save({ ...settings, target: { ...settings.target, orgId: patch.orgId } });
      }
      await auditAdminChange(sync, 'credentials-saved', 'Settings', 'credentials', {
        after: { changed: Object.keys(patch) },
      });
      await sync.dispatcher.drainSoon();
      return { ok: true, value: await credentialsStatus(sync) };
    }),
    'credentials/clear': guarded(async (_payload, { sync }) => {
      await sync.credentials.clear();
      await auditAdminChange(sync, 'credentials-cleared', 'Settings', 'credentials');
      return credentialsStatus(sync);
    }),
    'credentials/test': guarded((_payload, { sync }) => testConnections(deps, sync)),
    'directories/list': guarded(async (_payload, { sync }) => {
      const connected = await sync.connect({ requireDirectory: false });
      if (!connected.ok)
        throw new AdminError('invalid-input', `Cannot list directories yet; missing: ${connected.missing.join(', ')}`);
      try {
        return (await connected.admin.listDirectories()).map((d) => ({ id: d.directoryId, name: d.name }));
      } catch (error) {
        throw new AdminError('invalid-input', targetProblem(error), { cause: error });
      }
    }),
  };
}
