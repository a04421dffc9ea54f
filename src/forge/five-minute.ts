/**
 * The one five-minute scheduled trigger (`five-minute-fn`): Forge lets an app declare at most one `fiveMinute`
 * scheduled trigger (DAC `/platform-quotas-and-limits`, scheduled trigger limits; docs/notes/forge-platform.md), and
 * three jobs run every five minutes: starting a Google Workspace pull when the admin's schedule says one is due, the
 * access review's bounded step, and the sync sweep that resumes what a sync lineage which spent its queue pushes left
 * (src/sync/lineage-budget.ts). Each runs whatever the others did; a failure is logged, never thrown (a throw is not
 * retried: DAC `/manifest-reference/modules/scheduled-trigger`). The jobs share one invocation: its outbound requests,
 * its time and, as its origin, its 1,000 queue pushes (the cyclic limit).
 */

/** A scheduled trigger's handler. */
export type ScheduledHandler = () => Promise<{ statusCode: 204 }>;

/** One named job of the five-minute trigger. */
export interface FiveMinuteStep {
  readonly name: string;
  readonly run: ScheduledHandler;
}

/**
 * The five-minute jobs in the order the trigger runs them, for Forge (src/forge/index.ts) and the local host alike
 * (src/local/local-schedules.ts): the pull schedule, the review's step, then the sync sweep (src/forge/sync-worker.ts
 * makeSyncSweep), added after the two that were there.
 */
export function fiveMinuteSteps(jobs: {
  readonly pullSchedule: ScheduledHandler;
  readonly reviewStep: ScheduledHandler;
  readonly syncSweep: ScheduledHandler;
}): FiveMinuteStep[] {
  return [
    { name: 'pull-schedule', run: jobs.pullSchedule },
    { name: 'review-step', run: jobs.reviewStep },
    { name: 'sync-sweep', run: jobs.syncSweep },
  ];
}

/** Runs `steps` one after the other, each whatever the others did. */
export function makeFiveMinute(steps: readonly FiveMinuteStep[], warn: (line: string) => void): ScheduledHandler {
  return async () => {
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        warn(`FIVE_MINUTE_STEP_FAILED ${step.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { statusCode: 204 };
  };
}
