/**
 * A review in progress: which listing it reads next and from which `next` link, what it has found that later
 * phases need (the targets, the groups granted on them, the app's groups), the Bitbucket requests it spent per
 * minute (its share of the token's rolling hour) and why it waits, if it does. One JSON value, saved after each
 * step together with the records the step read (src/review/review-store.ts), so a review resumes where the last
 * step stopped.
 */
import { addUsage, usageInLastHour } from '../sync/token-usage';
import type { LogPosition } from './review-store';
import {
  BITBUCKET_PHASES,
  type AppPhase,
  type BitbucketPhase,
  type ReviewScope,
  type ReviewWait,
} from '../shared/review-types';

/** A run's scope, phases and waits are the admin page's data (src/shared/review-types.ts), re-exported for the review's modules. */
export { BITBUCKET_PHASES };
export type { AppPhase, BitbucketPhase, ReviewScope, ReviewWait };

/** Requests and pages a review has spent. */
export interface ReviewCounts {
  readonly bitbucketRequests: number;
  /** Requests to the Admin API (group members; not on Bitbucket's budget). */
  readonly adminRequests: number;
  /** Pages of each target's grant listings plus the effective listing: the lower bound, as read. */
  readonly lowerBound: number;
  readonly steps: number;
}

/** The run state; see the module comment. */
export interface RunState {
  readonly v: 1;
  readonly id: string;
  readonly scope: ReviewScope;
  readonly startedAt: string;
  /** Who started it (the admin page's actor), when known. */
  readonly startedBy?: string;
  readonly status: 'running' | 'done' | 'failed' | 'cancelled';
  readonly finishedAt?: string;
  readonly error?: string;
  readonly bitbucket: {
    readonly phase: BitbucketPhase;
    /** The next page of the current listing; absent for its first page. */
    readonly next?: string;
    /** In the targets phase: which target, and whether its group or user grants are being read. */
    readonly targetIndex: number;
    readonly targetList: 'groups' | 'users';
  };
  readonly app: {
    readonly phase: AppPhase;
    /** Which link state is being scanned (src/sync/sync-links.ts), and the cursor within it. */
    readonly stateIndex: number;
    readonly cursor?: string;
    /** In the groups phase: how many granted groups are read. */
    readonly groupIndex: number;
  };
  /** Targets to read, as `r:<slug>` or `p:<key>`, filled from the inventory. */
  readonly targets: readonly string[];
  /** Groups granted something, by slug, with their name. */
  readonly grantedGroups: Readonly<Record<string, string>>;
  /** The app's groups by slug: their org group and IdP name. */
  readonly appGroups: Readonly<Record<string, { readonly orgGroupId?: string; readonly displayName: string }>>;
  readonly logs: { readonly inputs: LogPosition; readonly eff: LogPosition };
  /** Bitbucket requests per minute (`[minute since epoch, count]`), the last hour's only. */
  readonly ledger: readonly (readonly [number, number])[];
  readonly counts: ReviewCounts;
  readonly waiting?: ReviewWait;
  /** Bitbucket answered 429: no Bitbucket read before then. */
  readonly rateLimitedUntil?: string;
  /** Why the cross-check is missing, when the effective listing could not be read. */
  readonly crossCheckSkipped?: string;
}

const EMPTY_LOG: LogPosition = { chunks: 0, tailBytes: 0 };

/** A new run. */
export function newRun(id: string, scope: ReviewScope, now: Date, startedBy?: string): RunState {
  return {
    v: 1,
    id,
    scope,
    startedAt: now.toISOString(),
    ...(startedBy !== undefined ? { startedBy } : {}),
    status: 'running',
    bitbucket: { phase: 'repositories', targetIndex: 0, targetList: 'groups' },
    app: { phase: 'identities', stateIndex: 0, groupIndex: 0 },
    targets: [],
    grantedGroups: {},
    appGroups: {},
    logs: { inputs: EMPTY_LOG, eff: EMPTY_LOG },
    ledger: [],
    counts: { bitbucketRequests: 0, adminRequests: 0, lowerBound: 0, steps: 0 },
  };
}

/** Minutes since the epoch. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000);
}

/** The ledger with `count` more requests in the current minute and nothing older than an hour. */
export function recordRequests(ledger: RunState['ledger'], now: number, count: number): RunState['ledger'] {
  return addUsage(ledger, now, count);
}

/** Bitbucket requests of the review within the rolling hour before `now`. */
export function requestsInLastHour(ledger: RunState['ledger'], now: number): number {
  return usageInLastHour(ledger, now);
}

/** How far a run is, for the admin page: done and total of the targets, and the phases. */
export function progressOf(run: RunState): {
  readonly targetsRead: number;
  readonly targets: number;
  readonly bitbucketPhase: BitbucketPhase;
  readonly appPhase: AppPhase;
} {
  const targetsRead =
    run.bitbucket.phase === 'targets'
      ? run.bitbucket.targetIndex
      : BITBUCKET_PHASES.indexOf(run.bitbucket.phase) > BITBUCKET_PHASES.indexOf('targets')
        ? run.targets.length
        : 0;
  return { targetsRead, targets: run.targets.length, bitbucketPhase: run.bitbucket.phase, appPhase: run.app.phase };
}
