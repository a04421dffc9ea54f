/**
 * The drains' watermark (src/sync/dispatcher.ts drain): a plain KVS key saying which outbox entries drains have queued
 * already, so that a drain pushes only newer ones and work still on the queue is not delivered again. A sweep (a drain
 * from the start: after failures, deferrals, a spent lineage, a restart) ignores it and pushes every pending entry.
 */
import { createHash } from 'node:crypto';
import type { PendingChange } from '../directory/directory-store';
import type { ForgeKvs } from '../storage/kvs-port';

/** Plain KVS key holding the enqueue time of the newest entry a drain queued: later drains push only newer ones. */
const WATERMARK_KEY = 'dispatch:watermark';

/**
 * The watermark: drains push entries enqueued from `at` on, except those in `items`, which a drain queued already.
 * `at` lags the drain by WATERMARK_LAG_MS: a write stamps its outbox entry before it commits, so an entry can become
 * visible after a drain read past its time; the lag lets the next drain see it. An item is
 * `<milliseconds after at, base 36>.<digest of enqueuedAt|key@version>`, about 14 bytes: the entries of the lag
 * window spelled out (`<enqueuedAt>|<key>@<version>`, about 75 bytes each, the older `queued` field) made every
 * drain's write 3 or 4 units of 10 KB at 15 SCIM writes a second (bench:forge --slow), against 1 now.
 */
export interface Watermark {
  readonly at: string;
  readonly items?: readonly string[];
  /** The older form of `items` (whole names), still read so that a watermark an older version wrote is honoured. */
  readonly queued?: readonly string[];
}

/** How far the watermark lags a drain: longer than a write takes from stamping its outbox entry to committing it. */
const WATERMARK_LAG_MS = 60_000;
/** Most entries the watermark remembers as queued (about 14 bytes each, well under a KVS value's 240 KiB). */
const MAX_REMEMBERED = 2000;
/**
 * How long entries a drain queued are left to their jobs before any drain pushes them again: the watermark expires
 * then, and a sweep (a drain from the start: after failures, unleased entries, deferrals, a restart) pushes whatever
 * is still pending. Longer than a job runs (leases last 900 s; jobs end far sooner).
 */
const QUEUED_FOR_SECONDS = 600;

/** How the older form named an entry it remembers as queued; an entry enqueued again (a new time) is new work. */
function queuedItem(entry: PendingChange): string {
  return `${entry.enqueuedAt}|${entry.resourceKey}@${entry.version}`;
}

/**
 * 48 bits of SHA-256 of the entry's whole name: two of the at most MAX_REMEMBERED names the watermark holds share one
 * with odds of about 1 in 10^11, and a shared digest only holds an entry back until the next sweep pushes it.
 */
function digestOf(name: string): string {
  return createHash('sha256').update(name).digest('base64url').slice(0, 8);
}

/** The enqueue time (milliseconds) and digest an item of `mark` names. */
function parseItem(at: number, item: string): { readonly time: number; readonly digest: string } {
  const dot = item.indexOf('.');
  return { time: at + parseInt(item.slice(0, dot), 36), digest: item.slice(dot + 1) };
}

/** Where a drain starts: the outbox position to read after, and which entries there it queued already. */
export interface DrainStart {
  /** The stored watermark, none for a sweep or when it expired. */
  readonly mark: Watermark | undefined;
  /** The `enqueuedAt` to read after (DirectoryStore.pendingChanges); empty for the start of the outbox. */
  readonly after: string;
  /** Whether a drain queued `entry` already. */
  readonly queued: (entry: PendingChange) => boolean;
}

/** Reads where a drain starts; a sweep starts from the beginning of the outbox without reading the key. */
export async function drainStart(kvs: Pick<ForgeKvs, 'get'>, sweep: boolean): Promise<DrainStart> {
  const stored = sweep ? undefined : await kvs.get<Watermark>(WATERMARK_KEY);
  const mark =
    typeof stored === 'object' &&
    stored !== null &&
    typeof stored.at === 'string' &&
    (Array.isArray(stored.items) || Array.isArray(stored.queued))
      ? stored
      : undefined;
  // The time is part of the match: an entry enqueued again (a new time, perhaps the same version) is new work.
  const digests = new Set((mark?.items ?? []).map((item) => item.slice(item.indexOf('.') + 1)));
  const named = new Set(mark?.queued ?? []);
  return {
    mark,
    after: mark ? new Date(Date.parse(mark.at) - 1).toISOString() : '',
    queued: (entry) => digests.has(digestOf(queuedItem(entry))) || named.has(queuedItem(entry)),
  };
}

/**
 * Moves the watermark past `pending` (oldest first), the entries a drain started at `startedAt` has just pushed;
 * `more` says whether entries it did not push wait after them. Nothing to write when it pushed nothing.
 */
export async function advanceWatermark(
  kvs: Pick<ForgeKvs, 'set'>,
  start: DrainStart,
  pending: readonly PendingChange[],
  more: boolean,
  startedAt: number,
): Promise<void> {
  const newest = pending.at(-1)?.enqueuedAt;
  if (newest === undefined) return;
  // Everything before `at` was pushed (or was pushed before and is still pending: a sweep's to bring back).
  const lagged = new Date(startedAt - WATERMARK_LAG_MS).toISOString();
  const at = more ? newest : newest < lagged ? newest : lagged;
  const atMs = Date.parse(at);
  const markAt = start.mark ? Date.parse(start.mark.at) : atMs;
  const kept = [
    ...(start.mark?.items ?? []).map((item) => parseItem(markAt, item)),
    ...(start.mark?.queued ?? []).map((name) => ({
      time: Date.parse(name.slice(0, name.indexOf('|'))),
      digest: digestOf(name),
    })),
    ...pending.map((entry) => ({ time: Date.parse(entry.enqueuedAt), digest: digestOf(queuedItem(entry)) })),
  ]
    .filter((item) => item.time >= atMs)
    .slice(-MAX_REMEMBERED);
  const next: Watermark = { at, items: kept.map((item) => `${(item.time - atMs).toString(36)}.${item.digest}`) };
  await kvs.set(WATERMARK_KEY, next, { ttl: { value: QUEUED_FOR_SECONDS, unit: 'SECONDS' } });
}
