/**
 * The access review's scheduled step (every five minutes, through `five-minute-fn`: src/forge/five-minute.ts): one bounded step of the running review
 * (src/review/review-runner.ts) inside the invocation's budget, and nothing when no review runs. Like the reconcile it
 * answers 204 (DAC /events-reference/scheduled-trigger); a failed step is logged and the next one tries again.
 */
import type { ReviewParts } from '../review/create-review';
import { withinBudget, type BudgetLimits } from '../sync/call-budget';

/**
 * What one step may spend: Forge's 100 outbound requests less what the five-minute trigger's other jobs spend in the
 * same invocation at their most (the pull schedule's check and start of a due pull, 10; the sync sweep with work
 * pending, 7) and a margin, and well under the 900 s the function has. Measured with every job at its most in
 * test/local/forge-runtime/five-minute-requests.test.ts: a review step made at most 68 of its 75, the invocation 85.
 */
export const REVIEW_STEP_BUDGET: BudgetLimits = { calls: 75, millis: 600_000 };

/** Builds the scheduled handler. */
export function makeReviewStep(
  parts: () => Promise<ReviewParts>,
  warn: (line: string) => void,
  now: () => number = () => Date.now(),
): () => Promise<{ statusCode: 204 }> {
  return async () => {
    try {
      const review = await parts();
      await withinBudget(REVIEW_STEP_BUDGET, now, () => review.runner.step());
    } catch (error) {
      warn(`REVIEW_STEP_FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { statusCode: 204 };
  };
}
