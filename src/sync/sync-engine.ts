/**
 * The sync engine: for a batch of outbox entries it reads the desired state (the app's directory), the actual
 * remote state (Atlassian), plans the minimal changes with the pure planner and applies them through the
 * target ports. Every decision is made from fresh reads, so replaying a job whose effect is visible plans
 * nothing; an entry is acknowledged in the outbox only after its changes succeeded.
 */
import type { DirectoryStore, StoredMember, StoredResource } from '../directory/directory-store';
import type { ScimObject } from '../scim/resource/types';
import type { AdminDirectory, BitbucketPermissions, DirectoryAccount, DirectoryGroup } from '../targets/ports';
import { TargetError } from '../targets/ports';
import { AsyncLocalStorage } from 'node:async_hooks';
import { budgetAllows } from './call-budget';
import { JobLinkCache } from './job-link-cache';
import { describeDifference, joinDifferences, unfinishedRepair } from './comparison';
import { PERMISSIONS_KEY, type SyncEntry } from './jobs';
import { memberAccountLost } from './lost-members';
import type { PlanCarry } from './plan-carry';
import { isDeprovisioning, isRemoteWrite, planGroup, planUser, type Change, type PlanSettings } from './planner';
import type { LinkDoc, SyncLinks } from './sync-links';

/** Everything the engine reads from settings: the planner's slice plus naming, access and mode. */
export interface EngineSettings extends PlanSettings {
  readonly dryRun: boolean;
  readonly groupNamePrefix: string;
  readonly bitbucketRoleId: string;
  readonly workspaceResourceId: string;
  readonly permissionSync: boolean;
}

/** One audit entry the engine emits per change. */
export interface EngineAuditEntry {
  readonly action: Change['kind'] | 'put-grant' | 'delete-grant';
  readonly resourceKey: string;
  readonly display?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly outcome: 'applied' | 'planned' | 'skipped' | 'failed';
  readonly detail?: string;
}

/** Where the engine records what it did. */
export interface EngineAudit {
  record(entries: readonly EngineAuditEntry[]): Promise<void>;
}

/** Decides how many deprovisioning changes may run now (the circuit breaker); the rest wait for an admin. */
export type DeprovisioningGate = (requested: number, totalUsers: number) => Promise<number>;

/** What a permission run did: the grants the app now holds, its audit entries, failed writes, and the rate limit that stopped it. */
export interface PermissionSyncResult {
  readonly grants: Record<string, Record<string, string>>;
  readonly audit: EngineAuditEntry[];
  readonly failed?: number;
  readonly interruptedBy?: TargetError;
  /** Set when permission sync refused to run (a failed Diagnostics check): the reason, recorded on the Permissions item. */
  readonly refused?: string;
  /** Changes the invocation's budget left for the next job (after at least one applied); the run plans them again there. */
  readonly left?: number;
}

/** Permission sync: the slice of the permission-rules module the engine calls. */
export interface PermissionSync {
  /** Plans and applies grants for every app group, given the grants the app applied before; returns what it holds now. */
  run(groups: readonly { displayName: string; groupSlug: string }[], applied: Record<string, Record<string, string>>, dryRun: boolean): Promise<PermissionSyncResult>;
}

/** The engine's collaborators. */
export interface SyncEngineDeps {
  readonly store: DirectoryStore;
  readonly links: SyncLinks;
  readonly settings: () => Promise<EngineSettings>;
  /** Builds the remote ports from the stored credentials (undefined when not configured yet). */
  readonly targets: () => Promise<{ admin: AdminDirectory; bitbucket: BitbucketPermissions } | undefined>;
  /** The account email of a SCIM user (username transform or work email); undefined when none can be derived. */
  readonly emailOf: (user: ScimObject, settings: EngineSettings) => string | undefined;
  /** The org group name the app gives a SCIM group (decided before its create, src/sync/org-group-names.ts), and the Bitbucket slug of an org group name. */
  readonly naming: { orgGroupName: (displayName: string, prefix: string, group: { readonly id: string; readonly admin: AdminDirectory }) => string | Promise<string>; groupSlug: (orgGroupName: string) => string };
  readonly audit: EngineAudit;
  readonly gate?: DeprovisioningGate;
  readonly permissions?: PermissionSync;
  /**
   * Seconds without group changes before permission sync runs (default 30): an initial load or a burst of group
   * changes then costs one permission run, with its Bitbucket reads, instead of one per batch. A run is never
   * held back for more than five times this since it first fell due.
   */
  readonly permissionQuietSeconds?: number;
  readonly now?: () => Date;
  /** Where a group's member changes a job could not apply wait for the next job (src/sync/plan-carry.ts). */
  readonly carry?: PlanCarry;
}

/** What a batch did. */
export interface BatchReport {
  readonly applied: number;
  readonly remoteWrites: number;
  readonly failed: number;
  readonly deferred: number;
  /** Set when Atlassian rate-limited the batch: the job should come back after this many seconds. */
  readonly retryAfterSeconds?: number;
  /** True when the batch enqueued further work (groups of newly linked users): another drain should follow. */
  readonly enqueuedMore: boolean;
  /** Set when work was left in the outbox to wait (permission sync until group changes settle): drain again after this. */
  readonly drainAfterSeconds?: number;
  /** Keys of entries left untouched because the invocation's budget ran low (src/sync/call-budget.ts). */
  readonly leftover: readonly string[];
}

