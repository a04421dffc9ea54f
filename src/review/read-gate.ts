/**
 * How many Bitbucket requests a review step may make. The review reads with the workspace admin's API token, whose
 * 1,000 requests in a rolling hour permission sync needs too (docs/notes/access-review.md), so the review:
 *
 * - reads nothing while a permission run is due (the Permissions record says since when) and expected within
 *   PERMISSION_HORIZON_MS, nor while Bitbucket refuses the token for its rate limit: a pending permission sync never
 *   waits for more than the review step already running;
 * - keeps its own requests, with what permission runs spent in the last hour, within any rolling hour to the token's
 *   limit minus a reserve for a whole permission run
 *   (its reads and a margin of writes), so the run that falls due finds that much left;
 * - reads at most STEP_REQUESTS per step, so its requests spread over the hour instead of arriving at once.
 */
import { minuteOf, requestsInLastHour, type RunState, type ReviewWait } from './review-run';

/** Bitbucket's base limit per user token (docs/notes/bitbucket-api.md section 4). */
export const TOKEN_HOURLY_LIMIT = 1000;
/** Most Bitbucket requests one review step makes. */
export const STEP_REQUESTS = 60;
/** A permission run due within this long (or overdue) takes precedence. */
export const PERMISSION_HORIZON_MS = 10 * 60_000;
/** Bounds of the reserve kept for permission sync. */
export const MIN_RESERVE = 250;
export const MAX_RESERVE = 750;
/** Writes beyond the grants the app manages (new grants of a rule change) kept in the reserve. */
export const RESERVE_WRITE_MARGIN = 100;

/** What the Permissions record says about the next permission run (src/sync/sync-links.ts). */
export interface PermissionRunState {
  /** Since when a permission run has been due; absent when none is. */
  readonly dueSince?: string;
  /** When a failed run is retried. */
  readonly nextRetryAt?: string;
  /** Bitbucket refused the token until then. */
  readonly rateLimitedUntil?: string;
  /** Requests permission runs made with the token in the last hour (src/sync/token-usage.ts). */
  readonly recentRequests?: number;
}

/** The gate's answer: how many requests, or why none. */
export interface GateDecision {
  readonly allow: number;
  readonly waiting?: ReviewWait;
}

/**
 * Requests to keep free for one permission run: its reads (the repository and project listings, one listing per
 * target the app manages), a write for each grant the app manages (a rule change may rewrite them all) and a margin
 * for new ones, within MIN_RESERVE..MAX_RESERVE.
 */
export function permissionReserve(
  managed: { readonly targets: number; readonly grants: number },
  repositories: number,
  projects: number,
): number {
  const reads = Math.ceil(repositories / 100) + Math.ceil(projects / 100) + managed.targets;
  return Math.min(MAX_RESERVE, Math.max(MIN_RESERVE, reads + managed.grants + RESERVE_WRITE_MARGIN));
}

function after(iso: string | undefined, now: number): number | undefined {
  if (iso === undefined) return undefined;
  const at = Date.parse(iso);
  return Number.isNaN(at) || at <= now ? undefined : at;
}

/** Decides a step's Bitbucket allowance. */
export function decideReads(
  run: Pick<RunState, 'ledger' | 'rateLimitedUntil'>,
  permission: PermissionRunState,
  reserve: number,
  now: number,
): GateDecision {
  const ownLimit = after(run.rateLimitedUntil, now);
  if (ownLimit !== undefined)
    return { allow: 0, waiting: { reason: 'rate-limit', until: new Date(ownLimit).toISOString() } };
  const tokenLimit = after(permission.rateLimitedUntil, now);
  if (tokenLimit !== undefined)
    return { allow: 0, waiting: { reason: 'rate-limit', until: new Date(tokenLimit).toISOString() } };
  if (permission.dueSince !== undefined) {
    const retry = after(permission.nextRetryAt, now);
    if (retry === undefined || retry - now <= PERMISSION_HORIZON_MS)
      return { allow: 0, waiting: { reason: 'permission-sync' } };
  }
  const share = TOKEN_HOURLY_LIMIT - reserve - (permission.recentRequests ?? 0);
  const left = share - requestsInLastHour(run.ledger, now);
  if (left <= 0) {
    // When the review's own oldest minute leaves the window (or, with nothing of its own there, in a minute).
    const oldest = run.ledger.find(([m]) => m > minuteOf(now) - 60);
    const until = oldest === undefined ? (minuteOf(now) + 1) * 60_000 : (oldest[0] + 61) * 60_000;
    return { allow: 0, waiting: { reason: 'hourly-share', until: new Date(until).toISOString() } };
  }
  return { allow: Math.min(STEP_REQUESTS, left) };
}
