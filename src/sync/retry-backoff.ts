/** When the engine tries a failed resource (or permission run) again: exponential backoff from a minute to six hours. */

const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 6 * 3600_000;

/** The time (ISO 8601) of the next try after `attempts` failed ones: a minute after the first, doubling, at most six hours. */
export function nextRetryAt(now: Date, attempts: number): string {
  return new Date(now.getTime() + Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS)).toISOString();
}
