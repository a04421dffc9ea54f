/**
 * A pull's apply phases: the staged plan's operations (`p1` users, then `p2` groups) written to the directory in
 * order, while the budget allows and an invocation changes few snapshot buckets; the run records where it stopped.
 */
import { applyOp, costOf } from './pull-apply';
import type { PullOp } from './pull-plan';
import { MAX_BUCKETS_PER_INVOCATION, RESERVE, type InvocationContext } from './pull-invocation';
import type { PullRun, PullRunnerDeps } from './pull-run';

/** Applies the current plan's operations while the budget allows; true when the plan is done. */
export async function applyPhase(deps: PullRunnerDeps, run: PullRun, context: InvocationContext): Promise<boolean> {
  const { pullStore, store } = deps;
  const kind = run.phase === 'apply-users' ? 'p1' : 'p2';
  await context.stage.flush();
  while (run.plan.chunk < (run.staged[kind] ?? 0)) {
    const ops = (await pullStore.get<PullOp[]>(`stage:${run.id}:${kind}:${run.plan.chunk}`)) ?? [];
    while (run.plan.op < ops.length) {
      const op = ops[run.plan.op];
      if (op === undefined) break;
      const newBucket = op.k.endsWith('-user') && 's' in op && op.s !== undefined && !context.snapshot.holds(op.s);
      if (
        !deps.canCall(RESERVE + costOf(op)) ||
        (newBucket && context.snapshot.bucketsHeld >= MAX_BUCKETS_PER_INVOCATION)
      )
        return false;
      await applyOp(op, store, context.snapshot, pullStore, run.counts);
      run.plan.op += 1;
    }
    run.plan.chunk += 1;
    run.plan.op = 0;
  }
  return true;
}
