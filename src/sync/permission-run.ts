/**
 * One permission run of a batch and what it leaves on the Permissions link: the grants the app holds, the
 * comparison with Bitbucket, a failure with its retry, or the rest of a run its budget cut short.
 */
import { TargetError } from '../targets/ports';
import type { BatchTally, EngineContext } from './engine-context';
import type { EngineSettings, PermissionSyncResult } from './engine-ports';
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
    private readonly appGroups: () => Promise<{ displayName: string; groupSlug: string }[]>,
  ) {}

  /** Runs permission sync; true when every change succeeded. */
  async run(settings: EngineSettings, report: BatchTally): Promise<boolean> {
    const permissions = this.ctx.deps.permissions;
    if (!permissions) return true;
    const groups = await this.appGroups();
    const key = PERMISSIONS_KEY;
    const links = this.ctx.links;
    const link = await links.get(key);
    const carry = this.ctx.deps.permissionCarry;
    const carried = carry && !settings.dryRun ? await carry.take(this.ctx.now().getTime()) : undefined;
    let result: PermissionSyncResult;
    try {
      result = await permissions.run(groups, link?.grants ?? {}, settings.dryRun, carried);
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
    const failed = result.failed ?? 0;
    report.failed += failed;
    // What Status shows of a run that did not finish: the rate limit that stopped it, or how many changes failed (each is in the audit).
    const problem = result.interruptedBy
      ? errorChain(result.interruptedBy)
      : failed > 0
        ? `${failed} permission change(s) failed`
        : undefined;
    // What a run cut short leaves is carried to the next job; a carry used up or no longer valid is forgotten.
    if (carry && result.carry && !problem) await carry.save(result.carry, this.ctx.now().getTime());
    else if (carry && carried) await carry.drop();
    // Cut short by the budget (the rest is applied, or planned again, by the next job), or a carry applied: it was
    // planned before the jobs that applied it, so a fresh comparison (one run's reads) follows before the grants are
    // called synced. Either way the entry goes on, pending.
    const unfinished =
      result.left !== undefined
        ? `${appliedCount} grant change${appliedCount === 1 ? '' : 's'} applied; ${result.left} more follow${result.left === 1 ? 's' : ''} in the next job`
        : result.fromCarry
          ? 'The planned grant changes are applied; a fresh comparison with Bitbucket follows'
          : undefined;
    if (unfinished !== undefined && !problem) {
      this.ctx.state.permissionsLeft = true;
      await links.put({
        ...(link ?? { attempts: 0 }),
        key,
        grants: result.grants,
        state: 'pending',
        detail: unfinished,
      } as LinkDoc);
      await this.ctx.deps.audit.record(result.audit);
      return false;
    }
    // The run compared the grants with Bitbucket: any change it planned was a difference, repaired only when all succeeded.
    const planned = result.audit.filter((e) => e.outcome !== 'skipped').length;
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
      await links.put({
        ...base,
        state: 'failed',
        lastError: problem,
        attempts,
        nextRetryAt: nextRetryAt(this.ctx.now(), attempts),
        ...(result.interruptedBy ? { rateLimitedUntil: this.debounce.rateLimitEnd(result.interruptedBy) } : {}),
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
    if (result.interruptedBy) throw result.interruptedBy;
    return problem === undefined;
  }
}
