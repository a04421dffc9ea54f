/**
 * When a failed call to Atlassian is tried again, and after how long: exponential backoff with jitter for
 * retryable failures (rate-limited, transient), the server's own wait when it names one, a bound on
 * attempts and a total time budget per call. Non-retryable kinds (400, 401, 402, 403, 404, 409, bad
 * bodies) are never repeated unchanged.
 */
import type { TargetError } from '../ports';

/** Settings of retries for one call. */
export interface RetryPolicy {
  /** Attempts per call, the first one included. */
  readonly maxAttempts: number;
  /** The first backoff step; each further step doubles it. */
  readonly baseDelayMs: number;
  /** The cap of one backoff step. */
  readonly maxDelayMs: number;
  /**
   * No wait is begun that would end later than this after the call started. A rate limit that resets later
   * is reported at once as `rate-limited` with `retryAfterMs`, so the worker can reschedule the job instead.
   */
  readonly totalBudgetMs: number;
  /** Per-attempt limit in real time; 0 switches it off. */
  readonly requestTimeoutMs: number;
}

/**
 * Defaults sized for a Forge async-event function, which may run 900 s: one call spends at most two
 * minutes retrying, which leaves room for the rest of a batch and for the worker's own bookkeeping.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  totalBudgetMs: 120_000,
  requestTimeoutMs: 30_000,
};

/** A policy with the given overrides; throws on values that would make no sense. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (!(Number.isInteger(policy.maxAttempts) && policy.maxAttempts >= 1))
    throw new RangeError('maxAttempts must be a positive integer');
  for (const key of ['baseDelayMs', 'maxDelayMs', 'totalBudgetMs', 'requestTimeoutMs'] as const) {
    if (!(policy[key] >= 0)) throw new RangeError(`${key} must not be negative`);
  }
  return policy;
}

/**
 * The wait before retry number `retry` (1 for the first retry): "equal jitter", half of the exponential
 * step fixed and half random, so waits always grow yet concurrent clients spread out.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * How long to wait before the next attempt after `error` ended attempt number `attempt`, or undefined to
 * give up: not retryable, out of attempts, or the wait would overrun the budget.
 */
export function retryWait(
  policy: RetryPolicy,
  error: TargetError,
  attempt: number,
  elapsedMs: number,
  random: () => number,
): number | undefined {
  if (!error.retryable || attempt >= policy.maxAttempts) return undefined;
  const wait = error.details.retryAfterMs ?? backoffDelay(policy, attempt, random);
  return elapsedMs + wait > policy.totalBudgetMs ? undefined : wait;
}
