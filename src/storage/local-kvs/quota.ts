/**
 * Forge's per-installation storage quotas, metered by the local storage service (DAC `/limits-kvs-ce`, "Operation
 * limits per installation"): 1,000 requests per second, and 4,000 read and 4,000 write requests per minute where a
 * request is counted once per started 10 KB of its size. DAC `/rest` ("Quotas and limits"): a request over a quota
 * answers 429 RATE_LIMIT_EXCEEDED. What one request costs is decided in request-cost.ts.
 *
 * Forge does not say how its windows are aligned. The meter uses sliding windows (any 1 s, any 60 s), which never
 * allow more than a fixed window would: a burst straddling a fixed window's boundary can pass there twice over, here
 * it cannot (assumption, the stricter reading). Time is the service's injected clock, so a virtual clock gives
 * virtual seconds and minutes.
 */
import { KvsErrorCode, KvsServiceError } from './errors';

/** The quota figures; the defaults are Forge's (FORGE_KVS_QUOTAS). */
export interface KvsQuotaLimits {
  /** Requests of any kind in any one second. */
  requestsPerSecond: number;
  /** Read units in any 60 seconds. */
  readUnitsPerMinute: number;
  /** Write units in any 60 seconds. */
  writeUnitsPerMinute: number;
  /** Bytes per unit: a request costs one unit per started `unitBytes`. */
  unitBytes: number;
}

/**
 * Forge's quotas per installation. "10KB" is taken as 10,000 bytes, not 10,240: the docs give no byte count, and the
 * smaller unit makes every request cost at least as much (assumption, the stricter reading).
 */
export const FORGE_KVS_QUOTAS: Readonly<KvsQuotaLimits> = Object.freeze({
  requestsPerSecond: 1000,
  readUnitsPerMinute: 4000,
  writeUnitsPerMinute: 4000,
  unitBytes: 10_000,
});

/** `enforce` refuses a request over a quota with 429 RATE_LIMIT_EXCEEDED; `record` applies it and reports it. */
export type KvsQuotaMode = 'enforce' | 'record';

/** The quota a request went over. */
export type KvsQuotaLimitName = 'kvs-requests-per-second' | 'kvs-read-units-per-minute' | 'kvs-write-units-per-minute';

/** One request over one quota, as reported to `onQuotaViolation`. */
export interface KvsQuotaViolation {
  /** Which quota. */
  limit: KvsQuotaLimitName;
  /** The service clock's time of the request, in milliseconds. */
  at: number;
  /** The window's total with this request included (requests, or units). */
  observed: number;
  /** The quota: the most the window may hold. */
  allowed: number;
  /** The storage endpoint, e.g. `/api/v1/entity/set`. */
  path: string;
}

/** Usage figures since the service started (or the last reset), for tests and benchmarks. */
export interface KvsQuotaSnapshot {
  /** Requests admitted (refused ones are not counted). */
  requests: number;
  /** Read units admitted. */
  readUnits: number;
  /** Write units admitted. */
  writeUnits: number;
  /** The most requests admitted within any one second. */
  peakRequestsPerSecond: number;
  /** The most read units admitted within any 60 seconds. */
  peakReadUnitsPerMinute: number;
  /** The most write units admitted within any 60 seconds. */
  peakWriteUnitsPerMinute: number;
  /** Quota breaches seen, in either mode (one request can breach several quotas). */
  violations: number;
  /** Requests refused with 429 (enforce mode only). */
  refused: number;
}

/** What one request costs; see request-cost.ts. */
export interface QuotaCost {
  /** Read units. */
  readUnits: number;
  /** Write units. */
  writeUnits: number;
}

/** How a meter is configured; `limits: false` measures usage without any quota. */
export interface QuotaMeterOptions {
  /** The quotas, or false to only measure. */
  limits: KvsQuotaLimits | false;
  /** What happens to a request over a quota. */
  mode: KvsQuotaMode;
  /** Called for every breach, in both modes, before the request is answered. */
  onViolation?: (violation: KvsQuotaViolation) => void;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * 1000;

/** Meters requests against the quotas; owned by one local storage service. */
export class KvsQuotaMeter {
  private readonly requests = new SlidingWindow(SECOND_MS);
  private readonly reads = new SlidingWindow(MINUTE_MS);
  private readonly writes = new SlidingWindow(MINUTE_MS);
  private violations = 0;
  private refused = 0;
  private latest = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: QuotaMeterOptions) {}

  /** The quotas in force, or undefined when the meter only measures. */
  get limits(): Readonly<KvsQuotaLimits> | undefined {
    return this.options.limits === false ? undefined : this.options.limits;
  }

  /** Bytes per unit, used to price requests (Forge's when the meter only measures). */
  get unitBytes(): number {
    return this.limits?.unitBytes ?? FORGE_KVS_QUOTAS.unitBytes;
  }

