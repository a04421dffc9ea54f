/**
 * The admin page's resolvers: the AdminApi contract of src/shared/admin-api.ts over the app and the sync. Every
 * call is refused unless the caller is a workspace admin (checked on the server, DAC /app-context-security/), and
 * every payload is validated here whatever the page checked. Forge's resolver and the local host's HTTP bridge
 * both call these handlers through `invokeAdmin`, the one place where errors become AdminFailure answers (except
 * an error the runtime must see itself, which the caller of `invokeAdmin` picks out: src/forge/admin-resolver.ts).
 */
import type { PullParts } from '../sources/create-pull';
import { makeSourceHandlers } from './source-handlers';
import type { Handlers, Request } from '@forge/resolver';
import type { AppParts } from '../app/create-app';
import type { SyncParts } from '../app/create-sync';
import type { ScimLogger } from '../scim/error-response';
import {
  IDP_IDS,
  type ActivityBucket,
  type AdminApi,
  type AdminFailure,
  type ConnectionCheck,
  type ConnectionReport,
  type CredentialsStatus,
  type GrantPreview,
  type IdpId,
  type SaveResult,
  type SetupView,
  type SyncItemView,
} from '../shared/admin-api';
import type { ForgeKvs } from '../storage/kvs-port';
import { MAX_QUERY_LIMIT } from '../sync/audit-log';
import { CredentialValidationError } from '../sync/credentials';
import { LAST_RECONCILE_KEY, LAST_SYNC_KEY } from '../sync/dispatcher';
import { PERMISSIONS_KEY } from '../sync/jobs';
import { targetKey } from '../sync/permission-sync';
import type { SyncSettings } from '../sync/settings';
import { exportSettings, parseSettings } from '../sync/settings-document';
import type { LinkDoc, SyncState } from '../sync/sync-links';
import { MAX_PREVIEW_SAMPLES, previewTransform } from '../sync/username-transform';
import { TargetError } from '../targets/ports';
import { openAdminCursor, sealAdminCursor } from './admin-cursor';
import { makeMoreAdminHandlers } from './more-admin-handlers';
import { counted, credentialsInUse, SETUP_KEY } from './readiness';
import { permissionsView, resourceCounts } from './status-view';
import { ruleProblems } from './rule-targets';
import { checkPreviewDomains } from './domain-check';
import { adminActor, withAuditActor } from '../sync/audit-actor';
import { optionalChoice, optionalInstant, optionalInteger, optionalStrings, optionalText, payloadObject } from './payload';
import { TokenAdmin } from './token-admin';
import { AdminError, assertWorkspaceAdmin, workspaceUuidOf, type WorkspacePermissionLookup } from './workspace-admin';

export { SETUP_KEY } from './readiness';

const STATES: readonly SyncState[] = ['pending', 'synced', 'failed', 'skipped'];
const RESOURCE_KEY = /^(User|Group|Permissions)\.[A-Za-z0-9._:-]{1,120}$/;
const MAX_DOCUMENT_BYTES = 256 * 1024;
const QUEUE_COUNT_PAGES = 100;
/** Pages of 20 counted per sync state: a status call stays well inside Forge's 25 s resolver limit. */
const STATE_COUNT_PAGES = 100;
const RETRY_ALL_LIMIT = 500;
const ACTIVITY_MAX_ENTRIES = 5_000;
const RECENT_USERNAMES = 10;

/** What the handlers need from their runtime. */
export interface AdminHandlerDeps {
  readonly getApp: () => Promise<AppParts>;
  readonly getSync: () => Promise<SyncParts>;
  readonly getBaseUrl: () => Promise<string>;
  /** Asks Bitbucket for the caller's workspace permission, as the caller (Forge: `asUser().requestBitbucket`). */
  readonly lookupPermission: WorkspacePermissionLookup;
  /** The app's plain key-value store (page choices, status timestamps). */
  readonly kvs: Pick<ForgeKvs, 'get' | 'set'>;
  /** True when the targets are the emulated Atlassian APIs (the local host without credentials). */
  readonly emulated?: boolean;
  /** True when the local host's credentials come from its environment (they win over saved ones). */
  readonly environmentCredentials?: boolean;
  /**
   * Fill an empty target workspace from the installation (Forge): the workspace is `{uuid}` (Bitbucket's API takes
   * a workspace UUID in braces wherever it takes a slug) and the Bitbucket product's resource id is the
   * installation's workspace ARI.
   */
  readonly targetFromInstallation?: boolean;
  /** The directory pull (Google Workspace as the source), for the source calls (src/admin/source-handlers.ts). */
  readonly getPull?: () => Promise<PullParts>;
  readonly now?: () => Date;
}

