/**
 * Sync jobs as they travel on the queue. Forge queues deliver at least once, in any order, and allow about
 * 500 events a minute per installation (50 per push), so a job carries a batch of resources and every
 * handler is idempotent (DAC /runtime-reference/async-events-api, /limits-async-events).
 */
import type { PendingChange } from '../directory/directory-store';

/** One outbox entry to sync: the resource key and the version that enqueued it (acknowledged after success). */
export interface SyncEntry {
  readonly key: string;
  readonly version: number;
}

/**
 * A queued job. `v` lets a newer app version recognise events pushed by an older one. A sync job runs in a lane
 * (laneOf): the queue lets one job of a lane run at a time (a Forge concurrency key per lane), so no two jobs ever
 * work on one resource at once; a job without a lane (pushed by an older version) runs in lane 0. `budget` is the
 * queue pushes the job and everything it leads to may still make (src/sync/lineage-budget.ts); events of older
 * versions have none and are read as having no pushes left.
 */
export type SyncJob =
  | {
      readonly v: 1;
      readonly type: 'sync';
      readonly entries: readonly SyncEntry[];
      readonly lane?: number;
      readonly budget?: number;
    }
  | { readonly v: 1; readonly type: 'drain'; readonly sweep?: true; readonly budget?: number }
  | {
      readonly v: 1;
      readonly type: 'reconcile';
      /** The collection this step enqueues (users first, then groups); absent for the first step. */
      readonly kind?: 'User' | 'Group';
      /** Where the step's page of ids starts (DirectoryStore.idPage); absent for a collection's first page. */
      readonly cursor?: string;
      readonly budget?: number;
    };

/** Largest lineage budget an event may carry: Forge's 1,000 pushes from one originating invocation. */
const MAX_BUDGET = 1000;

/** The one outbox and sync-link key of the workspace's permission grants (all rules are planned together). */
export const PERMISSIONS_KEY = 'Permissions.all';

/**
 * The entries of a job still to do, given each key's pending version: an entry pending at the version it names (one
 * pending at another was done by a job already, or a newer entry's job does it). The Permissions entry is the
 * exception: permission sync plans from fresh reads whatever made it due, so its job takes the version pending now
 * and runs although group changes queued it again since (a run queued directly after a wait: src/sync/dispatcher.ts).
 */
export function livePending(entries: readonly SyncEntry[], pendingAt: ReadonlyMap<string, number>): SyncEntry[] {
  return entries
    .map((entry) => {
      const pending = pendingAt.get(entry.key);
      return entry.key === PERMISSIONS_KEY && pending !== undefined ? { key: entry.key, version: pending } : entry;
    })
    .filter((entry) => pendingAt.get(entry.key) === entry.version);
}

/** At most this many entries in a sync job this version reads (older versions pushed up to 100). */
export const MAX_ENTRIES_PER_JOB = 100;

/**
 * Entries a drain puts in one job: about what one invocation finishes within Forge's 100 outbound requests
 * (src/sync/call-budget.ts; a user costs up to 16, after the job's shared reads), so jobs rarely leave work behind.
 */
export const ENTRIES_PER_JOB = 6;

/**
 * Lanes of sync jobs that may run at once. Each lane's jobs pace their storage to LANE_KVS_UNITS_PER_MINUTE
 * (src/sync/call-budget.ts), so the sync as a whole stays within its share of the installation's quotas. Users and
 * groups sync in the first four; the last is the permission sync's own (PERMISSIONS_LANE).
 */
export const SYNC_LANES = 5;

/**
 * The permission sync's lane: its runs never wait behind users and groups. In a shared lane, the Permissions entry,
 * queued again with every change to the app's groups, waited behind the initial load's backlog: at 10,000 users
 * bench:forge made its first Bitbucket request 68 virtual minutes in, after all users and groups had synced.
 */
export const PERMISSIONS_LANE = SYNC_LANES - 1;

/** The lane of a resource: a stable hash of its key, so a resource always syncs in the same lane. */
export function laneOf(key: string): number {
  if (key === PERMISSIONS_KEY) return PERMISSIONS_LANE;
  let hash = 0;
  for (let i = 0; i < key.length; i += 1) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return hash % PERMISSIONS_LANE;
}

