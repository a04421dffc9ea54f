/**
 * Composition of the sync engine, shared by Forge and the local host: settings, links, credentials, the audit
 * log, the deprovisioning circuit breaker, permission sync, the engine over the real HTTP clients (pointed at
 * Atlassian, or at the emulators locally), and the dispatcher over a job queue.
 */
import type { DirectoryStore } from '../directory/directory-store';
import type { ScimObject } from '../scim/resource/types';
import { AuditLog, type AuditEntryInput, type AuditTargetKind } from '../sync/audit-log';
import { SYNC_ACTOR } from '../sync/audit-actor';
import { CircuitBreakerStore } from '../sync/circuit-breaker';
import { CredentialStore } from '../sync/credentials';
import { Dispatcher, type DispatcherOptions } from '../sync/dispatcher';
import type { JobQueue } from '../sync/jobs';
import { PermissionSyncer } from '../sync/permission-sync';
import type { SyncSettings } from '../sync/settings';
import { SettingsStore } from '../sync/settings-store';
import type { EngineAudit, EngineAuditEntry, EngineSettings } from '../sync/engine-ports';
import { SyncEngine } from '../sync/sync-engine';
import { SyncLinks } from '../sync/sync-links';
import {
  compileTransform,
  looksLikeEmail,
  transformUserName,
  type CompiledTransform,
} from '../sync/username-transform';
import { AdminApiClient } from '../targets/admin-api/admin-api-client';
import { BitbucketClient } from '../targets/bitbucket/bitbucket-client';
import { groupSlugFor } from '../targets/group-slug';
import { OrgGroupNames } from '../sync/org-group-names';
import type { TargetFetch } from '../targets/http/target-fetch';
import type { BitbucketPermissions } from '../targets/ports';
import type { ForgeKvs } from '../storage/kvs-port';
import { meteredKvs } from '../storage/metered-kvs';
import { budgetStorageMeter, spendCall } from '../sync/call-budget';
import { PermissionPasses } from '../sync/permission-pass';
import { keptWorkspaceListings } from '../sync/workspace-listings';
import { MemberScans } from '../sync/member-scan';
import { PlanCarry } from '../sync/plan-carry';
import { TokenUsage } from '../sync/token-usage';
import { DiagnosticsStore, VERDICT_CACHE_MS } from '../diagnostics/diagnostics-store';
import { connectionBlock, permissionSyncBlock } from '../diagnostics/verdicts';
import { ADMIN_API_BASE_URL } from '../targets/admin-api/admin-api-operations';
import { BITBUCKET_BASE_URL } from '../targets/bitbucket/bitbucket-client';
import type { ConnectedTargets, ConnectOptions, SyncTransport, TargetCredentials } from '../sync/sync-connection';

/** The sync's connection types (src/sync/sync-connection.ts), re-exported for the composition's users. */
export type { ConnectedTargets, ConnectOptions, SyncTransport, TargetCredentials } from '../sync/sync-connection';

/** What the sync composition needs from its runtime. */
export interface SyncOptions {
  readonly kvs: ForgeKvs;
  readonly store: DirectoryStore;
  readonly queue: JobQueue;
  readonly fetch: TargetFetch;
  /** Base URLs of the Atlassian APIs; the local host points them at the emulators. */
  readonly baseUrls?: () => { readonly admin?: string; readonly bitbucket?: string };
  /** Where the credentials come from; default: the credential store in Forge secret storage (the admin page writes it). */
  readonly credentials?: () => Promise<TargetCredentials | undefined>;
  /** A further sink for the engine's entries (tests); they always go to the audit log too. */
  readonly audit?: EngineAudit;
  /** The audit log; default: one over `kvs`. */
  readonly auditLog?: AuditLog;
  readonly clock?: { now(): number; sleep(ms: number): Promise<void> };
  readonly now?: () => Date;
  readonly dispatcher?: DispatcherOptions;
  /** Seconds without group changes before permission sync runs (see SyncEngineDeps; default 30). */
  readonly permissionQuietSeconds?: number;
}

