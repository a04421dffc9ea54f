/**
 * One permission run of a batch and what it leaves on the Permissions link: the grants the app holds, the
 * comparison with Bitbucket, a failure with its retry, or how far a run its budget cut short got (the run goes on in
 * the next job from its pass, src/sync/permission-pass.ts).
 */
import { TargetError } from '../targets/ports';
import type { BatchTally, EngineContext } from './engine-context';
import type { EngineSettings, GroupsByName, PermissionSyncResult } from './engine-ports';
import { PERMISSIONS_KEY } from './jobs';
import type { PermissionDebounce } from './permission-debounce';
import { nextRetryAt } from './retry-backoff';
import { errorChain } from './sync-error';
import type { LinkDoc } from './sync-links';

/** Runs permission sync and records its outcome. */
export class PermissionRun {
  constructor(
    private readonly ctx: EngineContext,
    private readonly debounce: PermissionDebounce,
    private readonly groups: GroupsByName,
  ) {}

  /** Runs permission sync (this job's part of it); true when the run finished and every change succeeded. */
  async run(settings: EngineSettings, report: BatchTally): Promise<boolean> {
    const permissions = this.ctx.deps.permissions;
    if (!permissions) return true;
    const key = PERMISSIONS_KEY;
    const links = this.ctx.links;
    const link = await links.get(key);
    const passes = this.ctx.deps.permissionPasses;
    const now = this.ctx.now().getTime();
    const kept = passes ? await passes.take(now) : undefined;
    // The groups the rules name, as an earlier job of the run read them while no group changed since.
    const changedAt = link?.groupsChangedAt ?? '';
    const groups: GroupsByName = passes
      ? async (names) => {
          const earlier = await passes.keptGroups(names, changedAt, now);
          if (earlier) return earlier;
          const found = await this.groups(names);
          await passes.keepGroups(names, changedAt, found, now);
          return found;
        }
      : this.groups;
    let result: PermissionSyncResult;
    try {
      result = await permissions.run(groups, link?.grants ?? {}, settings.dryRun, kept);
    } catch (error) {
      // Bitbucket's limit is per credential and hourly: every run before the wait is over would only spend it on reads.
      if (error instanceof TargetError && error.kind === 'rate-limited')
        await links.put({
          ...(link ?? { key, state: 'pending', attempts: 0 }),
          rateLimitedUntil: this.debounce.rateLimitEnd(error),
        } as LinkDoc);
      throw error;
    }
    if (result.refused !== undefined) {
      // Not a failure to retry: nothing runs until the check passes again, which queues permission sync anew.
      await links.put({
        ...(link ?? { attempts: 0 }),
        key,
        state: 'skipped',
        detail: result.refused,
        lastError: undefined,
        nextRetryAt: undefined,
        permissionsDueSince: undefined,
      } as LinkDoc);
      return true;
    }
    const appliedCount = result.audit.filter((e) => e.outcome === 'applied').length;
    report.remoteWrites += appliedCount;
    report.applied += appliedCount;
    report.failed += result.failed ?? 0;
    // The record goes first, then the audit, then the pass: a job cut off before it keeps its pass compares again
    // what it had compared (and finds it equal), while a pass ahead of the record would leave grants unrecorded.
    const keepPass = async (): Promise<void> => {
      if (passes && result.pass) await passes.save(result.pass, this.ctx.now().getTime());
      else if (passes && kept) await passes.drop();
    };
    const finished = result.pass === undefined;
    const totals = result.totals ?? {
      planned: result.audit.filter((e) => e.outcome !== 'skipped').length,
      failed: result.failed ?? 0,
    };
    // What Status shows of a run that did not finish well: the rate limit (or unreadable target) that stopped it, or
    // how many changes of the whole run failed (each is in the audit).
    const problem = result.interruptedBy
      ? errorChain(result.interruptedBy)
      : finished && totals.failed > 0
        ? `${totals.failed} permission change(s) failed`
        : undefined;
    if (!finished && !problem) {
      // Cut short by the budget: the next job goes on from the pass, and the entry goes on, pending.
      this.ctx.state.permissionsLeft = true;
      const compared = result.pass?.compared ?? 0;
      await links.put({
        ...(link ?? { attempts: 0 }),
        key,
        grants: result.grants,
        state: 'pending',
        detail: `${compared} of ${result.targets ?? compared} projects and repositories compared, ${appliedCount} grant change${appliedCount === 1 ? '' : 's'} applied; the rest follows in the next job`,
      } as LinkDoc);
      await this.ctx.deps.audit.record(result.audit);
      await keepPass();
      return false;
    }
    // The run compared the grants with Bitbucket: any change it planned was a difference, repaired only when all succeeded.
    const planned = totals.planned;
    const lastComparison = planned === 0 && !problem ? 'equal' : problem || settings.dryRun ? 'different' : 'repaired';
    const difference = planned > 0 ? `${planned} grant${planned === 1 ? '' : 's'} to change` : undefined;
    const base = {
      ...(link ?? { attempts: 0 }),
      key,
      grants: result.grants,
      lastComparedAt: this.ctx.now().toISOString(),
      lastComparison,
      difference,
    } as LinkDoc;
    if (problem) {
      const attempts = (link?.attempts ?? 0) + 1;
      const limited = result.interruptedBy?.kind === 'rate-limited' ? result.interruptedBy : undefined;
      await links.put({
        ...base,
        state: 'failed',
        lastError: problem,
        attempts,
        nextRetryAt: nextRetryAt(this.ctx.now(), attempts),
        ...(limited ? { rateLimitedUntil: this.debounce.rateLimitEnd(limited) } : {}),
      });
    } else {
      // In a dry run the differences stay: the grants are not called synced while they differ.
      await links.put({
        ...base,
        state: lastComparison === 'different' ? 'pending' : 'synced',
        lastSyncedAt: this.ctx.now().toISOString(),
        attempts: 0,
        lastError: undefined,
        nextRetryAt: undefined,
        permissionsDueSince: undefined,
      } as LinkDoc);
    }
    await this.ctx.deps.audit.record(result.audit);
    await keepPass();
    if (result.interruptedBy) throw result.interruptedBy;
    return problem === undefined;
  }
}
