/**
 * The one error type of the Google source: what went wrong talking to Google, sorted by what the pull does about it.
 * `quota` (403 `userRateLimitExceeded` / `quotaExceeded`, developers.google.com/workspace/admin/directory/v1/limits)
 * and `transient` (5xx, 429, a dropped connection) are waited out and the pull resumes; `auth` (the token endpoint
 * refused the key, the delegation or the impersonated admin), `forbidden` (403 for another reason: a suspended or
 * non-admin impersonated user, a missing scope) and `invalid` need the admin; `not-found` names a group or user that
 * is gone; `shape` is an answer the client cannot read.
 */

/** What kind of failure, as the pull reacts to it. */
export type GoogleErrorKind = 'quota' | 'transient' | 'auth' | 'forbidden' | 'invalid' | 'not-found' | 'shape';

/** A failed call to Google, chained to its cause. */
export class GoogleSourceError extends Error {
  readonly kind: GoogleErrorKind;
  /** The HTTP status, when there was an answer. */
  readonly status: number | undefined;
  /** Google's `reason` (`userRateLimitExceeded`, `forbidden`, …) or the OAuth `error` (`invalid_grant`, …). */
  readonly reason: string | undefined;

  constructor(
    kind: GoogleErrorKind,
    message: string,
    options: { status?: number; reason?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GoogleSourceError';
    this.kind = kind;
    this.status = options.status;
    this.reason = options.reason;
  }

  /** Whether waiting and trying again can succeed without the admin doing anything. */
  get retryable(): boolean {
    return this.kind === 'quota' || this.kind === 'transient';
  }
}