/** The parts of the sync the entry points and the admin resolvers use. */
export interface SyncParts {
  /** The app's key-value store, metered against the invocation's budget (the access review keeps its records here). */
  readonly kvs: ForgeKvs;
  /** Bitbucket requests permission runs made with the admin's token in the last hour. */
  readonly tokenUsage: TokenUsage;
  readonly settings: SettingsStore;
  readonly links: SyncLinks;
  readonly engine: SyncEngine;
  readonly dispatcher: Dispatcher;
  readonly credentials: CredentialStore;
  readonly auditLog: AuditLog;
  readonly breaker: CircuitBreakerStore;
  /** The stored Diagnostics results the sync reacts to (src/diagnostics/verdicts.ts). */
  readonly diagnostics: DiagnosticsStore;
  /** The fetch, base URLs, credentials and clock the clients run on. */
  readonly transport: SyncTransport;
  /**
   * Builds the remote ports, or says what is missing: configuration, or what a failed Diagnostics check stands in
   * for (egress refused, the installation's workspace not confirmed).
   */
  connect(options?: ConnectOptions): Promise<ConnectedTargets>;
  /** The permission syncer over a Bitbucket port and the given rules. */
  permissionSyncer(bitbucket: BitbucketPermissions, rules: SyncSettings['rules']): PermissionSyncer;
}

const KIND_OF_PREFIX: Readonly<Record<string, AuditTargetKind>> = {
  User: 'User',
  Group: 'Group',
  Permissions: 'Permission',
};

function accountOf(entry: EngineAuditEntry): string | undefined {
  const after = entry.after as { accountId?: unknown } | undefined;
  return typeof after?.accountId === 'string' ? after.accountId : undefined;
}

/**
 * Maps the engine's entries onto audit-log entries (source `sync`, actor the sync engine). A group's membership
 * change also names the user (from `userKeys`, account id -> `User.<id>`), so querying the log by user finds it,
 * and says who the member is (`memberEmails`, account id -> email) when the engine's entry has no detail.
 */
export function auditEntriesOf(
  entries: readonly EngineAuditEntry[],
  userKeys: ReadonlyMap<string, string> = new Map(),
  memberEmails: ReadonlyMap<string, string> = new Map(),
): AuditEntryInput[] {
  return entries.map((entry) => {
    const member = accountOf(entry);
    const memberDetail =
      entry.resourceKey.startsWith('Group.') &&
      member &&
      (entry.action === 'add-member' || entry.action === 'remove-member')
        ? `member ${memberEmails.get(member) ?? `account ${member}`}`
        : undefined;
    const memberKey = member ? userKeys.get(member) : undefined;
    const dot = entry.resourceKey.indexOf('.');
    const prefix = entry.resourceKey.slice(0, dot);
    const id = entry.resourceKey.slice(dot + 1);
    const kind = KIND_OF_PREFIX[prefix] ?? 'Settings';
    return {
      source: 'sync',
      action: entry.action,
      target: { kind, id, ...(entry.display ? { display: entry.display } : {}) },
      ...(kind === 'User' ? { userKey: id } : memberKey ? { userKey: memberKey.slice('User.'.length) } : {}),
      ...(kind === 'Group' ? { groupKey: id } : {}),
      ...(entry.before !== undefined ? { before: entry.before } : {}),
      ...(entry.after !== undefined ? { after: entry.after } : {}),
      outcome: entry.outcome,
      ...(entry.detail
        ? { detail: memberDetail ? `${memberDetail}: ${entry.detail}` : entry.detail }
        : memberDetail
          ? { detail: memberDetail }
          : {}),
      actor: SYNC_ACTOR,
    };
  });
}

/** The planner's and engine's view of the stored settings. */
export function engineSettings(settings: SyncSettings): EngineSettings {
  return {
    operations: settings.operations,
    deactivation: settings.deactivation,
    deletion: settings.deletion,
    dryRun: settings.dryRun,
    groupNamePrefix: settings.groupNamePrefix,
    bitbucketRoleId: settings.bitbucketRoleId,
    workspaceResourceId: settings.target.workspaceResourceId,
    permissionSync: settings.operations.permissionSync,
    permissionRules: settings.rules,
  };
}

