/**
 * Failed SCIM authentications (a request answered 401), counted per clock hour so an admin sees an IdP with a stale
 * token or someone guessing. Storage stays cheap under a flood: failures are added up in memory and written at most
 * once per FLUSH_INTERVAL_MS per function instance, as one plain KVS key per hour (`auth-failures:<YYYY-MM-DDTHH>`:
 * count, last time, last source) that expires after two days; Forge's storage quotas (4,000 write units a minute,
 * DAC /limits-kvs-ce) are shared with the app's real work, and a write per failure would let a guesser spend them.
 *
 * What this costs in accuracy: the count of an hour is read, added to and written back, so two instances flushing the
 * same hour at once can lose one's share; and an instance that dies (or, on Forge, is never invoked again) with
 * failures not yet written loses those. The local host flushes on a timer as well. The source is the caller's
 * address where the platform gives one the app can trust: the local host's socket address. A Forge web trigger
 * request carries no client address of the platform's (DAC /events-reference/web-trigger: method, path, headers,
 * query, body), and a header the caller wrote is no evidence, so on Forge no source is recorded.
 */
import { WhereConditions } from '@forge/kvs';
import type { ForgeKvs } from '../storage/kvs-port';
import type { AuthFailureSummary } from '../shared/status-types';

/** Failures are written at most this often per instance. */
export const FLUSH_INTERVAL_MS = 10_000;
/** The prefix of the hourly keys. */
export const AUTH_FAILURE_PREFIX = 'auth-failures:';
const TTL = { value: 2, unit: 'DAYS' } as const;
const HOUR_MS = 3_600_000;
const MAX_SOURCE = 100;

/** One hour's failures as stored. */
export interface AuthFailureHour {
  readonly count: number;
  readonly lastAt: string;
  readonly lastSource?: string;
}

/** The admin page's data (src/shared/status-types.ts), re-exported for the modules that use it here. */
export type { AuthFailureSummary } from '../shared/status-types';

/** Options of the log. */
export interface AuthFailureLogOptions {
  readonly kvs: Pick<ForgeKvs, 'get' | 'set' | 'query'>;
  readonly now: () => Date;
  /** Whether callers pass a source address (the local host) or cannot (Forge). */
  readonly sourceKnown: boolean;
  /** Runs a flush later (the local host's timer); without it, pending failures wait for the next request. */
  readonly schedule?: (run: () => void, ms: number) => void;
  /** Where a failed flush is reported; the failures stay pending. */
  readonly onError?: (error: unknown) => void;
}

function hourOf(date: Date): string {
  return date.toISOString().slice(0, 13);
}

/** Counts failed authentications per hour, in memory first and in KVS at most every FLUSH_INTERVAL_MS. */
export class AuthFailureLog {
  private pending = new Map<string, AuthFailureHour>();
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private flushing: Promise<void> | undefined;
  private scheduled = false;

  constructor(private readonly options: AuthFailureLogOptions) {}

  /** Counts one failure from `source` (when known); writes at once when the last write is FLUSH_INTERVAL_MS old. */
  async record(source?: string): Promise<void> {
    const now = this.options.now();
    const hour = hourOf(now);
    const before = this.pending.get(hour);
    const trimmed = source?.slice(0, MAX_SOURCE);
    this.pending.set(hour, {
      count: (before?.count ?? 0) + 1,
      lastAt: now.toISOString(),
      ...(trimmed !== undefined
        ? { lastSource: trimmed }
        : before?.lastSource !== undefined
          ? { lastSource: before.lastSource }
          : {}),
    });
    await this.flushIfDue();
    if (this.pending.size > 0 && this.options.schedule && !this.scheduled) {
      this.scheduled = true;
      this.options.schedule(
        () => {
          this.scheduled = false;
          void this.flush().catch((error: unknown) => this.options.onError?.(error));
        },
        Math.max(0, this.lastFlushAt + FLUSH_INTERVAL_MS - now.getTime()),
      );
    }
  }

  /** Writes pending failures when the last write is FLUSH_INTERVAL_MS old; nothing to do costs nothing. */
  async flushIfDue(): Promise<void> {
    if (this.pending.size === 0 || this.options.now().getTime() - this.lastFlushAt < FLUSH_INTERVAL_MS) return;
    await this.flush().catch((error: unknown) => this.options.onError?.(error));
  }

  /** Writes pending failures now: one read and one write per hour they fall in. */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.lastFlushAt = this.options.now().getTime();
    this.flushing = (async () => {
      try {
        for (const [hour, counted] of batch) {
          const stored = await this.options.kvs.get<AuthFailureHour>(`${AUTH_FAILURE_PREFIX}${hour}`);
          await this.options.kvs.set(`${AUTH_FAILURE_PREFIX}${hour}`, merge(stored, counted), { ttl: TTL });
          batch.delete(hour);
        }
      } catch (error) {
        // Not lost: what was not written waits for the next flush.
        for (const [hour, counted] of batch) this.pending.set(hour, merge(this.pending.get(hour), counted));
        throw error;
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  /** The last 24 hours' failures: the stored hours plus what this instance has not written yet. */
  async summary(): Promise<AuthFailureSummary> {
    const now = this.options.now();
    const first = hourOf(new Date(now.getTime() - 23 * HOUR_MS));
    const hours = new Map<string, AuthFailureHour>();
    let cursor: string | undefined;
    do {
      let query = this.options.kvs.query().where('key', WhereConditions.beginsWith(AUTH_FAILURE_PREFIX)).limit(20);
      if (cursor) query = query.cursor(cursor);
      const page = await query.getMany<AuthFailureHour>();
      for (const entry of page.results) {
        const hour = entry.key.slice(AUTH_FAILURE_PREFIX.length);
        if (hour >= first) hours.set(hour, entry.value);
      }
      cursor = page.nextCursor;
    } while (cursor);
    for (const [hour, counted] of this.pending) if (hour >= first) hours.set(hour, merge(hours.get(hour), counted));
    const byHour = [...hours.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    const last = byHour
      .map(([, h]) => h)
      .reduce<AuthFailureHour | undefined>(
        (latest, h) => (latest === undefined || h.lastAt > latest.lastAt ? h : latest),
        undefined,
      );
    return {
      thisHour: hours.get(hourOf(now))?.count ?? 0,
      last24Hours: byHour.reduce((sum, [, h]) => sum + h.count, 0),
      byHour: byHour.map(([hour, h]) => ({ hour: `${hour}:00:00.000Z`, count: h.count })),
      ...(last ? { lastAt: last.lastAt } : {}),
      ...(last?.lastSource !== undefined ? { lastSource: last.lastSource } : {}),
      sourceKnown: this.options.sourceKnown,
    };
  }
}

function merge(stored: AuthFailureHour | undefined, added: AuthFailureHour): AuthFailureHour {
  if (stored === undefined) return added;
  const newer = added.lastAt >= stored.lastAt ? added : stored;
  const source = newer.lastSource ?? (newer === added ? stored.lastSource : added.lastSource);
  return {
    count: stored.count + added.count,
    lastAt: newer.lastAt,
    ...(source !== undefined ? { lastSource: source } : {}),
  };
}
