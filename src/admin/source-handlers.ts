/**
 * The resolvers of the directory source (contract: src/shared/source-api.ts), guarded like every admin call: choosing
 * SCIM push or Google Workspace, the Google settings and key upload, the connection test, preview, approval and "Sync
 * now". A change of source, key, admin or selection cancels a pull in progress and needs a new preview before pulls
 * apply (src/sources/create-pull.ts). Every change is in the audit log; the key never is, only its summary.
 */
import type { PullParts } from '../sources/create-pull';
import { ServiceAccountKeyError } from '../sources/google/service-account-key';
import { GOOGLE_READ_ONLY_SCOPES } from '../sources/google/scopes';
import { DEFAULT_GOOGLE, googleSettingsProblems, type GoogleSourceSettings } from '../sources/source-settings';
import type { SourceApi, SourceView } from '../shared/source-api';
import type { Guarded, Handlers } from './admin-guard';
import type { AdminParts } from './admin-parts';
import { AdminError } from './workspace-admin';

async function view(pull: PullParts): Promise<SourceView> {
  const [settings, key, status] = await Promise.all([pull.sources.get(), pull.sources.keySummary(), pull.status()]);
  return {
    kind: settings.kind,
    google: settings.google ?? DEFAULT_GOOGLE,
    key,
    scopes: GOOGLE_READ_ONLY_SCOPES,
    status,
  };
}

function requirePull(getPull: (() => Promise<PullParts>) | undefined): () => Promise<PullParts> {
  return async () => {
    if (getPull === undefined)
      throw new AdminError('invalid-input', 'This installation has no directory pull configured');
    return getPull();
  };
}

/** The source resolvers, each wrapped in `guarded`. */
export function makeSourceHandlers(
  guarded: Guarded<AdminParts>,
  getPull: (() => Promise<PullParts>) | undefined,
): Handlers<SourceApi> {
  const pullOf = requirePull(getPull);
  return {
    'source/get': guarded(async () => view(await pullOf())),
    'source/save': guarded(async (payload: Parameters<SourceApi['source/save']>[0], { sync }) => {
      const pull = await pullOf();
      if (payload?.kind !== 'scim' && payload?.kind !== 'google-workspace')
        return { ok: false, errors: [{ path: 'kind', message: 'scim or google-workspace' }] };
      const before = await pull.sources.get();
      const previous = before.google ?? DEFAULT_GOOGLE;
      const google: GoogleSourceSettings = {
        subject: typeof payload.google?.subject === 'string' ? payload.google.subject.trim() : previous.subject,
        selection: payload.google?.selection ?? previous.selection,
        schedule: payload.google?.schedule ?? previous.schedule,
        ...(previous.approvedConfig !== undefined ? { approvedConfig: previous.approvedConfig } : {}),
      };
      const problems = googleSettingsProblems(google);
      if (problems.length > 0)
        return { ok: false, errors: problems.map((p) => ({ path: `google.${p.split(':')[0] ?? ''}`, message: p })) };
      await pull.sources.save({ kind: payload.kind, google });
      // What a run in progress read no longer matches the configuration.
      if (
        JSON.stringify({ k: before.kind, s: previous.subject, sel: previous.selection }) !==
        JSON.stringify({ k: payload.kind, s: google.subject, sel: google.selection })
      )
        await pull.runner.cancel();
      await sync.auditLog.append({
        source: 'admin',
        action: 'source-saved',
        target: { kind: 'Settings', id: 'directory-source' },
        outcome: 'applied',
        before,
        after: { kind: payload.kind, google },
      });
      return { ok: true, value: await view(pull) };
    }),
    'source/upload-key': guarded(async (payload: Parameters<SourceApi['source/upload-key']>[0], { sync }) => {
      const pull = await pullOf();
      if (typeof payload?.fileText !== 'string')
        return { ok: false, errors: [{ path: 'fileText', message: "the key file's text" }] };
      try {
        const summary = await pull.sources.saveKey(payload.fileText);
        await pull.runner.cancel();
        await sync.auditLog.append({
          source: 'admin',
          action: 'source-key-uploaded',
          target: { kind: 'Settings', id: 'directory-source' },
          outcome: 'applied',
          after: summary,
        });
        return { ok: true, value: summary };
      } catch (error) {
        if (error instanceof ServiceAccountKeyError)
          return { ok: false, errors: error.problems.map((message) => ({ path: 'fileText', message })) };
        throw error;
      }
    }),
    'source/test': guarded(async () => (await pullOf()).testConnection()),
    'source/preview': guarded(async () => (await pullOf()).start('preview', 'admin')),
    'source/approve': guarded(async (_payload, { sync }) => {
      const approved = await (await pullOf()).approve();
      if (approved)
        await sync.auditLog.append({
          source: 'admin',
          action: 'source-preview-approved',
          target: { kind: 'Settings', id: 'directory-source' },
          outcome: 'applied',
        });
      return { approved };
    }),
    'source/sync-now': guarded(async () => (await pullOf()).start('apply', 'admin')),
  };
}
