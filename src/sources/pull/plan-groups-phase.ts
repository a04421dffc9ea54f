/**
 * A pull's group planning: each group the source describes, one at a time while the budget allows, with its
 * flattened members against the snapshot (on the first pull, matched to what SCIM left by external id, then by
 * name), then the deletions of groups no longer named; the plan staged as `p2` (a preview only counts it).
 */
import { planGroup, planGroupDelete, type PullOp } from './pull-plan';
import {
  existingResources,
  firstPull,
  GROUP_PLAN_COST,
  pictureOf,
  RESERVE,
  usersOf,
  type InvocationContext,
} from './pull-invocation';
import type { PullRun, PullRunnerDeps } from './pull-run';
import type { GroupSnapshotEntry } from './pull-store';
import { describe, plannedCounts } from './planned-changes';

/** Plans the groups one by one while the budget allows; true when every group (and every deletion) is planned. */
export async function planGroupPhase(deps: PullRunnerDeps, run: PullRun, context: InvocationContext): Promise<boolean> {
  const { pullStore, store } = deps;
  const picture = await pictureOf(deps, context);
  const users = await usersOf(deps, context);
  const snapshot = await context.snapshot.groupSnapshot();
  const first = (await firstPull(deps, context)) && Object.keys(snapshot).length === 0;
  const existing = first ? (context.groups ??= await existingResources(store, 'Group')) : [];
  const matched = new Set(run.groupPlan.matched);
  // In a preview, users not created yet stand in under a placeholder id, so membership changes still count right.
  const dirIdOf = (sourceId: string): string | undefined =>
    users.get(sourceId)?.[0] ?? (run.mode === 'preview' ? `new:${sourceId}` : undefined);
  const membersOf = async (sourceId: string | undefined, dirId: string): Promise<string[]> => {
    const known: GroupSnapshotEntry | undefined = sourceId === undefined ? undefined : snapshot[sourceId];
    if (known !== undefined && known[3] !== '') return pullStore.memberSet(sourceId ?? '', known[3], known[4]);
    const ids: string[] = [];
    for await (const batch of store.members(dirId)) for (const member of batch) ids.push(member.value);
    return ids;
  };
  const emit = async (ops: readonly PullOp[]): Promise<void> => {
    run.sample =
      run.sample.length >= 40
        ? run.sample
        : [
            ...run.sample,
            ...ops
              .filter((op) => op.k !== 'group-done' && op.k !== 'adopt-group')
              .slice(0, 40 - run.sample.length)
              .map(describe),
          ];
    if (run.mode === 'preview') plannedCounts(ops, run.counts);
    else await context.stage.append('p2', ops);
  };
  while (run.groupPlan.index < picture.groups.length) {
    if (!deps.canCall(RESERVE + GROUP_PLAN_COST)) return false;
    const source = picture.groups[run.groupPlan.index];
    if (source === undefined) break;
    const match = first
      ? (existing.find((g) => !matched.has(g.id) && g.resource.externalId === source.sourceId) ??
        existing.find(
          (g) => !matched.has(g.id) && String(g.resource.displayName ?? '').toLowerCase() === source.name.toLowerCase(),
        ))
      : undefined;
    if (match !== undefined) {
      matched.add(match.id);
      run.groupPlan.matched.push(match.id);
    }
    const memberIds = source.memberSourceIds.map(dirIdOf).filter((id): id is string => id !== undefined);
    const plan = await planGroup(
      { source, memberIds },
      snapshot[source.sourceId],
      match,
      (dirId) => membersOf(source.sourceId, dirId),
      run.id,
      run.held > 0,
    );
    if (plan.ops.length === 0) run.unchangedGroups += 1;
    let ops = plan.ops;
    if (plan.memberSet !== undefined && run.mode === 'apply') {
      const parts = await pullStore.saveMemberSet(source.sourceId, run.id, plan.memberSet);
      ops = ops.map((op) => (op.k === 'group-done' ? { ...op, parts } : op));
    }
    await emit(ops);
    run.groupPlan.index += 1;
  }
  if (!run.groupPlan.deletes) {
    const named = new Set(picture.groups.map((g) => g.sourceId));
    for (const [sourceId, entry] of Object.entries(snapshot))
      if (!named.has(sourceId)) await emit(planGroupDelete(sourceId, entry[0], await membersOf(sourceId, entry[0])));
    for (const group of existing)
      if (!matched.has(group.id))
        await emit(planGroupDelete(undefined, group.id, await membersOf(undefined, group.id)));
    run.groupPlan.deletes = true;
  }
  run.phase = run.mode === 'preview' ? 'finish' : 'apply-groups';
  return true;
}