function failureOf(error: unknown, logger: ScimLogger): AdminFailure {
  if (error instanceof AdminError) {
    if (error.reason === 'check-failed' && error.cause !== undefined) {
      logger.error('ADMIN-E502', 'The admin check could not ask Bitbucket', { error: error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : String(error.cause) });
    }
    return { error: { reason: error.reason, message: error.message } };
  }
  logger.error('ADMIN-E500', 'An admin call failed', { error: error instanceof Error ? error.message : String(error) });
  return { error: { reason: 'internal', message: 'Something went wrong on the server; the app log has the details' } };
}

/** Options of invokeAdmin. */
export interface InvokeAdminOptions {
  /**
   * Picks out of a failure (or its `cause` chain) an error that must leave the resolver unchanged instead of
   * becoming an AdminFailure answer, such as Forge's consent request; undefined for an ordinary failure.
   */
  readonly propagate?: (error: unknown) => Error | undefined;
}

/**
 * Runs one resolver and turns any error into an AdminFailure answer (admin errors with their message, others
 * generic), except one that `options.propagate` picks out: that one is thrown unchanged.
 */
export async function invokeAdmin(handlers: Handlers<AdminApi>, key: string, request: Request<unknown>, logger: ScimLogger, options: InvokeAdminOptions = {}): Promise<unknown> {
  const handler = Object.prototype.hasOwnProperty.call(handlers, key) ? (handlers as Record<string, (r: Request<unknown>) => unknown>)[key] : undefined;
  if (!handler) return { error: { reason: 'invalid-input', message: `There is no admin call named ${JSON.stringify(key.slice(0, 60))}` } };
  try {
    return await handler(request);
  } catch (error) {
    const propagated = options.propagate?.(error);
    if (propagated !== undefined) throw propagated;
    return failureOf(error, logger);
  }
}

function targetProblem(error: unknown): string {
  if (!(error instanceof TargetError)) return error instanceof Error ? error.message : String(error);
  switch (error.kind) {
    case 'unauthorized':
      return 'The credential was refused (401): check it has not expired or been revoked';
    case 'forbidden':
      return 'The credential works but lacks the permission this needs (403)';
    case 'not-found':
      return 'Not found (404): check the organization, directory or workspace';
    case 'rate-limited':
      return 'Rate limited by Atlassian: try again in a minute';
    case 'payment-required':
      return 'The organization plan does not allow this call (402)';
    default:
      return `${error.message}`;
  }
}

async function check(name: string, run: () => Promise<string>): Promise<ConnectionCheck> {
  try {
    return { name, ok: true, detail: await run() };
  } catch (error) {
    return { name, ok: false, detail: targetProblem(error) };
  }
}

function credentialErrors(error: unknown): SaveResult<never> {
  if (error instanceof CredentialValidationError) return { ok: false, errors: error.errors.map((e) => ({ path: e.field, message: e.message })) };
  throw error;
}

/** The detail the engine gives users whose deactivation the circuit breaker holds back. */
const PAUSED_DETAIL = 'Deactivation paused';

/** Reads the links in one state page by page until `enough` says so (given what it read and how many pages). */
async function linksInState(sync: SyncParts, state: SyncState, enough: (links: readonly LinkDoc[], pages: number) => boolean): Promise<LinkDoc[]> {
  const links: LinkDoc[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await sync.links.listByState(state, 20, cursor);
    links.push(...page.links);
    cursor = page.cursor;
    pages += 1;
  } while (cursor && !enough(links, pages));
  return links;
}

async function waitingDeactivations(sync: SyncParts): Promise<number> {
  const pending = await linksInState(sync, 'pending', (_links, pages) => pages >= QUEUE_COUNT_PAGES);
  return pending.filter((link) => link.key.startsWith('User.') && link.detail?.startsWith(PAUSED_DETAIL)).length;
}

