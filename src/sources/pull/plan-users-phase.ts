/**
 * A pull's user planning: the users the source describes against the snapshot (on the first pull, against what SCIM
 * left in the directory), deactivations put to the circuit breaker first, the plan staged as `p1` (a preview only
 * counts it).
 */
import { holdDeactivations, planUsers, type PullOp } from './pull-plan';
import { existingResources, firstPull, pictureOf, usersOf, type InvocationContext } from './pull-invocation';
import type { PullRun, PullRunnerDeps } from './pull-run';
import { bucketOf } from './pull-store';
import { describe, plannedCounts } from './planned-changes';

/** Plans the users in one step, then moves the run on (a preview to planning the groups, a pull to applying the users). */
export async function planUserPhase(deps: PullRunnerDeps, run: PullRun, context: InvocationContext): Promise<void> {
  const picture = await pictureOf(deps, context);
  let plan = planUsers(
    picture.users,
    await usersOf(deps, context),
    (await firstPull(deps, context)) ? await existingResources(deps.store, 'User') : undefined,
  );
  run.usersRead = picture.users.length;
  run.groupsRead = picture.groups.length;
  run.findings = picture.findings;
  run.unchangedUsers = plan.unchanged;
  if (plan.deactivations > 0) {
    const decision = await deps.gate.admit(plan.deactivations, await deps.store.count('User'), run.mode === 'preview');
    if (!decision.allowed) {
      run.held = plan.deactivations;
      if (decision.reason !== undefined) run.breakerReason = decision.reason;
      plan = holdDeactivations(plan);
    }
  }
  // Users of one snapshot bucket together, so an invocation touches few buckets; users the source no longer names last.
  const bucket = (op: PullOp): number => ('s' in op && op.s !== undefined ? bucketOf(op.s) : 99);
  const ops = [...plan.ops].sort((a, b) => bucket(a) - bucket(b));
  run.sample = ops
    .filter((op) => op.k !== 'adopt-user')
    .slice(0, 20)
    .map(describe);
  if (run.mode === 'preview') plannedCounts(ops, run.counts);
  else await context.stage.append('p1', ops);
  run.phase = run.mode === 'preview' ? 'plan-groups' : 'apply-users';
}