/** Sync jobs of outbox entries: ENTRIES_PER_JOB entries of one lane in each, lane by lane, oldest first in a lane. */
export function jobsFor(pending: readonly PendingChange[]): SyncJob[] {
  const jobs: SyncJob[] = [];
  const byLane = Array.from({ length: SYNC_LANES }, (): SyncEntry[] => []);
  for (const e of pending) byLane[laneOf(e.resourceKey)]?.push({ key: e.resourceKey, version: e.version });
  for (const [lane, laneEntries] of byLane.entries()) {
    for (let i = 0; i < laneEntries.length; i += ENTRIES_PER_JOB)
      jobs.push({ v: 1, type: 'sync', lane, entries: laneEntries.slice(i, i + ENTRIES_PER_JOB) });
  }
  return jobs;
}

/**
 * How many of `pending` (oldest first) fit in `maxJobs` jobs (jobsFor): whole instants of `enqueuedAt` where that
 * keeps any, so an instant is split only when it alone needs more jobs.
 */
export function entriesFitting(pending: readonly PendingChange[], maxJobs: number): number {
  const filled = new Array<number>(SYNC_LANES).fill(0);
  let jobs = 0;
  let fit = pending.length;
  for (const [i, e] of pending.entries()) {
    const lane = laneOf(e.resourceKey);
    if ((filled[lane] ?? 0) % ENTRIES_PER_JOB === 0) {
      if (jobs === maxJobs) {
        fit = i;
        break;
      }
      jobs += 1;
    }
    filled[lane] = (filled[lane] ?? 0) + 1;
  }
  if (fit === pending.length) return fit;
  let whole = fit;
  while (whole > 0 && pending[whole - 1]?.enqueuedAt === pending[fit]?.enqueuedAt) whole -= 1;
  return whole > 0 ? whole : fit;
}

/**
 * Reads a job body; anything else is undefined (logged and acknowledged by the consumer, never thrown). A budget
 * that is not a whole number from 0 to 1,000 is left out, as in an older version's event (no pushes left).
 */
export function parseSyncJob(body: unknown): SyncJob | undefined {
  const job = parseJobBody(body);
  if (!job) return undefined;
  const budget = (body as Record<string, unknown>).budget;
  return typeof budget === 'number' && Number.isSafeInteger(budget) && budget >= 0 && budget <= MAX_BUDGET
    ? { ...job, budget }
    : job;
}

function parseJobBody(body: unknown): SyncJob | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const candidate = body as Record<string, unknown>;
  if (candidate.v !== 1) return undefined;
  if (candidate.type === 'drain')
    return candidate.sweep === true ? { v: 1, type: 'drain', sweep: true } : { v: 1, type: 'drain' };
  if (candidate.type === 'reconcile') {
    const kind = candidate.kind === 'User' || candidate.kind === 'Group' ? candidate.kind : undefined;
    const cursor =
      kind && typeof candidate.cursor === 'string' && /^\d{1,9}$/.test(candidate.cursor) ? candidate.cursor : undefined;
    return { v: 1, type: 'reconcile', ...(kind ? { kind } : {}), ...(cursor ? { cursor } : {}) };
  }
  if (candidate.type !== 'sync' || !Array.isArray(candidate.entries) || candidate.entries.length > MAX_ENTRIES_PER_JOB)
    return undefined;
  const entries: SyncEntry[] = [];
  for (const entry of candidate.entries as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { key, version } = entry as Record<string, unknown>;
    if (
      typeof key !== 'string' ||
      !/^(User|Group|Permissions)\.[A-Za-z0-9._:-]{1,120}$/.test(key) ||
      typeof version !== 'number' ||
      !Number.isSafeInteger(version)
    )
      return undefined;
    entries.push({ key, version });
  }
  const lane = candidate.lane;
  if (lane !== undefined && (typeof lane !== 'number' || !Number.isInteger(lane) || lane < 0 || lane >= SYNC_LANES))
    return undefined;
  // Entries of a job pushed before lanes existed may belong to several lanes; they run in lane 0, as that job did.
  return lane === undefined ? { v: 1, type: 'sync', entries } : { v: 1, type: 'sync', entries, lane };
}

/** What a handler tells the queue: done, or retry after a delay (an upstream rate limit). */
export type JobOutcome = { readonly retryAfterSeconds: number } | undefined;

/** The job queue port: Forge async events in production, an in-process queue locally. */
export interface JobQueue {
  /** Enqueues jobs, optionally delayed (Forge allows 0..900 s). */
  push(jobs: readonly SyncJob[], options?: { delaySeconds?: number }): Promise<void>;
}
