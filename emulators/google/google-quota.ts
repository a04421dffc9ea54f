/**
 * The Directory API's quota, as the emulator enforces it: Google allows 2,400 queries per minute per user per Google
 * Cloud project by default and answers a call over it with 403 `userRateLimitExceeded` (or `quotaExceeded` for the
 * project's quota), not 429 (developers.google.com/workspace/admin/directory/v1/limits). Off unless a test or the
 * benchmark sets a limit; a test can also make chosen calls answer a quota error.
 */
import type { Clock } from '../virtual-clock';
import { RollingWindowLimiter } from '../faults';

/** The reasons Google gives for a quota refusal. */
export type QuotaReason = 'userRateLimitExceeded' | 'quotaExceeded';

/** Google's default: queries per minute per user per project. */
export const GOOGLE_QUERIES_PER_MINUTE = 2400;

/** The quota of one emulated account. */
export class GoogleQuota {
  private limiter: RollingWindowLimiter | undefined;
  private injected: { reason: QuotaReason; remaining: number; after: number }[] = [];
  private calls = 0;
  /** Quota refusals answered so far. */
  refused = 0;

  constructor(private readonly clock: Clock) {}

  /** Limits each impersonated user to `perMinute` queries in any 60 s (undefined: no limit). */
  setLimit(perMinute: number | undefined): void {
    this.limiter =
      perMinute === undefined
        ? undefined
        : new RollingWindowLimiter({ limit: perMinute, windowMs: 60_000, clock: this.clock });
  }

  /** Makes the next `count` calls, after `after` more accepted ones, answer a quota error with `reason`. */
  inject(count: number, reason: QuotaReason = 'userRateLimitExceeded', after = 0): void {
    this.injected.push({ reason, remaining: count, after: this.calls + after });
  }

  /** Drops every injected refusal still waiting. */
  clearInjected(): void {
    this.injected = [];
  }

  /** Counts one call of `subject`; the reason it is refused, or undefined when it may run. */
  take(subject: string, _now: number): QuotaReason | undefined {
    const rule = this.injected.find((r) => r.remaining > 0 && this.calls >= r.after);
    if (rule !== undefined) {
      rule.remaining -= 1;
      this.injected = this.injected.filter((r) => r.remaining > 0);
      this.refused += 1;
      return rule.reason;
    }
    if (this.limiter !== undefined && !this.limiter.take(subject).allowed) {
      this.refused += 1;
      return 'userRateLimitExceeded';
    }
    this.calls += 1;
    return undefined;
  }
}
