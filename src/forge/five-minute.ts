/**
 * The one five-minute scheduled trigger (`five-minute-fn`): Forge lets an app declare at most one `fiveMinute`
 * scheduled trigger (DAC `/platform-quotas-and-limits`, scheduled trigger limits; docs/notes/forge-platform.md), and
 * two jobs run every five minutes: starting a Google Workspace pull when the admin's schedule says one is due, and the
 * access review's bounded step. Each runs whatever the other did; a failure is logged, never thrown (a throw is not
 * retried: DAC `/manifest-reference/modules/scheduled-trigger`).
 */

/** A scheduled trigger's handler. */
export type ScheduledHandler = () => Promise<{ statusCode: 204 }>;

/** Runs `steps` one after the other, each whatever the others did. */
export function makeFiveMinute(
  steps: readonly { readonly name: string; readonly run: ScheduledHandler }[],
  warn: (line: string) => void,
): ScheduledHandler {
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