/**
 * What one resource may cost at most, in outbound requests, before the engine starts on it: reads of its link and
 * the remote state, its writes, link and outbox updates and its audit entry. A resource is started only when this
 * much is left, so a job stops between resources, never inside one.
 */
const CALLS_PER_USER = 16;
const CALLS_PER_GROUP = 40;
/** Run time a resource may take at most before the engine starts on it (several API calls at their latency). */
const MILLIS_PER_RESOURCE = 30_000;
/** What comparing a group the org created anew again may cost (its reads, role, a few members, link, audit). */
const CALLS_PER_FOLLOW_UP = 20;
/** What asking the circuit breaker costs (the user count, its lease, state and audit entry). */
const CALLS_TO_ADMIT = 8;
/**
 * Calls (an Admin API write, the audit and link writes after it) and time to keep for one more change of a resource
 * being applied: a huge group's members are added over several jobs, each stopping between two changes.
 */
const CALLS_PER_CHANGE = 4;

/** Requests a group's plan makes for its members beyond the fixed ones: their links 25 a request, org members 100 a page. */
function planCalls(members: number): number {
  return Math.ceil(members / 25) + Math.ceil(members / 100);
}
const MILLIS_PER_CHANGE = 5_000;

const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 6 * 3600_000;

function lower(value: string): string {
  return value.toLowerCase();
}

/** What one batch keeps while it runs. */
interface BatchState {
  /** Whether the batch put more work in the outbox. */
  enqueued: boolean;
  /** Resources this batch has started on (the budget may stop a batch only after its first). */
  started: number;
  readonly links: JobLinkCache;
  /** Groups of this batch waiting for member accounts the organization lost (their users are synced first): key -> count. */
  readonly waiting: Map<string, number>;
  /** Members each group of this batch listed when planned (kept on its link: src/sync/sync-links.ts memberCount). */
  readonly memberCounts: Map<string, number>;
  /** Whether this batch's permission run stopped for its budget with changes left. */
  permissionsLeft?: boolean;
  /** Groups this batch applied carried changes to (src/sync/plan-carry.ts): a fresh comparison follows them. */
  readonly carried: Set<string>;
}

/** Runs batches of sync work. */
export class SyncEngine {
  private readonly now: () => Date;

