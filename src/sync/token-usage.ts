/**
 * How many Bitbucket requests permission sync made with the workspace admin's token in the last hour, per minute.
 * Bitbucket counts 1,000 requests a rolling hour per user (docs/notes/bitbucket-api.md section 4) and tells a Basic
 * credential nothing of what is left, so the app keeps count itself: each permission run adds its requests here (one
 * read and one write of a small value per run), and the access review's read gate (src/review/read-gate.ts) leaves
 * room for them. Member lookups by email, a request per 90 users, are not counted.
 */
import type { ForgeKvs } from '../storage/kvs-port';

/** The plain KVS key of the ledger. */
export const TOKEN_USAGE_KEY = 'bitbucket:token-usage:v1';

/** Requests per minute (`[minute since the epoch, count]`), oldest first, the last hour's only. */
export type UsageLedger = readonly (readonly [number, number])[];

function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000);
}

/** The ledger with `count` more requests at `now`, minutes older than an hour dropped. */
export function addUsage(ledger: UsageLedger, now: number, count: number): UsageLedger {
  const minute = minuteOf(now);
  const recent = ledger.filter(([m]) => m > minute - 60);
  if (count <= 0) return recent;
  const last = recent[recent.length - 1];
  if (last !== undefined && last[0] === minute) return [...recent.slice(0, -1), [minute, last[1] + count]];
  return [...recent, [minute, count]];
}

/** Requests of the ledger within the rolling hour before `now`. */
export function usageInLastHour(ledger: UsageLedger, now: number): number {
  const minute = minuteOf(now);
  return ledger.reduce((sum, [m, count]) => (m > minute - 60 ? sum + count : sum), 0);
}

/** The ledger in the app's key-value store. */
export class TokenUsage {
  constructor(
    private readonly kvs: Pick<ForgeKvs, 'get' | 'set'>,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Adds a permission run's requests (concurrent runs may lose a count; permission runs do not overlap). */
  async record(count: number): Promise<void> {
    if (count <= 0) return;
    const ledger = (await this.kvs.get<UsageLedger>(TOKEN_USAGE_KEY)) ?? [];
    await this.kvs.set(TOKEN_USAGE_KEY, addUsage(ledger, this.now(), count));
  }

  /** Requests in the rolling hour before now. */
  async lastHour(): Promise<number> {
    return usageInLastHour((await this.kvs.get<UsageLedger>(TOKEN_USAGE_KEY)) ?? [], this.now());
  }
}
