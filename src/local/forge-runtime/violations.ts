/**
 * Breaches of Forge's limits seen by the local runtime. In `enforce` mode a breach fails the call or invocation
 * as Forge would; in `record` mode it is only counted, and the call goes on. Either way it is recorded here, so a
 * test can fail on any breach and a benchmark can print them.
 */
import type { InvocationKind } from './limits';

/** How the runtime answers a breach. */
export type RuntimeMode = 'enforce' | 'record';

/** Every limit the runtime checks, by a stable name. */
export type LimitName =
  | 'invocation-time'
  | 'invocation-memory'
  | 'invocation-outbound-requests'
  | 'invocations-per-minute'
  | 'push-events'
  | 'push-payload'
  | 'push-invalid'
  | 'event-payload'
  | 'events-per-minute'
  | 'retry-data'
  | 'cyclic-pushes'
  | 'event-dropped'
  | 'kvs-requests-per-second'
  | 'kvs-read-units-per-minute'
  | 'kvs-write-units-per-minute';

/** One breach. */
export interface Violation {
  readonly limit: LimitName;
  /** Virtual time of the breach, milliseconds since the epoch. */
  readonly at: number;
  /** The invocation that caused it, when one did. */
  readonly invocation?: { readonly id: number; readonly kind: InvocationKind; readonly label?: string };
  /** What was seen against what is allowed, in the limit's own unit. */
  readonly observed?: number;
  readonly allowed?: number;
  readonly detail: string;
}

/** The breaches so far, counted by limit, with the first few of each kept whole. */
export class ViolationLedger {
  private readonly counts = new Map<LimitName, number>();
  private readonly samples: Violation[] = [];
  private readonly listeners: ((violation: Violation) => void)[] = [];

  constructor(private readonly samplesPerLimit = 5) {}

  /** Records a breach. */
  add(violation: Violation): void {
    const count = (this.counts.get(violation.limit) ?? 0) + 1;
    this.counts.set(violation.limit, count);
    if (count <= this.samplesPerLimit) this.samples.push(violation);
    for (const listener of this.listeners) listener(violation);
  }

  /** Calls `listener` with every later breach (a test that must fail on the first one). */
  onViolation(listener: (violation: Violation) => void): void {
    this.listeners.push(listener);
  }

  /** Breaches of every kind. */
  get total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }

  /** Breaches by limit. */
  byLimit(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The first breaches of each limit, in the order they happened. */
  examples(): readonly Violation[] {
    return this.samples;
  }

  /** Whether any breach of `limit` was recorded. */
  has(limit: LimitName): boolean {
    return (this.counts.get(limit) ?? 0) > 0;
  }

  /** One line per limit with its count and first example, for logs and benchmark output. */
  summary(): string[] {
    return [...this.counts.entries()].map(([limit, count]) => {
      const first = this.samples.find((v) => v.limit === limit);
      return `${limit}: ${count}${first ? ` (first: ${first.detail})` : ''}`;
    });
  }
}