  constructor(private readonly deps: SyncEngineDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Syncs a batch of outbox entries; users first, then groups (which need the users' account ids), then permissions. */
  async process(entries: readonly SyncEntry[]): Promise<BatchReport> {
    return this.batch.run({ enqueued: false, started: 0, links: new JobLinkCache(this.deps.links), waiting: new Map(), memberCounts: new Map(), carried: new Set() }, () => this.processBatch(entries));
  }

  private async processBatch(entries: readonly SyncEntry[]): Promise<BatchReport> {
    const settings = await this.deps.settings();
    const targets = await this.deps.targets();
    const report = {
      applied: 0,
      remoteWrites: 0,
      failed: 0,
      deferred: 0,
      retryAfterSeconds: undefined as number | undefined,
      enqueuedMore: false,
      drainAfterSeconds: undefined as number | undefined,
      leftover: [] as string[],
    };
    if (!targets) {
      report.deferred = entries.length;
      return report;
    }
    const byKind = (prefix: string): SyncEntry[] => entries.filter((e) => e.key.startsWith(prefix));
    let groupsChanged = false;
    try {
      await this.syncUsers(byKind('User.'), settings, targets.admin, report);
      groupsChanged = await this.syncGroups(byKind('Group.'), settings, targets.admin, report);
      const permissionEntries = byKind('Permissions.');
      const permissionsOn = settings.permissionSync && this.deps.permissions !== undefined;
      if (permissionsOn && groupsChanged) await this.notePermissionsDue();
      let done = true;
      if (permissionsOn && permissionEntries.length > 0) {
        const wait = await this.permissionWait();
        if (wait > 0) report.drainAfterSeconds = wait;
        done = wait === 0 && (await this.syncPermissions(settings, report));
        // A run the budget cut short goes on in the next job (its entry stays and is queued again).
        if (!done && wait === 0 && this.state.permissionsLeft) report.leftover.push(...permissionEntries.map((e) => e.key));
      }
      // A deferred or failed permission run keeps its outbox entry, so a later drain runs it again.
      if (done) for (const entry of permissionEntries) await this.deps.store.acknowledge(entry.key, entry.version);
    } catch (error) {
      if (error instanceof TargetError && error.kind === 'rate-limited') {
        report.retryAfterSeconds = Math.max(1, Math.ceil((error.details.retryAfterMs ?? 60_000) / 1000));
      } else {
        throw error;
      }
    }
    report.enqueuedMore = this.state.enqueued;
    return report;
  }

  /** The running batch's own state: jobs of several lanes may run at once on one engine (one per invocation). */
  private readonly batch = new AsyncLocalStorage<BatchState>();

  /** The running batch's state; outside a batch (appGroups for a preview), a fresh one that nothing keeps. */
  private get state(): BatchState {
    return this.batch.getStore() ?? { enqueued: false, started: 0, links: new JobLinkCache(this.deps.links), waiting: new Map(), memberCounts: new Map(), carried: new Set() };
  }

  /** The running batch's link cache (src/sync/job-link-cache.ts). */
  private get links(): JobLinkCache {
    return this.state.links;
  }

  private quietMs(): number {
    return (this.deps.permissionQuietSeconds ?? 30) * 1000;
  }

  /** Records that the app's groups changed and puts permission sync in the outbox. */
  private async notePermissionsDue(): Promise<void> {
    const key = PERMISSIONS_KEY;
    const link = await this.links.get(key);
    const now = this.now().toISOString();
    await this.links.put({ ...(link ?? { key, state: 'pending', attempts: 0 }), groupsChangedAt: now, permissionsDueSince: link?.permissionsDueSince ?? now } as LinkDoc);
    await this.deps.store.enqueue([key]);
    this.state.enqueued = true;
  }

  private rateLimitEnd(error: TargetError): string {
    return new Date(this.now().getTime() + (error.details.retryAfterMs ?? 60_000)).toISOString();
  }

  /**
   * Seconds until permission sync may run: while Bitbucket's rate limit lasts, the rest of its wait; otherwise 0
   * once groups have been quiet long enough, or once it has waited its longest.
   */
  private async permissionWait(): Promise<number> {
    const link = await this.links.get(PERMISSIONS_KEY);
    const now = this.now().getTime();
    const limitedUntil = link?.rateLimitedUntil ? Date.parse(link.rateLimitedUntil) : Number.NaN;
    if (!Number.isNaN(limitedUntil) && limitedUntil > now) return Math.ceil((limitedUntil - now) / 1000);
    const quiet = this.quietMs();
    if (quiet === 0) return 0;
    const changedAt = link?.groupsChangedAt ? Date.parse(link.groupsChangedAt) : Number.NaN;
    const dueSince = link?.permissionsDueSince ? Date.parse(link.permissionsDueSince) : Number.NaN;
    if (Number.isNaN(changedAt) || now - changedAt >= quiet) return 0;
    if (!Number.isNaN(dueSince) && now - dueSince >= 5 * quiet) return 0;
    return Math.max(1, Math.ceil((quiet - (now - changedAt)) / 1000));
  }

  private async syncUsers(entries: readonly SyncEntry[], settings: EngineSettings, admin: AdminDirectory, report: { applied: number; remoteWrites: number; failed: number; deferred: number; leftover: string[] }): Promise<void> {
    if (entries.length === 0) return;
    const ids = entries.map((e) => e.key.slice('User.'.length));
    const users = await this.deps.store.getMany('User', ids);
    const links = await this.links.getMany(entries.map((e) => e.key));
    const desiredEmail = new Map<string, string | undefined>();
    for (const id of ids) {
      const user = users.get(id);
      desiredEmail.set(id, user ? this.deps.emailOf(user.resource, settings) : undefined);
    }
    const lookup = new Set<string>();
    for (const id of ids) {
      // The linked email too: a user renamed at the source whose new email has no account keeps its linked one.
      for (const email of [desiredEmail.get(id), links.get(`User.${id}`)?.email]) if (email) lookup.add(lower(email));
    }
    const accounts = new Map<string, DirectoryAccount>();
    for (const account of await admin.findAccountsByEmail([...lookup])) accounts.set(lower(account.email), account);

    const planned = new Map<string, Change[]>();
    for (const entry of entries) {
      const id = entry.key.slice('User.'.length);
      const user = users.get(id);
      const link = links.get(entry.key);
      const email = desiredEmail.get(id);
      const account = (email ? accounts.get(lower(email)) : undefined) ?? (link?.email ? accounts.get(lower(link.email)) : undefined);
      const inactive = !user || user.resource.active === false;
      const appGroupIds = inactive && settings.deactivation === 'revoke-access' && account ? await this.appGroupIdsOf(id) : [];
      planned.set(
        entry.key,
        planUser(
          {
            key: entry.key,
            desired: user ? { deleted: false, active: user.resource.active !== false, email } : { deleted: true },
            link,
            account,
            appGroupIdsOfAccount: appGroupIds,
          },
          settings,
        ),
      );
    }
    const allowed = new Set<string>();
    let admittedTo = 0;
    for (const [index, entry] of entries.entries()) {
      // The rest stays in the outbox for the next job when this invocation could not finish another user.
      // Every job finishes at least one resource, so a job whose shared reads took most of the budget still progresses.
      if (this.state.started > 0 && !budgetAllows(CALLS_PER_USER, MILLIS_PER_RESOURCE)) {
        report.leftover.push(entry.key);
        continue;
      }
      // Deactivations go to the circuit breaker only for the users this job will surely start: one the budget left
      // over would otherwise count against the breaker's limit again in the job that takes it up.
      if (index >= admittedTo) {
        admittedTo = index + this.usersTheBudgetHolds(entries.length - index);
        // With revoke-access, a user newly deactivated (not yet marked revoked) counts even when nothing is left to
        // take away: the IdP may have dropped the user's memberships too, and a group sync of another lane may have
        // removed them first. (A suspension is always a planned change, counted as such.)
        // A user already marked revoked was counted when that happened: a reconcile re-planning its removals (most of
        // them no-ops) counts nothing again.
        const leaving = (key: string): boolean => settings.deactivation === 'revoke-access' && users.get(key.slice('User.'.length))?.resource.active === false && links.get(key)?.accountId !== undefined;
        const counted = (key: string): boolean => links.get(key)?.revoked !== true && ((planned.get(key) ?? []).some(isDeprovisioning) || leaving(key));
        for (const key of await this.admitDeprovisioning(entries.slice(index, admittedTo).map((e) => e.key), counted)) allowed.add(key);
      }
      this.state.started += 1;
      const changes = planned.get(entry.key) ?? [];
      const user = users.get(entry.key.slice('User.'.length));
      if (!allowed.has(entry.key)) {
        report.deferred += 1;
        await this.markPending(entry.key, links.get(entry.key), 'Deactivation paused by the circuit breaker until an admin confirms');
        continue;
      }
      // The revocation is recorded before it is applied, so a group sync running meanwhile never adds the member back.
      if (!settings.dryRun && user && user.resource.active === false) await this.trackRevokedAccess(entry.key, false, settings);
      await this.applyResource(entry, changes, settings, report, async (change) => this.applyUserChange(change, user, settings, admin), links.get(entry.key), user);
      if (!settings.dryRun && user && user.resource.active !== false) await this.trackRevokedAccess(entry.key, true, settings);
    }
  }

  /** How many more users, up to `max`, this job will surely start: each starts only while CALLS_PER_USER are left. */
  private usersTheBudgetHolds(max: number): number {
    let count = 1;
    while (count < max && budgetAllows(CALLS_TO_ADMIT + (count + 1) * CALLS_PER_USER, (count + 1) * MILLIS_PER_RESOURCE)) count += 1;
    return count;
  }

  private async syncGroups(entries: readonly SyncEntry[], settings: EngineSettings, admin: AdminDirectory, report: { applied: number; remoteWrites: number; failed: number; deferred: number; leftover: string[] }): Promise<boolean> {
    if (entries.length === 0) return false;
    let structural = false;
    const ids = entries.map((e) => e.key.slice('Group.'.length));
    const groups = await this.deps.store.getMany('Group', ids);
    const links = await this.links.getMany(entries.map((e) => e.key));
    for (const entry of entries) {
      // What an earlier job planned and could not apply is applied without planning again, while the group's directory
      // version (members included) is the one it was planned for.
      const directoryVersion = groups.get(entry.key.slice('Group.'.length))?.version;
      const carried = this.deps.carry && directoryVersion !== undefined ? await this.deps.carry.take(entry.key, directoryVersion, this.now().getTime()) : undefined;
      if (carried) this.state.carried.add(entry.key);
      // A large group's plan costs more (planCalls): its size is known from its last comparison.
      const size = carried ? 0 : (links.get(entry.key)?.memberCount ?? 0);
      if (this.state.started > 0 && !budgetAllows(CALLS_PER_GROUP + planCalls(size), MILLIS_PER_RESOURCE)) {
        report.leftover.push(entry.key);
        continue;
      }
      this.state.started += 1;
      const group = groups.get(entry.key.slice('Group.'.length));
      const link = links.get(entry.key);
      await this.applyResource(
        entry,
        carried ?? (await this.planGroupEntry(entry.key, group, link, settings, admin)),
        settings,
        report,
        async (change) => {
          const changed = await this.applyGroupChange(change, group, settings, admin);
          if (changed === true) structural = true;
          return changed;
        },
        link,
        group,
        async () => {
          // A group the org created (new, or anew after someone deleted it) is compared again at once: with its id
          // known, role and members follow in the same job, when the budget allows; otherwise in the next job.
          const size = this.state.memberCounts.get(entry.key) ?? 0;
          if (!budgetAllows(CALLS_PER_FOLLOW_UP + planCalls(size), MILLIS_PER_RESOURCE)) return undefined;
          const refreshed = await this.links.get(entry.key);
          return refreshed?.orgGroupId ? this.planGroupEntry(entry.key, group, refreshed, settings, admin) : undefined;
        },
      );
      if (!group && link) structural = true;
    }
    return structural;
  }

  private async planGroupEntry(key: string, group: StoredResource | undefined, link: LinkDoc | undefined, settings: EngineSettings, admin: AdminDirectory): Promise<Change[]> {
    const desiredName = group && !link?.orgGroupName ? await this.deps.naming.orgGroupName(String(group.resource.displayName ?? ''), settings.groupNamePrefix, { id: group.id, admin }) : undefined;
    const lookupName = link?.orgGroupName ?? desiredName;
    const remote: DirectoryGroup | undefined = lookupName ? await admin.findGroupByName(lookupName) : undefined;
    const actual = remote ? new Set(await admin.listGroupMembers(remote.id)) : new Set<string>();
    const memberAccounts = new Set<string>();
    const appAccounts = new Set<string>();
    const memberKeys = new Set<string>();
    let userLinks = new Map<string, LinkDoc>();
    if (group) {
      const members: StoredMember[] = [];
      for await (const page of this.deps.store.members(group.id)) members.push(...page);
      for (const member of members) if (member.type === 'User') memberKeys.add(`User.${member.value}`);
      this.state.memberCounts.set(key, memberKeys.size);
      // Read after the org's members, so an account added since (an invite carrying this group) is seen with its link.
      userLinks = await this.links.othersMany([...memberKeys]);
      for (const userLink of userLinks.values()) {
        const accountId = userLink.accountId;
        if (!accountId) continue;
        appAccounts.add(accountId);
        // A deactivated user's memberships are the user sync's to take away (behind the circuit breaker): the
        // group leaves out only members whose access that sync has revoked, so no membership is removed twice.
        if (!userLink.revoked) memberAccounts.add(accountId);
      }
    }
    // The org group's other members: the app's own accounts (found in the account index) are removed, except one whose
    // user is a member here and whose link, as read, named no account yet: it was linked since (an invite carrying this
    // group) and is left for the next comparison. Only these few are looked up, not every member of the org group.
    const others = [...actual].filter((accountId) => !appAccounts.has(accountId));
    for (const [accountId, userKey] of await this.deps.links.userKeysOf(others)) {
      const linked = userLinks.get(userKey)?.accountId;
      if (!memberKeys.has(userKey) || (linked !== undefined && linked !== accountId)) appAccounts.add(accountId);
    }
    const roles = remote && settings.workspaceResourceId ? (await admin.getGroupRoles(remote.id)).filter((r) => r.resourceId === settings.workspaceResourceId).flatMap((r) => r.roles) : [];
    return planGroup(
      {
        key,
        desired: group && lookupName ? { deleted: false, orgGroupName: lookupName, memberAccountIds: memberAccounts } : { deleted: true },
        link,
        group: remote,
        actualMemberAccountIds: actual,
        appAccountIds: appAccounts,
        rolesOnWorkspace: roles,
        workspaceResourceId: settings.workspaceResourceId,
        bitbucketRoleId: settings.bitbucketRoleId,
      },
      settings,
    );
  }

  /**
   * Applies one resource's changes, records them, updates its link and acknowledges its outbox entry. `changes` is a
   * comparison with the organization: a difference it finds on a resource Status calls synced is recorded before the
   * repair starts, and the resource is called synced again only once every change of the repair was applied. A
   * created group is compared again (`followUp`) so its role and members follow; when the budget leaves no room for
   * that, its entry stays in the outbox and is handed back in `report.leftover` for the next job.
   */
  private async applyResource(
    entry: SyncEntry,
    changes: readonly Change[],
    settings: EngineSettings,
    report: { applied: number; remoteWrites: number; failed: number; leftover: string[] },
    apply: (change: Change) => Promise<boolean | void | 'waiting'>,
    link: LinkDoc | undefined,
    resource: StoredResource | undefined,
    followUp?: () => Promise<Change[] | undefined>,
  ): Promise<void> {
    const display = resource ? String(resource.resource.userName ?? resource.resource.displayName ?? entry.key) : entry.key;
    const audit: EngineAuditEntry[] = [];
    let comparedAt = this.now().toISOString();
    let difference = describeDifference(changes);
    try {
      if (difference !== undefined && !settings.dryRun && link?.state === 'synced') await this.noteDifference(entry.key, comparedAt, difference);
      let queue = [...changes];
      let complete = true;
      // Changes applied here, and whether the budget stopped between two of them (the rest in the next job).
      let appliedHere = 0;
      let cutShort: string | undefined;
      for (let pass = 0; queue.length > 0; pass += 1) {
        for (const change of queue) {
          // Every job applies at least one change, so a resource too large for one invocation still progresses; the next
          // job plans the rest from fresh reads, so nothing applied here is sent again.
          if (!settings.dryRun && appliedHere > 0 && isRemoteWrite(change) && !budgetAllows(CALLS_PER_CHANGE, MILLIS_PER_CHANGE)) {
            const writes = queue.filter(isRemoteWrite);
            const more = writes.length - writes.indexOf(change);
            if (this.deps.carry && entry.key.startsWith('Group.') && resource) await this.deps.carry.save(entry.key, resource.version, queue.slice(queue.indexOf(change)), this.now().getTime());
            cutShort = `${appliedHere} change${appliedHere === 1 ? '' : 's'} applied; ${more} more follow${more === 1 ? 's' : ''} in the next job`;
            break;
          }
          if (change.kind === 'skip') {
            audit.push({ action: 'skip', resourceKey: entry.key, display, outcome: 'skipped', detail: change.reason });
            continue;
          }
          if (settings.dryRun) {
            audit.push({ action: change.kind, resourceKey: entry.key, display, after: change, outcome: 'planned' });
            continue;
          }
          if ((await apply(change)) === 'waiting') {
            audit.push({ action: change.kind, resourceKey: entry.key, display, after: change, outcome: 'skipped', detail: 'The account is gone from the organization: its user is synced first, then the group again' });
            continue;
          }
          if (isRemoteWrite(change)) report.remoteWrites += 1;
          report.applied += 1;
          appliedHere += 1;
          audit.push({ action: change.kind, resourceKey: entry.key, display, after: change, outcome: 'applied' });
        }
        if (cutShort !== undefined) {
          complete = false;
          break;
        }
        if (settings.dryRun || !queue.some((c) => c.kind === 'create-group')) break;
        const next = pass === 0 && followUp ? await followUp() : undefined;
        if (next === undefined) {
          complete = false;
          break;
        }
        comparedAt = this.now().toISOString();
        difference = joinDifferences(difference, describeDifference(next));
        queue = next;
      }
      const waiting = this.state.waiting.get(entry.key) ?? 0;
      const repaired = !settings.dryRun && complete && waiting === 0 && !this.state.carried.has(entry.key);
      const comparison = { lastComparedAt: comparedAt, lastComparison: difference === undefined ? 'equal' : repaired ? 'repaired' : 'different', difference } as const;
      const current = await this.links.get(entry.key);
      if (resource) {
        const skipped = changes.find((c) => c.kind === 'skip');
        const unfinished = cutShort ?? (this.state.carried.has(entry.key) && complete ? 'The planned changes are applied; a fresh comparison with the organization follows' : unfinishedRepair(complete, waiting));
        await this.links.put({
          ...(current ?? { key: entry.key, attempts: 0 }),
          key: entry.key,
          state: !repaired ? 'pending' : skipped ? 'skipped' : 'synced',
          attempts: 0,
          lastError: undefined,
          nextRetryAt: undefined,
          ...(repaired ? { lastSyncedAt: this.now().toISOString() } : {}),
          detail: skipped && skipped.kind === 'skip' ? skipped.reason : unfinished,
          awaitingMembers: waiting > 0 ? waiting : undefined,
          ...(this.state.memberCounts.has(entry.key) ? { memberCount: this.state.memberCounts.get(entry.key) } : {}),
          ...comparison,
        } as LinkDoc);
      } else if (current && !settings.dryRun) {
        // The link outlives the resource: the account stays recognisably the app's, so later group syncs
        // still remove it from the app's groups, and a reconcile never mistakes it for someone else's.
        await this.links.put({ ...current, state: 'synced', deleted: true, attempts: 0, lastSyncedAt: this.now().toISOString(), ...comparison });
      }
      // A group whose role and members did not fit in this job keeps its entry and goes back to the queue; so does one
      // whose carried changes are done: they were planned before members linked since, so a fresh comparison follows.
      if (complete && !this.state.carried.has(entry.key)) await this.deps.store.acknowledge(entry.key, entry.version);
      else report.leftover.push(entry.key);
    } catch (error) {
      if (error instanceof TargetError && error.kind === 'rate-limited') {
        await this.deps.audit.record(audit);
        throw error;
      }
      report.failed += 1;
      const message = error instanceof Error ? error.message : String(error);
      const attempts = (link?.attempts ?? 0) + 1;
      const retryable = error instanceof TargetError ? error.retryable : true;
      const delay = Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS);
      audit.push({ action: changes.find((c) => c.kind !== 'skip')?.kind ?? 'skip', resourceKey: entry.key, display, outcome: 'failed', detail: message });
      // Read again: the changes applied before the failure may have linked an account or a group.
      const current = (await this.links.get(entry.key)) ?? link;
      await this.links.put({
        ...(current ?? { key: entry.key, attempts: 0 }),
        key: entry.key,
        state: 'failed',
        attempts,
        lastError: message,
        ...(retryable ? { nextRetryAt: new Date(this.now().getTime() + delay).toISOString() } : {}),
        ...(difference !== undefined ? { lastComparedAt: comparedAt, lastComparison: 'different', difference } : {}),
      } as LinkDoc);
      // A permanent failure is acknowledged so it does not loop; the admin's retry (or reconcile) enqueues it again.
      if (!retryable) await this.deps.store.acknowledge(entry.key, entry.version);
    }
    await this.deps.audit.record(audit);
  }

  /** Records, before the repair starts, that a resource Status called synced differs from the organization. */
  private async noteDifference(key: string, comparedAt: string, difference: string): Promise<void> {
    const current = await this.links.get(key);
    if (current) await this.links.put({ ...current, state: 'pending', lastComparedAt: comparedAt, lastComparison: 'different', difference });
  }

  /**
   * Remembers that a deactivation took a user's app-group memberships away (`revoke-access`), and on reactivation
   * re-plans the user's groups, which add the memberships back: the user's own plan has nothing to restore.
   */
  private async trackRevokedAccess(key: string, active: boolean, settings: EngineSettings): Promise<void> {
    const link = await this.links.get(key);
    if (!link?.accountId) return;
    if (!active && settings.deactivation === 'revoke-access' && !link.revoked) {
      await this.links.put({ ...link, revoked: true });
      // A group's carried member adds were planned before the revocation: its next job plans again without this user.
      if (this.deps.carry) for (const groupId of await this.deps.store.groupsOf(key.slice('User.'.length))) await this.deps.carry.drop(`Group.${groupId}`);
    } else if (active && link.revoked) {
      await this.enqueueGroupsOf(key);
      await this.links.put({ ...link, revoked: undefined } as LinkDoc);
    }
  }

  private async applyUserChange(change: Change, user: StoredResource | undefined, settings: EngineSettings, admin: AdminDirectory): Promise<void> {
    const key = change.key;
    const link = await this.links.get(key);
    switch (change.kind) {
      case 'invite-user': {
        // The invite carries the user's memberships of app groups that exist already (one call instead of one per
        // group and a re-plan of each); groups not made yet, or whose assignment failed, sync the member themselves.
        const groups = await this.appGroupsOfUser(key.slice('User.'.length));
        const linked = groups.filter((g) => g.orgGroupId !== undefined);
        const invite = (groupIds: readonly string[]) => admin.inviteUsers([change.email], { resourceId: settings.workspaceResourceId, roleId: settings.bitbucketRoleId, groupIds });
        const [outcome] = await invite(linked.map((g) => g.orgGroupId ?? '')).catch(async (error: unknown) => {
          // The Admin API refuses the whole invite when a named group is gone (404; the organization lost it): the user
          // is invited alone and every group syncs the member itself, re-creating what was lost.
          if (!(error instanceof TargetError && error.kind === 'not-found') || linked.length === 0) throw error;
          linked.length = 0;
          return invite([]);
        });
        if (!outcome?.accountId) throw new TargetError('conflict', outcome?.error ?? `Inviting ${change.email} returned no account`);
        await this.links.put({ ...(link ?? { attempts: 0 }), key, state: 'pending', accountId: outcome.accountId, email: change.email } as LinkDoc);
        const failed = new Set(outcome.failedGroupIds);
        if (linked.length === 0) for (const g of groups) if (g.orgGroupId !== undefined) failed.add(g.orgGroupId);
        // A group waiting for this user's lost account is compared again, to find the repair done.
        await this.enqueueGroups(groups.filter((g) => g.orgGroupId === undefined || failed.has(g.orgGroupId) || g.awaiting).map((g) => g.key));
        return;
      }
      case 'link-user':
        await this.links.put({ ...(link ?? { attempts: 0 }), key, state: 'pending', accountId: change.accountId, email: change.email } as LinkDoc);
        await this.enqueueGroupsOf(key);
        return;
      case 'suspend-user':
        await admin.suspendUser(change.accountId);
        return;
      case 'restore-user':
        await admin.restoreUser(change.accountId);
        return;
      case 'remove-user':
        await admin.removeUser(change.accountId);
        return;
      case 'remove-member':
        await admin.removeMember(change.orgGroupId, change.accountId);
        return;
      default:
        throw new Error(`A user sync cannot apply ${change.kind}${user ? '' : ' for a deleted user'}`);
    }
  }

  /**
   * Applies one group change; true when the set of app groups changed (permissions must follow), `waiting` when a
   * member could not be added because the organization lost its account (the user is synced first).
   */
  private async applyGroupChange(change: Change, group: StoredResource | undefined, _settings: EngineSettings, admin: AdminDirectory): Promise<boolean | 'waiting'> {
    const key = change.key;
    const link = await this.links.get(key);
    switch (change.kind) {
      case 'create-group': {
        const created = await admin.createGroup(change.name, group ? `SCIM group ${String(group.resource.displayName ?? '')}` : undefined);
        if (created.externalSynced) throw new TargetError('conflict', `The org group "${created.name}" is synced by Atlassian's own IdP sync`);
        await this.links.put({ ...(link ?? { attempts: 0 }), key, state: 'pending', orgGroupId: created.id, orgGroupName: created.name, groupSlug: this.deps.naming.groupSlug(created.name) } as LinkDoc);
        return true;
      }
      case 'link-group':
        await this.links.put({ ...(link ?? { attempts: 0 }), key, state: 'pending', orgGroupId: change.orgGroupId, orgGroupName: change.name, groupSlug: this.deps.naming.groupSlug(change.name) } as LinkDoc);
        return link?.orgGroupId !== change.orgGroupId;
      case 'delete-group':
        await admin.deleteGroup(change.orgGroupId);
        return true;
      case 'assign-role':
        await admin.assignGroupRole(change.orgGroupId, change.resourceId, change.roleId);
        return false;
      case 'add-member':
        try {
          await admin.addMember(change.orgGroupId, change.accountId);
        } catch (error) {
          if (!(error instanceof TargetError && error.kind === 'not-found') || !(await memberAccountLost(this.deps, key, change.accountId, admin))) throw error;
          this.state.enqueued = true;
          this.state.waiting.set(key, (this.state.waiting.get(key) ?? 0) + 1);
          return 'waiting';
        }
        return false;
      case 'remove-member':
        await admin.removeMember(change.orgGroupId, change.accountId);
        return false;
      default:
        throw new Error(`A group sync cannot apply ${change.kind}`);
    }
  }

  /** The app's groups that exist in the org: their SCIM displayName and Bitbucket group slug. */
  async appGroups(): Promise<{ id: string; displayName: string; groupSlug: string }[]> {
    const groups: { id: string; displayName: string; groupSlug: string }[] = [];
    for await (const batch of this.deps.store.scan('Group', 100_000)) {
      const links = await this.links.getMany(batch.map((g) => `Group.${g.id}`));
      for (const group of batch) {
        const slug = links.get(`Group.${group.id}`)?.groupSlug;
        if (slug) groups.push({ id: group.id, displayName: String(group.resource.displayName ?? ''), groupSlug: slug });
      }
    }
    return groups;
  }

  /** Runs permission sync; true when every change succeeded. */
  private async syncPermissions(settings: EngineSettings, report: { applied: number; remoteWrites: number; failed: number }): Promise<boolean> {
    const permissions = this.deps.permissions;
    if (!permissions) return true;
    const groups = await this.appGroups();
    const key = PERMISSIONS_KEY;
    const link = await this.links.get(key);
    let result: PermissionSyncResult;
    try {
      result = await permissions.run(groups, link?.grants ?? {}, settings.dryRun);
    } catch (error) {
      // Bitbucket's limit is per credential and hourly: every run before the wait is over would only spend it on reads.
      if (error instanceof TargetError && error.kind === 'rate-limited') await this.links.put({ ...(link ?? { key, state: 'pending', attempts: 0 }), rateLimitedUntil: this.rateLimitEnd(error) } as LinkDoc);
      throw error;
    }
    if (result.refused !== undefined) {
      // Not a failure to retry: nothing runs until the check passes again, which queues permission sync anew.
      await this.links.put({ ...(link ?? { attempts: 0 }), key, state: 'skipped', detail: result.refused, lastError: undefined, nextRetryAt: undefined, permissionsDueSince: undefined } as LinkDoc);
      return true;
    }
    const appliedCount = result.audit.filter((e) => e.outcome === 'applied').length;
    report.remoteWrites += appliedCount;
    report.applied += appliedCount;
    const failed = result.failed ?? 0;
    report.failed += failed;
    const problem = result.interruptedBy ?? (failed > 0 ? new Error(`${failed} permission change(s) failed`) : undefined);
    if (result.left !== undefined && !problem) {
      // Cut short by the budget: what was applied is recorded, the rest is planned again by the next job.
      this.state.permissionsLeft = true;
      await this.links.put({ ...(link ?? { attempts: 0 }), key, grants: result.grants, state: 'pending', detail: `${appliedCount} grant change${appliedCount === 1 ? '' : 's'} applied; ${result.left} more follow${result.left === 1 ? 's' : ''} in the next job` } as LinkDoc);
      await this.deps.audit.record(result.audit);
      return false;
    }
    // The run compared the grants with Bitbucket: any change it planned was a difference, repaired only when all succeeded.
    const planned = result.audit.filter((e) => e.outcome !== 'skipped').length;
    const lastComparison = planned === 0 && !problem ? 'equal' : problem || settings.dryRun ? 'different' : 'repaired';
    const difference = planned > 0 ? `${planned} grant${planned === 1 ? '' : 's'} to change` : undefined;
    const base = { ...(link ?? { attempts: 0 }), key, grants: result.grants, lastComparedAt: this.now().toISOString(), lastComparison, difference } as LinkDoc;
    if (problem) {
      const attempts = (link?.attempts ?? 0) + 1;
      await this.links.put({
        ...base,
        state: 'failed',
        lastError: problem.message,
        attempts,
        nextRetryAt: new Date(this.now().getTime() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1))).toISOString(),
        ...(result.interruptedBy ? { rateLimitedUntil: this.rateLimitEnd(result.interruptedBy) } : {}),
      });
    } else {
      // In a dry run the differences stay: the grants are not called synced while they differ.
      await this.links.put({ ...base, state: lastComparison === 'different' ? 'pending' : 'synced', lastSyncedAt: this.now().toISOString(), attempts: 0, lastError: undefined, nextRetryAt: undefined, permissionsDueSince: undefined } as LinkDoc);
    }
    await this.deps.audit.record(result.audit);
    if (result.interruptedBy) throw result.interruptedBy;
    return problem === undefined;
  }

  private async admitDeprovisioning(keys: readonly string[], counted: (key: string) => boolean): Promise<Set<string>> {
    const gate = this.deps.gate;
    const deprovisioning = keys.filter(counted);
    if (!gate || deprovisioning.length === 0) return new Set(keys);
    const allowedCount = await gate(deprovisioning.length, await this.deps.store.count('User'));
    const admitted = new Set(deprovisioning.slice(0, allowedCount));
    return new Set(keys.filter((key) => !deprovisioning.includes(key) || admitted.has(key)));
  }

  private async markPending(key: string, link: LinkDoc | undefined, detail: string): Promise<void> {
    await this.links.put({ ...(link ?? { attempts: 0 }), key, state: 'pending', detail } as LinkDoc);
  }

  private async appGroupIdsOf(userId: string): Promise<string[]> {
    const groupIds = await this.deps.store.groupsOf(userId);
    const links = await this.links.othersMany(groupIds.map((g) => `Group.${g}`));
    return [...links.values()].map((l) => l.orgGroupId).filter((id): id is string => id !== undefined);
  }

  private async enqueueGroupsOf(userKey: string): Promise<void> {
    const groupIds = await this.deps.store.groupsOf(userKey.slice('User.'.length));
    await this.enqueueGroups(groupIds.map((g) => `Group.${g}`));
  }

  private async enqueueGroups(groupKeys: readonly string[]): Promise<void> {
    if (groupKeys.length === 0) return;
    await this.deps.store.enqueue(groupKeys);
    this.state.enqueued = true;
  }

  /** The user's SCIM groups (outbox keys) with their org group ids where the group exists in the org, and whether each waits for a lost member account. */
  private async appGroupsOfUser(userId: string): Promise<{ key: string; orgGroupId?: string; awaiting: boolean }[]> {
    const keys = (await this.deps.store.groupsOf(userId)).map((g) => `Group.${g}`);
    const links = await this.links.othersMany(keys);
    return keys.map((key) => {
      const link = links.get(key);
      const awaiting = (link?.awaitingMembers ?? 0) > 0;
      return link?.orgGroupId === undefined ? { key, awaiting } : { key, orgGroupId: link.orgGroupId, awaiting };
    });
  }
}
