/**
 * One permission run of a batch and what it leaves on the Permissions link: the grants the app holds, the
 * comparison with Bitbucket, a failure with its retry, how far a run its budget cut short got (the run goes on in
 * the next job from its pass, src/sync/permission-pass.ts), or the app groups it waits for while their own sync is
 * pending (src/sync/permission-hold.ts).
 */
import { TargetError } from '../targets/ports';
import type { BatchTally, EngineContext } from './engine-context';
import type { EngineSettings, PermissionSyncResult } from './engine-ports';
import { PERMISSIONS_KEY } from './jobs';
import type { PermissionDebounce } from './permission-debounce';
import {
  failedGrantSlugs,
  MAX_HOLD_MS,
  pendingGroups,
  readyDigest,
  recheckSeconds,
  withHeld,
  withoutHeld,
  type HeldGroupCandidate,
} from './permission-hold';
import { nextRetryAt } from './retry-backoff';
import { errorChain } from './sync-error';
import type { LinkDoc } from './sync-links';

/** Runs permission sync and records its outcome. */
export class PermissionRun {
  constructor(
    private readonly ctx: EngineContext,
    private readonly debounce: PermissionDebounce,
    private readonly groupsNamed: (names: readonly string[]) => Promise<readonly HeldGroupCandidate[]>,
  ) {}

