/**
 * Applies one resource's planned changes and records what came of them: the audit entries, the resource's link
 * (state, comparison with the organization, the rest a job's budget left, or a failure with its retry) and its
 * outbox entry, acknowledged only once every change was applied.
 */
import type { StoredResource } from '../directory/directory-store';
import { TargetError } from '../targets/ports';
import { describeDifference, joinDifferences, unfinishedRepair } from './comparison';
import { budgetAllows } from './call-budget';
import type { BatchTally, EngineContext } from './engine-context';
import type { EngineAuditEntry, EngineSettings } from './engine-ports';
import type { SyncEntry } from './jobs';
import { isRemoteWrite, type Change } from './planner';
import { CALLS_PER_CHANGE, MILLIS_PER_CHANGE, recordCalls } from './resource-budget';
import { nextRetryAt } from './retry-backoff';
import { errorChain, syncErrorOf } from './sync-error';
import type { LinkDoc } from './sync-links';

/** Applies a resource's changes and records them. */
export class ResourceApplier {
  constructor(private readonly ctx: EngineContext) {}

  /**
   * Applies one resource's changes, records them, updates its link and acknowledges its outbox entry. `changes` is a
   * comparison with the organization: a difference it finds on a resource Status calls synced is recorded before the
   * repair starts, and the resource is called synced again only once every change of the repair was applied. A
   * created group is compared again (`followUp`) so its role and members follow; when the budget leaves no room for
   * that, its entry stays in the outbox and is handed back in `report.leftover` for the next job.
   */
  async apply(
    entry: SyncEntry,
    changes: readonly Change[],
    settings: EngineSettings,
    report: BatchTally,
    apply: (change: Change) => Promise<boolean | void | 'waiting'>,
    link: LinkDoc | undefined,
    resource: StoredResource | undefined,
    followUp?: () => Promise<Change[] | undefined>,
  ): Promise<void> {
    const display = resource
      ? String(resource.resource.userName ?? resource.resource.displayName ?? entry.key)
      : entry.key;
    const audit: EngineAuditEntry[] = [];
    let comparedAt = this.ctx.now().toISOString();
    let difference = describeDifference(changes);
    try {
      if (difference !== undefined && !settings.dryRun && link?.state === 'synced')
        await this.noteDifference(entry.key, comparedAt, difference);
      let queue = [...changes];
      let complete = true;
      // Changes applied here, and whether the budget stopped between two of them (the rest in the next job).
      let appliedHere = 0;
      let cutShort: string | undefined;
      for (let pass = 0; queue.length > 0; pass += 1) {
        for (const change of queue) {
          // Every job applies at least one change, so a resource too large for one invocation still progresses; the next
          // job plans the rest from fresh reads, so nothing applied here is sent again. The room kept grows with the
          // audit entries this resource will record (recordCalls), which are written after its last change.
          if (
            !settings.dryRun &&
            appliedHere > 0 &&
            isRemoteWrite(change) &&
            !budgetAllows(CALLS_PER_CHANGE + recordCalls(audit.length + 1), MILLIS_PER_CHANGE)
          ) {
            const writes = queue.filter(isRemoteWrite);
            const more = writes.length - writes.indexOf(change);
            if (this.ctx.deps.carry && entry.key.startsWith('Group.') && resource)
              await this.ctx.deps.carry.save(
                entry.key,
                resource.version,
                queue.slice(queue.indexOf(change)),
                this.ctx.now().getTime(),
              );
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
            audit.push({
              action: change.kind,
              resourceKey: entry.key,
              display,
              after: change,
              outcome: 'skipped',
              detail: 'The account is gone from the organization: its user is synced first, then the group again',
            });
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
        comparedAt = this.ctx.now().toISOString();
        difference = joinDifferences(difference, describeDifference(next));
        queue = next;
      }
      const waiting = this.ctx.state.waiting.get(entry.key) ?? 0;
      const repaired = !settings.dryRun && complete && waiting === 0 && !this.ctx.state.carried.has(entry.key);
      const comparison = {
        lastComparedAt: comparedAt,
        lastComparison: difference === undefined ? 'equal' : repaired ? 'repaired' : 'different',
        difference,
      } as const;
      const current = await this.ctx.links.get(entry.key);
      if (resource) {
        const skipped = changes.find((c) => c.kind === 'skip');
        const unfinished =
          cutShort ??
          (this.ctx.state.carried.has(entry.key) && complete
            ? 'The planned changes are applied; a fresh comparison with the organization follows'
            : unfinishedRepair(complete, waiting));
        await this.ctx.links.put({
          ...(current ?? { key: entry.key, attempts: 0 }),
          key: entry.key,
          state: !repaired ? 'pending' : skipped ? 'skipped' : 'synced',
          attempts: 0,
          lastError: undefined,
          nextRetryAt: undefined,
          ...(repaired ? { lastSyncedAt: this.ctx.now().toISOString() } : {}),
          detail: skipped && skipped.kind === 'skip' ? skipped.reason : unfinished,
          awaitingMembers: waiting > 0 ? waiting : undefined,
          ...(this.ctx.state.memberCounts.has(entry.key)
            ? { memberCount: this.ctx.state.memberCounts.get(entry.key) }
            : {}),
          ...comparison,
        } as LinkDoc);
      } else if (current && !settings.dryRun) {
        // The link outlives the resource: the account stays recognisably the app's, so later group syncs
        // still remove it from the app's groups, and a reconcile never mistakes it for someone else's.
        await this.ctx.links.put({
          ...current,
          state: 'synced',
          deleted: true,
          attempts: 0,
          lastSyncedAt: this.ctx.now().toISOString(),
          ...comparison,
        });
      }
      // A group whose role and members did not fit in this job keeps its entry and goes back to the queue; so does one
      // whose carried changes are done: they were planned before members linked since, so a fresh comparison follows.
      if (complete && !this.ctx.state.carried.has(entry.key))
        await this.ctx.deps.store.acknowledge(entry.key, entry.version);
      else report.leftover.push(entry.key);
    } catch (error) {
      if (error instanceof TargetError && error.kind === 'rate-limited') {
        await this.ctx.deps.audit.record(audit);
        throw error;
      }
      report.failed += 1;
      // What failed decides whether it is tried again (src/sync/sync-error.ts): a fault in the app is not, whatever threw it.
      const failure = syncErrorOf(error);
      const message = errorChain(failure);
      const attempts = (link?.attempts ?? 0) + 1;
      const retryable = failure.retryable;
      audit.push({
        action: changes.find((c) => c.kind !== 'skip')?.kind ?? 'skip',
        resourceKey: entry.key,
        display,
        outcome: 'failed',
        detail: message,
      });
      // Read again: the changes applied before the failure may have linked an account or a group.
      const current = (await this.ctx.links.get(entry.key)) ?? link;
      await this.ctx.links.put({
        ...(current ?? { key: entry.key, attempts: 0 }),
        key: entry.key,
        state: 'failed',
        attempts,
        lastError: message,
        // A failure that is not retried shows no retry time, not even one an earlier failure left.
        nextRetryAt: retryable ? nextRetryAt(this.ctx.now(), attempts) : undefined,
        ...(difference !== undefined ? { lastComparedAt: comparedAt, lastComparison: 'different', difference } : {}),
      } as LinkDoc);
      // A permanent failure is acknowledged so it does not loop; the admin's retry (or reconcile) enqueues it again.
      if (!retryable) await this.ctx.deps.store.acknowledge(entry.key, entry.version);
    }
    await this.ctx.deps.audit.record(audit);
  }

  /** Records, before the repair starts, that a resource Status called synced differs from the organization. */
  private async noteDifference(key: string, comparedAt: string, difference: string): Promise<void> {
    const current = await this.ctx.links.get(key);
    if (current)
      await this.ctx.links.put({
        ...current,
        state: 'pending',
        lastComparedAt: comparedAt,
        lastComparison: 'different',
        difference,
      });
  }
}