  /**
   * Admits one request to `path` costing `cost` at time `now`: counts it and returns undefined, or, in enforce mode
   * when it would take a window over its quota, counts nothing and returns the 429 error to answer with.
   */
  admit(path: string, cost: QuotaCost, now: number): KvsServiceError | undefined {
    // A clock that steps back is held at its latest reading, so windows only ever slide forward.
    this.latest = Math.max(this.latest, now);
    const at = this.latest;
    const breaches = this.breaches(path, cost, now, at);
    if (breaches.length > 0) {
      this.violations += breaches.length;
      breaches.forEach((violation) => this.options.onViolation?.(violation));
      if (this.options.mode === 'enforce') {
        this.refused += 1;
        return rateLimitError(breaches);
      }
    }
    this.requests.add(at, 1);
    this.reads.add(at, cost.readUnits);
    this.writes.add(at, cost.writeUnits);
    return undefined;
  }

  /** A copy of the usage figures. */
  snapshot(): KvsQuotaSnapshot {
    return {
      requests: this.requests.admitted,
      readUnits: this.reads.admitted,
      writeUnits: this.writes.admitted,
      peakRequestsPerSecond: this.requests.peak,
      peakReadUnitsPerMinute: this.reads.peak,
      peakWriteUnitsPerMinute: this.writes.peak,
      violations: this.violations,
      refused: this.refused,
    };
  }

  /** Empties the windows and sets every figure back to zero, e.g. between the phases of a benchmark. */
  reset(): void {
    this.requests.clear();
    this.reads.clear();
    this.writes.clear();
    this.violations = 0;
    this.refused = 0;
  }

  private breaches(path: string, cost: QuotaCost, now: number, at: number): KvsQuotaViolation[] {
    const limits = this.limits;
    if (limits === undefined) {
      return [];
    }
    const checks: Array<[KvsQuotaLimitName, SlidingWindow, number, number]> = [
      ['kvs-requests-per-second', this.requests, 1, limits.requestsPerSecond],
      ['kvs-read-units-per-minute', this.reads, cost.readUnits, limits.readUnitsPerMinute],
      ['kvs-write-units-per-minute', this.writes, cost.writeUnits, limits.writeUnitsPerMinute],
    ];
    const breaches: KvsQuotaViolation[] = [];
    for (const [limit, window, amount, allowed] of checks) {
      // A request that costs nothing of a kind is never refused because that kind's window is full.
      const observed = amount === 0 ? 0 : window.totalAt(at) + amount;
      if (observed > allowed) {
        breaches.push({ limit, at: now, observed, allowed, path });
      }
    }
    return breaches;
  }
}

// Forge documents no retry hint in the body, so none is given: code reading one would work here and not on Forge.
function rateLimitError(breaches: readonly KvsQuotaViolation[]): KvsServiceError {
  const detail = breaches.map((b) => `${b.limit}: ${b.observed} of ${b.allowed} allowed`).join('; ');
  return new KvsServiceError(KvsErrorCode.RATE_LIMIT_EXCEEDED, `Storage rate limit exceeded (${detail})`);
}

/**
 * Amounts added over time, summed over the last `spanMs` (an entry added at t counts while now - t < spanMs).
 * Amounts added at the same time share one entry, so memory is bounded by distinct clock readings in a window.
 */
class SlidingWindow {
  private times: number[] = [];
  private amounts: number[] = [];
  private head = 0;
  private total = 0;
  /** Everything ever added. */
  admitted = 0;
  /** The largest total the window has held. */
  peak = 0;

  constructor(private readonly spanMs: number) {}

  totalAt(now: number): number {
    this.evict(now);
    return this.total;
  }

  add(now: number, amount: number): void {
    if (amount === 0) {
      return;
    }
    this.evict(now);
    const last = this.times.length - 1;
    if (last >= this.head && this.times[last] === now) {
      this.amounts[last] = (this.amounts[last] ?? 0) + amount;
    } else {
      this.times.push(now);
      this.amounts.push(amount);
    }
    this.total += amount;
    this.admitted += amount;
    this.peak = Math.max(this.peak, this.total);
  }

  clear(): void {
    this.times = [];
    this.amounts = [];
    this.head = 0;
    this.total = 0;
    this.admitted = 0;
    this.peak = 0;
  }

  private evict(now: number): void {
    while (this.head < this.times.length && now - (this.times[this.head] ?? now) >= this.spanMs) {
      this.total -= this.amounts[this.head] ?? 0;
      this.head += 1;
    }
    // Drop the consumed prefix once it dominates, so the arrays stay proportional to the live entries.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.amounts = this.amounts.slice(this.head);
      this.head = 0;
    }
  }
}