/** A secret or identifier of `credentials/save` and its longest accepted length. */
const CREDENTIAL_TEXT = [
  ['orgId', 200],
  ['orgApiKey', 4096],
  ['bitbucketEmail', 320],
  ['bitbucketApiToken', 4096],
] as const;
const CREDENTIAL_EXPIRIES = ['orgApiKeyExpiresAt', 'bitbucketApiTokenExpiresAt'] as const;

/** The credentials patch of `credentials/save`: given texts, and expiries as instants or `null` to clear them. */
function credentialsPatch(record: Record<string, unknown>): Parameters<SyncParts['credentials']['update']>[0] {
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

function kindOf(key: string): SyncItemView['kind'] {
  return key.startsWith('User.') ? 'User' : key.startsWith('Group.') ? 'Group' : 'Permissions';
}

async function adoptInstallationWorkspace(sync: SyncParts, installContext: unknown): Promise<void> {
  const uuid = workspaceUuidOf(installContext);
  if (!uuid) return;
  const settings = await sync.settings.get();
  if (settings.target.workspace !== '' && settings.target.workspaceResourceId !== '') return;
  await sync.settings.save({
    ...settings,
    target: {
      ...settings.target,
      workspace: settings.target.workspace || `{${uuid}}`,
      workspaceResourceId: settings.target.workspaceResourceId || `ari:cloud:bitbucket::workspace/${uuid}`,
    },
  });
}

/** The resolver functions, testable without Forge. */
export function makeAdminHandlers(deps: AdminHandlerDeps): Handlers<AdminApi> {
  const now = deps.now ?? (() => new Date());
  const guarded =
    <P, R>(body: (payload: P, parts: { app: AppParts; sync: SyncParts }) => Promise<R>) =>
    async (request: Request<P>): Promise<R> => {
      await assertWorkspaceAdmin(request.context, deps.lookupPermission);
      const [app, sync] = await Promise.all([deps.getApp(), deps.getSync()]);
      if (deps.targetFromInstallation) await adoptInstallationWorkspace(sync, request.context.installContext);
      // Every audit entry the call appends names the admin who made it.
      return withAuditActor(adminActor(String(request.context.accountId)), () => body(request.payload, { app, sync }));
    };
  const adminAudit = async (sync: SyncParts, action: string, kind: 'Settings' | 'Permission', id: string, extra: { before?: unknown; after?: unknown; detail?: string } = {}): Promise<void> => {
    await sync.auditLog.append({ source: 'admin', action, target: { kind, id }, outcome: 'applied', ...extra });
  };
  const credentialsStatus = async (sync: SyncParts): Promise<CredentialsStatus> => ({ credentials: await sync.credentials.view(), warnings: await sync.credentials.warnings(), inUse: await credentialsInUse(deps, { sync }) });
  const saveSettings = async (sync: SyncParts, input: unknown, action: string): Promise<SaveResult<SyncSettings>> => {
    const parsed = parseSettings(input);
    if ('errors' in parsed) return { ok: false, errors: parsed.errors };
    const before = await sync.settings.get();
    const saved = await sync.settings.save(parsed.settings);
    await adminAudit(sync, action, 'Settings', 'settings', { before, after: saved });
    const rulesChanged = JSON.stringify(before.rules) !== JSON.stringify(saved.rules) || before.operations.permissionSync !== saved.operations.permissionSync;
    if (rulesChanged || before.dryRun !== saved.dryRun) {
      await (await deps.getApp()).store.enqueue([PERMISSIONS_KEY]);
    }
    await sync.dispatcher.drainSoon();
    return { ok: true, value: saved };
  };

  // Deactivations a pull held whole (the breaker tripped before any was written) wait for the same confirmation.
  const heldByPull = async (): Promise<number> => {
    const status = deps.getPull ? await (await deps.getPull()).status() : undefined;
    return status?.lastPull?.heldDeactivations ?? 0;
  };
  return {
    ...makeMoreAdminHandlers(guarded, deps),
    ...makeSourceHandlers(guarded, deps.getPull),
    'scim/get-base-url': guarded(async () => ({ url: await deps.getBaseUrl() })),
    'setup/get': guarded(async () => (await deps.kvs.get<SetupView>(SETUP_KEY)) ?? {}),
    'setup/save': guarded(async (payload, { sync }) => {
      const idp = optionalChoice<IdpId>(payloadObject(payload), 'idp', IDP_IDS);
      const view: SetupView = idp ? { idp } : {};
      await deps.kvs.set(SETUP_KEY, view);
      await adminAudit(sync, 'idp-chosen', 'Settings', 'setup', { after: view });
      return view;
    }),
    'tokens/list': guarded((_payload, { app }) => new TokenAdmin(app.tokens).list()),
    'credentials/get': guarded((_payload, { sync }) => credentialsStatus(sync)),
    'credentials/save': guarded(async (payload, { sync }) => {
      const patch = credentialsPatch(payloadObject(payload));
      try {
        await sync.credentials.update(patch);
      } catch (error) {
        return credentialErrors(error);
      }
      if (typeof patch.orgId === 'string') {
        const settings = await sync.settings.get();
        if (settings.target.orgId !== patch.orgId) await sync.settings.save({ ...settings, target: { ...settings.target, orgId: patch.orgId } });
      }
      await adminAudit(sync, 'credentials-saved', 'Settings', 'credentials', { after: { changed: Object.keys(patch) } });
      await sync.dispatcher.drainSoon();
      return { ok: true, value: await credentialsStatus(sync) };
    }),
    'credentials/clear': guarded(async (_payload, { sync }) => {
      await sync.credentials.clear();
      await adminAudit(sync, 'credentials-cleared', 'Settings', 'credentials');
      return credentialsStatus(sync);
    }),
    'credentials/test': guarded(async (_payload, { sync }) => {
      const connected = await sync.connect({ requireDirectory: false });
      if (!connected.ok) {
        const detail = `Missing: ${connected.missing.join(', ')}`;
        return [
          { api: 'admin', ok: false, checks: [{ name: 'Configuration', ok: false, detail }] },
          { api: 'bitbucket', ok: false, checks: [{ name: 'Configuration', ok: false, detail }] },
        ] satisfies ConnectionReport[];
      }
      const { admin, bitbucket, settings } = connected;
      const credentials = await sync.credentials.load();
      const inUse = await credentialsInUse(deps, { sync });
      const adminChecks: ConnectionCheck[] = [{ name: 'Credentials in use', ok: inUse.source !== 'none', detail: inUse.detail }];
      const listed = await check('Organization API key', async () => `Accepted; the organization has ${counted((await admin.listDirectories()).length, 'directory', 'directories')}`);
      adminChecks.push(listed);
      if (listed.ok) {
        adminChecks.push(
          await check('Target directory', async () => {
            if (!settings.target.directoryId) throw new Error('No target directory chosen yet');
            const found = (await admin.listDirectories()).find((d) => d.directoryId === settings.target.directoryId);
            if (!found) throw new Error(`The directory ${settings.target.directoryId} is not in the organization`);
            return `Found: ${found.name}`;
          }),
        );
        if (settings.target.directoryId) {
          adminChecks.push(
            await check('Read users and groups', async () => {
              await admin.findAccountsByEmail([credentials?.bitbucketEmail ?? 'nobody@example.invalid']);
              await admin.findGroupByName(`${settings.groupNamePrefix}connection-test`);
              return 'Users and groups of the directory can be searched';
            }),
          );
        }
      }
      adminChecks.push({
        name: 'Bitbucket product',
        ok: settings.target.workspaceResourceId !== '' && settings.bitbucketRoleId !== '',
        detail: settings.target.workspaceResourceId !== '' ? `Access is granted through role ${settings.bitbucketRoleId} on ${settings.target.workspaceResourceId}` : 'Set the Bitbucket workspace resource id in the settings',
      });
      const bitbucketChecks: ConnectionCheck[] = [];
      const projects = await check('Workspace and API token', async () => `Accepted; ${counted((await bitbucket.listProjects()).length, 'project', 'projects')} in ${settings.target.workspace}`);
      bitbucketChecks.push(projects);
      if (projects.ok) {
        let firstRepository: string | undefined;
        bitbucketChecks.push(
          await check('Repositories', async () => {
            const repositories = await bitbucket.listRepositories();
            firstRepository = repositories[0]?.slug;
            return `${counted(repositories.length, 'repository', 'repositories')} visible`;
          }),
        );
        bitbucketChecks.push(
          await check('Admin email is a workspace member', async () => {
            const email = credentials?.bitbucketEmail;
            if (!email) return 'Not checked: the emulated credentials have no email';
            const found = await bitbucket.findMembersByEmail([email]);
            if (found.length === 0) throw new Error(`${email} is not a member of ${settings.target.workspace}`);
            return `${email} is a member`;
          }),
        );
        if (firstRepository) {
          const slug = firstRepository;
          bitbucketChecks.push(
            await check('Permission administration', async () => {
              await bitbucket.listRepositoryGroupPermissions(slug);
              return `Group permissions of ${slug} can be read, which needs workspace or repository admin`;
            }),
          );
        }
      }
      return [
        { api: 'admin', ok: adminChecks.every((c) => c.ok), checks: adminChecks },
        { api: 'bitbucket', ok: bitbucketChecks.every((c) => c.ok), checks: bitbucketChecks },
      ] satisfies ConnectionReport[];
    }),
    'directories/list': guarded(async (_payload, { sync }) => {
      const connected = await sync.connect({ requireDirectory: false });
      if (!connected.ok) throw new AdminError('invalid-input', `Cannot list directories yet; missing: ${connected.missing.join(', ')}`);
      try {
        return (await connected.admin.listDirectories()).map((d) => ({ id: d.directoryId, name: d.name }));
      } catch (error) {
        throw new AdminError('invalid-input', targetProblem(error), { cause: error });
      }
    }),
    'settings/get': guarded((_payload, { sync }) => sync.settings.get()),
    'settings/save': guarded((payload, { sync }) => saveSettings(sync, payloadObject(payload).settings, 'settings-saved')),
    'settings/export': guarded(async (_payload, { sync }) => ({ document: exportSettings(await sync.settings.get()), fileName: 'bitbucket-scim-sync-settings.json' })),
    'settings/import': guarded(async (payload, { sync }) => {
      const document = optionalText(payloadObject(payload), 'document', MAX_DOCUMENT_BYTES);
      if (document === undefined) throw new AdminError('invalid-input', 'document is required');
      let parsed: unknown;
      try {
        parsed = JSON.parse(document) as unknown;
      } catch (error) {
        return { ok: false, errors: [{ path: '', message: `The document is not JSON: ${error instanceof Error ? error.message : String(error)}` }] };
      }
      return saveSettings(sync, parsed, 'settings-imported');
    }),
    'transform/preview': guarded(async (payload, { app, sync }) => {
      const record = payloadObject(payload);
      const samples = optionalStrings(record, 'samples', MAX_PREVIEW_SAMPLES, 1000) ?? [];
      const transform = record.transform;
      if (transform !== null && transform !== undefined) {
        const t = payloadObject(transform);
        if (typeof t.pattern !== 'string' || typeof t.replacement !== 'string') throw new AdminError('invalid-input', 'transform needs a pattern and a replacement');
      }
      const total = await app.store.count('User');
      const recent = total === 0 ? [] : (await app.store.page('User', Math.max(0, total - RECENT_USERNAMES), RECENT_USERNAMES)).resources;
      const recentUserNames = recent.map((r) => String(r.resource.userName ?? '')).filter((name) => name !== '').reverse();
      const preview = previewTransform({ usernameTransform: (transform ?? null) as SyncSettings['usernameTransform'] }, [...samples, ...recentUserNames].slice(0, MAX_PREVIEW_SAMPLES));
      const domains = await checkPreviewDomains(preview, sync);
      return { preview, recentUserNames, ...(domains ? { domains } : {}) };
    }),
    'rules/preview': guarded(async (payload, { sync }) => {
      const record = payloadObject(payload);
      const settings = await sync.settings.get();
      let rules = settings.rules;
      if (record.rules !== undefined) {
        const parsed = parseSettings({ ...settings, rules: record.rules });
        if ('errors' in parsed) throw new AdminError('invalid-input', parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
        rules = parsed.settings.rules;
      }
      const groups = await sync.engine.appGroups();
      const connected = await sync.connect();
      const knownNames = new Set(groups.map((g) => g.displayName.toLowerCase()));
      const unknownGroups = [...new Set(rules.map((r) => r.group).filter((name) => !knownNames.has(name.toLowerCase())))];
      if (!connected.ok) return { grants: [], unknownGroups, comparedWithBitbucket: false, detail: `Connect first; missing: ${connected.missing.join(', ')}` };
      const link = await sync.links.get(PERMISSIONS_KEY);
      let plan;
      try {
        plan = await sync.permissionSyncer(connected.bitbucket, rules).plan(groups, link?.grants ?? {}, rules);
      } catch (error) {
        return { grants: [], unknownGroups, comparedWithBitbucket: false, detail: targetProblem(error) };
      }
      const nameOf = new Map(groups.map((g) => [g.groupSlug, g.displayName]));
      const grants: GrantPreview[] = plan.grants.map((grant) => {
        const ruleIds = grant.desired === undefined
          ? []
          : plan.explanations
              .filter((e) => e.groupSlugs.includes(grant.groupSlug))
              .filter((e) => (grant.target.type === 'project' ? e.projects.includes(grant.target.id) : e.repositoryPatterns.some((p) => p.repositories.includes(grant.target.id))))
              .filter((e) => rules.find((r) => r.id === e.ruleId)?.level === grant.desired)
              .map((e) => e.ruleId);
        const change: GrantPreview['change'] =
          grant.action === 'foreign' ? 'blocked' : grant.action === 'delete' ? 'remove' : grant.action === 'put' ? (grant.current === undefined ? 'add' : 'change') : 'same';
        return {
          target: grant.target,
          group: nameOf.get(grant.groupSlug) ?? grant.groupSlug,
          groupSlug: grant.groupSlug,
          ...(grant.desired !== undefined ? { desired: grant.desired } : {}),
          ...(grant.current !== undefined ? { current: grant.current } : {}),
          change,
          ruleIds,
        };
      });
      grants.sort((a, b) => (targetKey(a.target) < targetKey(b.target) ? -1 : targetKey(a.target) > targetKey(b.target) ? 1 : a.groupSlug < b.groupSlug ? -1 : 1));
      return { grants, unknownGroups, comparedWithBitbucket: true, ruleProblems: ruleProblems(plan.explanations, rules) };
    }),
    'sync/status': guarded(async (_payload, { app, sync }) => {
      let queueDepth = 0;
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await app.store.pendingChanges(20, cursor);
        queueDepth += page.entries.length;
        cursor = page.cursor;
        pages += 1;
      } while (cursor && pages < QUEUE_COUNT_PAGES);
      const [{ counts, capped }, users, groups, lastSyncAt, lastReconcileAt, breaker, settings, authFailures, permissions] = await Promise.all([
        sync.links.countByState(STATE_COUNT_PAGES),
        app.store.count('User'),
        app.store.count('Group'),
        deps.kvs.get<string>(LAST_SYNC_KEY),
        deps.kvs.get<string>(LAST_RECONCILE_KEY),
        sync.breaker.state(),
        sync.settings.get(),
        app.authFailures.summary(),
        sync.links.get(PERMISSIONS_KEY),
      ]);
      const permissionsState = permissionsView(permissions);
      return {
        queueDepth,
        queueDepthIsLowerBound: cursor !== undefined,
        running: queueDepth > 0,
        counts: resourceCounts(counts, permissions),
        ...(permissionsState ? { permissions: permissionsState } : {}),
        countsAtLeast: capped,
        totals: { users, groups },
        ...(lastSyncAt ? { lastSyncAt } : {}),
        ...(lastReconcileAt ? { lastReconcileAt } : {}),
        breaker,
        waitingDeactivations: breaker.tripped ? (await waitingDeactivations(sync)) + (await heldByPull()) : 0,
        dryRun: settings.dryRun,
        authFailures,
      };
    }),
    'sync/items': guarded(async (payload, { app, sync }) => {
      const record = payloadObject(payload);
      const state = optionalChoice(record, 'state', STATES) ?? 'failed';
      const limit = optionalInteger(record, 'limit', 1, 20) ?? 20;
      const signer = await app.cursorSigner();
      const cursor = openAdminCursor(signer, 'sync/items', state, optionalText(record, 'cursor', 4096));
      const page = await sync.links.listByState(state, limit, cursor);
      const ids = (prefix: string): string[] => page.links.filter((l) => l.key.startsWith(prefix)).map((l) => l.key.slice(prefix.length));
      const [users, groups] = await Promise.all([app.store.getMany('User', ids('User.')), app.store.getMany('Group', ids('Group.'))]);
      const items: SyncItemView[] = page.links.map((link) => {
        const kind = kindOf(link.key);
        const id = link.key.slice(link.key.indexOf('.') + 1);
        const resource = kind === 'User' ? users.get(id)?.resource : kind === 'Group' ? groups.get(id)?.resource : undefined;
        const name = kind === 'User' ? resource?.userName : resource?.displayName;
        const display = typeof name === 'string' ? name : (link.email ?? link.orgGroupName ?? (kind === 'Permissions' ? 'Bitbucket permissions' : link.key));
        return {
          key: link.key,
          kind,
          display,
          state: link.state,
          attempts: link.attempts,
          ...(link.accountId ? { accountId: link.accountId } : {}),
          ...(link.lastError ? { lastError: link.lastError } : {}),
          ...(link.detail ? { detail: link.detail } : {}),
          ...(link.nextRetryAt ? { nextRetryAt: link.nextRetryAt } : {}),
          ...(kind === 'User' && resource?.active === false ? { deactivated: true } : {}),
          ...(link.lastComparedAt ? { lastComparedAt: link.lastComparedAt } : {}),
          ...(link.lastComparison ? { lastComparison: link.lastComparison } : {}),
          ...(link.difference ? { difference: link.difference } : {}),
        };
      });
      return page.cursor ? { items, cursor: sealAdminCursor(signer, 'sync/items', state, page.cursor) } : { items };
    }),
    'sync/retry': guarded(async (payload, { app, sync }) => {
      const keys = optionalStrings(payloadObject(payload), 'keys', RETRY_ALL_LIMIT, 140);
      let chosen: string[];
      if (keys) {
        const bad = keys.find((key) => !RESOURCE_KEY.test(key));
        if (bad !== undefined) throw new AdminError('invalid-input', `Not a resource key: ${JSON.stringify(bad.slice(0, 60))}`);
        chosen = keys;
      } else {
        chosen = (await linksInState(sync, 'failed', (links) => links.length >= RETRY_ALL_LIMIT)).map((l) => l.key);
      }
      if (chosen.length > 0) {
        await app.store.enqueue(chosen);
        await sync.dispatcher.drainSoon();
        await adminAudit(sync, 'retry-requested', 'Settings', 'sync', { after: { keys: chosen.slice(0, 50), count: chosen.length } });
      }
      return { retried: chosen.length };
    }),
    'sync/run': guarded(async (_payload, { sync }) => {
      await sync.dispatcher.requestReconcile();
      await adminAudit(sync, 'sync-requested', 'Settings', 'sync');
      return { queued: 1 };
    }),
    'sync/activity': guarded(async (payload, { sync }) => {
      const hours = optionalInteger(payloadObject(payload), 'hours', 1, 24 * 7) ?? 24;
      const end = now();
      const startHour = Math.floor(end.getTime() / 3600_000) - hours + 1;
      const buckets: { applied: number; failed: number; other: number }[] = Array.from({ length: hours }, () => ({ applied: 0, failed: 0, other: 0 }));
      let cursor: string | undefined;
      let seen = 0;
      do {
        const page = await sync.auditLog.query({ from: new Date(startHour * 3600_000), to: end, limit: MAX_QUERY_LIMIT, ...(cursor ? { cursor } : {}) });
        for (const entry of page.entries) {
          const bucket = buckets[Math.floor(Date.parse(entry.at) / 3600_000) - startHour];
          if (!bucket) continue;
          if (entry.outcome === 'applied') bucket.applied += 1;
          else if (entry.outcome === 'failed') bucket.failed += 1;
          else bucket.other += 1;
        }
        seen += page.entries.length;
        cursor = page.cursor;
      } while (cursor && seen < ACTIVITY_MAX_ENTRIES);
      return buckets.map((bucket, i): ActivityBucket => ({ hour: new Date((startHour + i) * 3600_000).toISOString(), ...bucket }));
    }),
    'breaker/confirm': guarded(async (_payload, { sync }) => {
      const before = await sync.breaker.state();
      const state = await sync.breaker.confirm((await waitingDeactivations(sync)) + (await heldByPull()));
      await adminAudit(sync, 'breaker-confirmed', 'Settings', 'circuit-breaker', { before, after: state });
      await sync.dispatcher.drainSoon();
      return state;
    }),
  };
}
