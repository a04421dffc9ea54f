/**
 * A pull's last phase: the run's staged chunks removed while the budget allows, then its summary recorded (a pull's
 * also marks the snapshot complete; a preview's is kept apart) and the run record removed.
 */
import { RESERVE } from './pull-invocation';
import type { PullRun, PullRunnerDeps } from './pull-run';
import type { RunStage } from './pull-stage';
import type { PullSummary } from '../../shared/source-types';

/** Records the outcome and removes the run's chunks while the budget allows; the summary once all is done. */
export async function finishPhase(
  deps: PullRunnerDeps,
  run: PullRun,
  stage: RunStage,
  now: () => Date,
): Promise<PullSummary | undefined> {
  const { pullStore } = deps;
  for (const key of stage.keys().reverse()) {
    if (!deps.canCall(RESERVE)) return undefined;
    await pullStore.delete(key);
    const kind = key.split(':')[2] ?? '';
    run.staged[kind] = Math.max(0, (run.staged[kind] ?? 1) - 1);
  }
  const summary: PullSummary = {
    runId: run.id,
    mode: run.mode,
    startedAt: run.startedAt,
    finishedAt: now().toISOString(),
    config: run.config,
    invocations: run.invocations,
    usersRead: run.usersRead,
    groupsRead: run.groupsRead,
    unchangedUsers: run.unchangedUsers,
    unchangedGroups: run.unchangedGroups,
    changes: run.counts,
    heldDeactivations: run.held,
    ...(run.breakerReason !== undefined ? { breakerReason: run.breakerReason } : {}),
    findings: run.findings ?? { outsideDomain: { count: 0, sample: [] }, notSelected: 0, cycles: [] },
    sample: run.sample,
  };
  if (run.mode === 'apply') {
    await pullStore.set('snap:meta', { v: 1, lastRun: run.id, at: summary.finishedAt });
    await pullStore.set('last-pull', summary);
  } else {
    await pullStore.set('last-preview', summary);
  }
  await pullStore.delete('run');
  return summary;
}