function workEmail(user: ScimObject): string | undefined {
  const emails = Array.isArray(user.emails)
    ? user.emails.filter((e): e is ScimObject => typeof e === 'object' && e !== null && typeof e.value === 'string')
    : [];
  const work = emails.filter((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work');
  const chosen = work.find((e) => e.primary === true) ?? work[0] ?? emails.find((e) => e.primary === true) ?? emails[0];
  return typeof chosen?.value === 'string' ? chosen.value : undefined;
}

/** Builds the sync engine and its dispatcher. */
export function createSync(options: SyncOptions): SyncParts {
  const now = options.now ?? (() => new Date());
  // Storage and remote calls are counted against the running invocation's budget (src/sync/call-budget.ts).
  const kvs = meteredKvs(options.kvs, budgetStorageMeter);
  // Bitbucket requests made with the admin's token, so permission runs can say how many they made (src/sync/token-usage.ts).
  let bitbucketRequests = 0;
  const fetch: TargetFetch = (url, init) => {
    spendCall();
    if (url.startsWith(options.baseUrls?.().bitbucket ?? BITBUCKET_BASE_URL)) bitbucketRequests += 1;
    return options.fetch(url, init);
  };
  const tokenUsage = new TokenUsage(kvs, () => now().getTime());
  const settingsStore = new SettingsStore(kvs);
  const links = new SyncLinks(kvs);
  const credentialStore = new CredentialStore(kvs, now);
  const auditLog = options.auditLog ?? new AuditLog({ kvs, now });
  const breaker = new CircuitBreakerStore({ kvs, now });
  const credentials = options.credentials ?? (() => credentialStore.load());
  const diagnostics = DiagnosticsStore.for(options.kvs);
  const transport: SyncTransport = {
    fetch: options.fetch,
    baseUrls: () => ({
      admin: options.baseUrls?.().admin ?? ADMIN_API_BASE_URL,
      bitbucket: options.baseUrls?.().bitbucket ?? BITBUCKET_BASE_URL,
    }),
    credentials,
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const orgGroupNames = new OrgGroupNames(kvs);
  let current: SyncSettings | undefined;
  let compiled: { key: string; transform: CompiledTransform | null } | undefined;

  const transformOf = (settings: SyncSettings): CompiledTransform | null => {
    const key = JSON.stringify(settings.usernameTransform);
    if (compiled?.key !== key)
      compiled = { key, transform: settings.usernameTransform ? compileTransform(settings.usernameTransform) : null };
    return compiled.transform;
  };

  const connect = async (connectOptions: ConnectOptions = {}): Promise<ConnectedTargets> => {
    const settings = connectOptions.settings ?? (await settingsStore.get());
    const found = await credentials();
    const orgId = settings.target.orgId || found?.orgId || '';
    const { directoryId, workspace } = settings.target;
    const missing = [
      ...(found ? [] : ['credentials']),
      ...(orgId ? [] : ['organization id']),
      ...(directoryId || connectOptions.requireDirectory === false ? [] : ['target directory']),
      ...(workspace ? [] : ['workspace']),
    ];
    if (!found || missing.length > 0) return { ok: false, missing };
    const blocked = connectionBlock(await diagnostics.results({ maxAgeMs: VERDICT_CACHE_MS }));
    if (blocked !== undefined) return { ok: false, missing: [blocked] };
    const retry = connectOptions.retry ? { retry: connectOptions.retry } : {};
    const admin = new AdminApiClient({
      orgId,
      directoryId,
      credentials: () => ({ apiKey: found.orgApiKey }),
      fetch,
      ...(options.baseUrls?.().admin ? { baseUrl: options.baseUrls().admin } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(connectOptions.groupLookupBudgetMs !== undefined
        ? { groupLookupBudgetMs: connectOptions.groupLookupBudgetMs }
        : {}),
      ...retry,
    });
    const bitbucket = new BitbucketClient({
      workspace,
      credentials: () => ({ email: found.bitbucketEmail, apiToken: found.bitbucketApiToken }),
      fetch,
      ...(options.baseUrls?.().bitbucket ? { baseUrl: options.baseUrls().bitbucket } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...retry,
    });
    return { ok: true, admin, bitbucket, settings };
  };

  let lastBitbucket: BitbucketPermissions | undefined;
  const engine = new SyncEngine({
    store: options.store,
    links,
    carry: new PlanCarry(kvs),
    scans: new MemberScans(kvs, () => now().getTime()),
    permissionPasses: new PermissionPasses(kvs),
    settings: async () => {
      current = await settingsStore.get();
      return engineSettings(current);
    },
    targets: async () => {
      // The engine reads its settings just before its targets: build them from that same read.
      const connected = await connect(current ? { settings: current } : {});
      if (!connected.ok) return undefined;
      lastBitbucket = connected.bitbucket;
      return { admin: connected.admin, bitbucket: connected.bitbucket };
    },
    emailOf: (user) => {
      const settings = current;
      if (!settings) return undefined;
      if (settings.matchBy === 'work-email') return workEmail(user);
      const userName = typeof user.userName === 'string' ? user.userName : '';
      const email = transformUserName(transformOf(settings), userName);
      return looksLikeEmail(email) ? email : undefined;
    },
    naming: {
      // Claimed once, before the create: the readable name unless another group or the org holds it (item 6 of "A new admin's first hour").
      orgGroupName: (displayName, prefix, group) =>
        orgGroupNames.nameFor(
          { id: group.id, displayName },
          prefix,
          async (name) => (await group.admin.findGroupByName(name)) !== undefined,
        ),
      groupSlug: groupSlugFor,
    },
    audit: {
      async record(entries) {
        if (entries.length === 0) return;
        const members = [
          ...new Set(
            entries
              .filter((e) => e.resourceKey.startsWith('Group.'))
              .map(accountOf)
              .filter((id): id is string => id !== undefined),
          ),
        ];
        const userKeys = members.length > 0 ? await links.userKeysOf(members) : new Map<string, string>();
        const userLinks =
          userKeys.size > 0 ? await links.getMany([...userKeys.values()]) : new Map<string, { email?: string }>();
        const memberEmails = new Map<string, string>();
        for (const [accountId, key] of userKeys) {
          const email = userLinks.get(key)?.email;
          if (email) memberEmails.set(accountId, email);
        }
        await auditLog.appendMany(auditEntriesOf(entries, userKeys, memberEmails));
        await options.audit?.record(entries);
      },
    },
    gate: async (requested, totalUsers) => {
      const settings = current ?? (await settingsStore.get());
      const decision = await breaker.admit(settings, totalUsers, requested);
      if (decision.allowed < requested) {
        await auditLog.append({
          source: 'sync',
          action: 'deactivations-paused',
          actor: SYNC_ACTOR,
          target: { kind: 'Settings', id: 'circuit-breaker' },
          outcome: 'skipped',
          after: { requested, allowed: decision.allowed },
          detail: decision.reason ?? 'The deprovisioning circuit breaker paused deactivations until an admin confirms',
        });
      }
      return decision.allowed;
    },
    permissions: {
      run: async (groups, applied, dryRun, pass) => {
        if (!lastBitbucket || !current) return { grants: applied, audit: [] };
        // The slugs the app computes are not what Bitbucket knows its groups by: no grant is written to a guessed name.
        const refused = permissionSyncBlock(await diagnostics.results({ maxAgeMs: VERDICT_CACHE_MS }));
        if (refused !== undefined) return { grants: applied, audit: [], refused };
        const before = bitbucketRequests;
        try {
          const bitbucket = keptWorkspaceListings(lastBitbucket, kvs, () => now().getTime());
          return await new PermissionSyncer(bitbucket, current.rules, current.target.workspace).run(
            groups,
            applied,
            dryRun,
            pass,
          );
        } finally {
          await tokenUsage.record(bitbucketRequests - before);
        }
      },
    },
    now,
    ...(options.permissionQuietSeconds !== undefined ? { permissionQuietSeconds: options.permissionQuietSeconds } : {}),
  });
  const dispatcher = new Dispatcher(options.store, kvs, options.queue, engine, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.dispatcher,
  });
  return {
    kvs,
    tokenUsage,
    settings: settingsStore,
    links,
    engine,
    dispatcher,
    credentials: credentialStore,
    auditLog,
    breaker,
    diagnostics,
    transport,
    connect,
    permissionSyncer: (bitbucket, rules) => new PermissionSyncer(bitbucket, rules),
  };
}
