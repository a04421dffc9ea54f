/**
 * The sync engine: for a batch of outbox entries it reads the desired state (the app's directory), the actual
 * remote state (Atlassian), plans the minimal changes with the pure planner and applies them through the
 * target ports. Every decision is made from fresh reads, so replaying a job whose effect is visible plans
 * nothing; an entry is acknowledged in the outbox only after its changes succeeded.
 *
 * A batch runs users first (src/sync/user-sync.ts), then groups, which need the users' account ids
 * (src/sync/group-sync.ts), then permissions once group changes have settled (src/sync/permission-debounce.ts,
 * src/sync/permission-run.ts); each resource's changes are applied and recorded by src/sync/resource-applier.ts.
 */
import { TargetError } from '../targets/ports';
import { EngineContext } from './engine-context';
import type { BatchReport, SyncEngineDeps } from './engine-ports';
import { GroupSync } from './group-sync';
import { livePending, type SyncEntry } from './jobs';
import { PermissionDebounce } from './permission-debounce';
import { PermissionRun } from './permission-run';
import type { NamedGroup } from './permission-pass';
import { ResourceApplier } from './resource-applier';
import { UserSync } from './user-sync';

/** Runs batches of sync work. */
export class SyncEngine {
  private readonly ctx: EngineContext;
  private readonly users: UserSync;
  private readonly groups: GroupSync;
  private readonly debounce: PermissionDebounce;
  private readonly permissions: PermissionRun;

  constructor(deps: SyncEngineDeps) {
    this.ctx = new EngineContext(deps);
    const applier = new ResourceApplier(this.ctx);
    this.users = new UserSync(this.ctx, applier);
    this.groups = new GroupSync(this.ctx, applier);
    this.debounce = new PermissionDebounce(this.ctx);
    this.permissions = new PermissionRun(this.ctx, this.debounce, (names) => this.ruleGroups(names));
  }

  /**
   * Syncs a batch of outbox entries; users first, then groups (which need the users' account ids), then permissions.
   * `pendingAt` is the outbox's pending version of each entry's resource when the caller read it already
   * (DirectoryStore.pendingVersions); the engine reads it otherwise.
   */
  async process(entries: readonly SyncEntry[], pendingAt?: ReadonlyMap<string, number>): Promise<BatchReport> {
    return this.ctx.run(() => this.processBatch(entries, pendingAt));
  }

  private async processBatch(
    delivered: readonly SyncEntry[],
    knownPendingAt: ReadonlyMap<string, number> | undefined,
  ): Promise<BatchReport> {
    const deps = this.ctx.deps;
    // Entries no longer pending at their version are skipped: a job did them already (delivery is at least once), or
    // a newer entry of the resource is pending and its job will do them. One batch read; each group plan skipped
    // saves three Admin API reads and its storage (bench:forge at 1,000 users planned some groups twice in a row).
    const pendingAt = knownPendingAt ?? (await deps.store.pendingVersions(delivered.map((entry) => entry.key)));
    const entries = livePending(delivered, pendingAt);
    const settings = await deps.settings();
    const targets = await deps.targets();
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
    const permissionEntries = byKind('Permissions.');
    const permissionsOn = settings.permissionSync && deps.permissions !== undefined;
    let done = true;
    // Permissions go first when they are due: a run has a fixed cost (the app's groups and the workspace's listings)
    // before its first comparison, which only a fresh budget surely holds; users and groups then take what is left,
    // each started only when it can finish. Group changes in this batch make permissions due again (noteDue below).
    if (permissionsOn && permissionEntries.length > 0) {
      const wait = await this.debounce.wait();
      if (wait > 0) report.drainAfterSeconds = wait;
      // A run is the batch's first resource: the users and groups after it start only when the budget still holds one.
      if (wait === 0) this.ctx.state.started += 1;
      try {
        done = wait === 0 && (await this.permissions.run(settings, report));
      } catch (error) {
        // Bitbucket's hourly limit (recorded on the Permissions link by the run) holds back permissions, not the
        // Admin API work of this batch: the entry waits for a drain after the limit ends.
        if (!(error instanceof TargetError && error.kind === 'rate-limited')) throw error;
        done = false;
        report.drainAfterSeconds = retryAfterSeconds(error);
      }
      // A run the budget cut short goes on in the next job (its entry stays and is queued again).
      if (!done && wait === 0 && this.ctx.state.permissionsLeft)
        report.leftover.push(...permissionEntries.map((e) => e.key));
    }
    try {
      await this.users.sync(byKind('User.'), settings, targets.admin, report);
      groupsChanged = await this.groups.sync(byKind('Group.'), settings, targets.admin, report);
      // Groups kept for permission runs are read again, whether or not permission sync is on now.
      if (groupsChanged) await deps.permissionPasses?.noteGroupsChanged();
      if (permissionsOn && groupsChanged) await this.debounce.noteDue();
      else if (permissionsOn && byKind('Group.').length > 0) await this.debounce.noteGroupsSynced();
      // A deferred or failed permission run keeps its outbox entry, so a later drain runs it again.
      if (done) for (const entry of permissionEntries) await deps.store.acknowledge(entry.key, entry.version);
    } catch (error) {
      if (error instanceof TargetError && error.kind === 'rate-limited') {
        report.retryAfterSeconds = retryAfterSeconds(error);
      } else {
        throw error;
      }
    }
    report.enqueuedMore = this.ctx.state.enqueued;
    return report;
  }

  /**
   * The app's groups named `names` (as permission rules name them, by displayName) that exist in the org: their id,
   * the name as asked and their Bitbucket group slug. Read by name from the uniqueness claims and the links, so a run
   * costs the same with 50 groups as with 5,000 (a scan of every group and its link was 425 storage requests in one
   * invocation at 100,000 users: bench/forge-cycle.ts); 40 requests at 500 rules, where reading the groups too was 60.
   */
  async ruleGroups(names: readonly string[]): Promise<NamedGroup[]> {
    const ids = await this.ctx.deps.store.idsByNames('Group', [...new Set(names)]);
    const links = await this.ctx.links.getMany([...ids.values()].map((id) => `Group.${id}`));
    const groups: NamedGroup[] = [];
    for (const [name, id] of ids) {
      const link = links.get(`Group.${id}`);
      // The name as the rules spell it: they match it case-insensitively, and a rule that names it is what matters.
      // One entry a group, whichever of the names that fold to its name came first.
      if (link?.groupSlug && !link.deleted && !groups.some((g) => g.id === id))
        groups.push({ id, displayName: name, groupSlug: link.groupSlug });
    }
    return groups;
  }
}

/** Whole seconds (at least one) until a rate-limited target takes requests again; a minute when it did not say. */
function retryAfterSeconds(error: TargetError): number {
  return Math.max(1, Math.ceil((error.details.retryAfterMs ?? 60_000) / 1000));
}