  /**
   * Runs permission sync (this job's part of it); true when the run finished, waits for no group and every change
   * succeeded. A run that waits for groups asks the batch to look again later (`report.drainAfterSeconds`).
   */
  async run(settings: EngineSettings, report: BatchTally): Promise<boolean> {
    const permissions = this.ctx.deps.permissions;
    if (!permissions) return true;
    const key = PERMISSIONS_KEY;
    const links = this.ctx.links;
    const link = await links.get(key);
    const now = this.ctx.now();
    const store = this.ctx.deps.store;
    const rules = settings.permissionRules;
    const passes = this.ctx.deps.permissionPasses;
    const groups = await this.namedGroups(
      rules.map((rule) => rule.group),
      passes ? await passes.groupsChangedToken() : '',
      now.getTime(),
    );
    // Groups a grant failed for while their own sync was pending are left alone while it still is, for MAX_HOLD_MS at
    // most since a run first waited for one (src/sync/permission-hold.ts).
    const heldFor = link?.heldSince ? now.getTime() - Date.parse(link.heldSince) : 0;
    const waits = heldFor < MAX_HOLD_MS;
    const before = new Set(waits ? (link?.heldGroups ?? []) : []);
    const held = before.size > 0 ? await pendingGroups(store, groups, (group) => before.has(group.id)) : [];
    const heldSlugs = new Set(held.map((group) => group.groupSlug));
    const ready = groups.filter((group) => !heldSlugs.has(group.groupSlug));
    const recheck = (): void => {
      report.drainAfterSeconds = recheckSeconds(heldFor, this.ctx.deps.permissionQuietSeconds ?? 30);
    };
    // Nothing new is ready since the last comparison that waited for groups: look again later, without Bitbucket.
    if (held.length > 0 && link?.heldReady === readyDigest(rules, settings.dryRun, ready)) {
      recheck();
      return false;
    }
    const recorded = link?.grants ?? {};
    const kept = passes ? await passes.take(now.getTime()) : undefined;
    let ran: PermissionSyncResult;
    try {
      ran = await permissions.run(
        ready,
        held.length > 0 ? withoutHeld(recorded, heldSlugs) : recorded,
        settings.dryRun,
        kept,
      );
    } catch (error) {
      // Bitbucket's limit is per credential and hourly: every run before the wait is over would only spend it on reads.
      if (error instanceof TargetError && error.kind === 'rate-limited')
        await links.put({
          ...(link ?? { key, state: 'pending', attempts: 0 }),
          rateLimitedUntil: this.debounce.rateLimitEnd(error),
        } as LinkDoc);
      throw error;
    }
    if (ran.refused !== undefined) {
      // Not a failure to retry: nothing runs until the check passes again, which queues permission sync anew.
      await links.put({
        ...(link ?? { attempts: 0 }),
        key,
        state: 'skipped',
        detail: ran.refused,
        lastError: undefined,
        nextRetryAt: undefined,
        permissionsDueSince: undefined,
        heldSince: undefined,
        heldGroups: undefined,
        heldReady: undefined,
      } as LinkDoc);
      return true;
    }
    // Grants that failed for a group whose own sync is pending wait for it: neither a failure nor retried as one. The
    // held groups' grants stay on the record as they were (in a dry run the record is not changed at all).
    const failedSlugs = waits ? failedGrantSlugs(ran.audit) : new Map<string, number>();
    const waiting =
      failedSlugs.size > 0 ? await pendingGroups(store, ready, (group) => failedSlugs.has(group.groupSlug)) : [];
    const waited = waiting.reduce((sum, group) => sum + (failedSlugs.get(group.groupSlug) ?? 0), 0);
    const result = waited > 0 ? notCounting(ran, waited) : ran;
    const grants = held.length > 0 ? withHeld(result.grants, recorded, heldSlugs) : result.grants;
    const allHeld = [...held, ...waiting];
    const holding = {
      heldSince: allHeld.length > 0 ? (link?.heldSince ?? now.toISOString()) : undefined,
      heldGroups: allHeld.length > 0 ? allHeld.map((group) => group.id) : undefined,
      heldReady: undefined,
    };
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
        grants,
        state: 'pending',
        ...holding,
        detail: `${compared} of ${result.targets ?? compared} projects and repositories compared, ${appliedCount} grant change${appliedCount === 1 ? '' : 's'} applied; the rest follows in the next job`,
      } as LinkDoc);
      await this.ctx.deps.audit.record(result.audit);
      await keepPass();
      return false;
    }
    // The run compared the grants with Bitbucket: any change it planned was a difference, repaired only when all succeeded.
    const planned = totals.planned;
    const lastComparison =
      planned === 0 && !problem ? 'equal' : problem || settings.dryRun || waited > 0 ? 'different' : 'repaired';
    const difference = planned > 0 ? `${planned} grant${planned === 1 ? '' : 's'} to change` : undefined;
    const base = {
      ...(link ?? { attempts: 0 }),
      key,
      grants,
      lastComparedAt: this.ctx.now().toISOString(),
      lastComparison,
      difference,
      ...holding,
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
    } else if (allHeld.length > 0) {
      // Compared for the groups that are ready: the entry stays pending, the run looks again (recheck), and the debounce
      // starts afresh, so the runs while groups sync are batched as before (src/sync/permission-debounce.ts).
      const waitingSlugs = new Set(allHeld.map((group) => group.groupSlug));
      const n = allHeld.length;
      await links.put({
        ...base,
        state: 'pending',
        detail:
          n === 1
            ? '1 group waits for its own sync before its grants are written'
            : `${n} groups wait for their own sync before their grants are written`,
        attempts: 0,
        lastError: undefined,
        nextRetryAt: undefined,
        permissionsDueSince: undefined,
        heldReady: readyDigest(
          rules,
          settings.dryRun,
          groups.filter((group) => !waitingSlugs.has(group.groupSlug)),
        ),
      });
      recheck();
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
    return problem === undefined && allHeld.length === 0;
  }

  /**
   * The app groups the rules name, as an earlier job of the run read them while no group changed since (`changedAt`,
   * the token read before them: src/sync/permission-pass.ts keptGroups), or read now.
   */
  private async namedGroups(
    names: readonly string[],
    changedAt: string,
    now: number,
  ): Promise<readonly HeldGroupCandidate[]> {
    const passes = this.ctx.deps.permissionPasses;
    const earlier = passes ? await passes.keptGroups(names, changedAt, now) : undefined;
    if (earlier) return earlier;
    const found = await this.groupsNamed(names);
    if (passes) await passes.keepGroups(names, changedAt, found, now);
    return found;
  }
}

/** A run's result without `waited` failed grant changes, in this job's count, its pass's and the whole run's. */
function notCounting(result: PermissionSyncResult, waited: number): PermissionSyncResult {
  return {
    ...result,
    failed: Math.max(0, (result.failed ?? 0) - waited),
    ...(result.pass ? { pass: { ...result.pass, failed: Math.max(0, result.pass.failed - waited) } } : {}),
    ...(result.totals ? { totals: { ...result.totals, failed: Math.max(0, result.totals.failed - waited) } } : {}),
  };
}
