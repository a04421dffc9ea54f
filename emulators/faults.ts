/**
 * Fault injection and rate limiting for the emulators, configured per test and fully deterministic: rules
 * fire on chosen call numbers or with a seeded probability, and the rate limiter's window runs on the
 * injected clock.
 */
import type { Clock } from './virtual-clock';
import type { RandomSource } from './random';
import { seededRandom } from './random';

/** A fault an emulator can inject into one call. */
export type Fault =
  /** Answer with this status instead of handling the call; `retryAfterSeconds` feeds the rate-limit headers. */
  | { readonly kind: 'status'; readonly status: 429 | 500 | 502 | 503 | 504; readonly retryAfterSeconds?: number }
  /** Delay the call; `virtual` waits on the emulator's clock, `real` on node timers. */
  | { readonly kind: 'latency'; readonly ms: number; readonly timer?: 'virtual' | 'real' }
  /**
   * Drop the connection. `before-handling` loses the request; `after-handling` applies it and loses the
   * reply, the case where a client must find out by reading back.
   */
  | { readonly kind: 'drop'; readonly when?: 'before-handling' | 'after-handling' };

/** Which calls a rule applies to; every given field must match. */
export interface FaultMatch {
  /** Upper-case HTTP method. */
  readonly method?: string;
  /** The spec's path template, e.g. `/v2/orgs/{orgId}/directories/{directoryId}/groups`. */
  readonly pathTemplate?: string;
  /** Tested against the request path. */
  readonly path?: RegExp;
  /** Only writes (true) or only reads (false). */
  readonly mutating?: boolean;
}

/** A fault rule: what to inject, into which calls. */
export interface FaultRule {
  readonly fault: Fault;
  readonly match?: FaultMatch;
  /** 1-based numbers of the matching calls that get the fault (counted per rule); all when omitted. */
  readonly onCalls?: readonly number[];
  /** Chance per matching call, drawn from the injector's seeded generator. */
  readonly probability?: number;
  /** The rule retires after firing this many times. */
  readonly times?: number;
}

/** What the injector needs to know about a call. */
export interface FaultCall {
  readonly method: string;
  readonly path: string;
  readonly pathTemplate: string;
  readonly mutating: boolean;
}

interface RuleState {
  readonly rule: FaultRule;
  seen: number;
  fired: number;
}

/** Decides, call by call, which faults to inject; deterministic for a given seed and call sequence. */
export class FaultInjector {
  private readonly rules: RuleState[] = [];
  private random: RandomSource;

  constructor(options: { readonly seed?: number } = {}) {
    this.random = seededRandom(options.seed ?? 1);
  }

  /** Adds a rule; rules are consulted in the order they were added. */
  add(rule: FaultRule): this {
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new RangeError('probability must be between 0 and 1');
    }
    this.rules.push({ rule, seen: 0, fired: 0 });
    return this;
  }

  /** Removes every rule and, optionally, restarts the random sequence from a new seed. */
  clear(seed?: number): void {
    this.rules.length = 0;
    if (seed !== undefined) this.random = seededRandom(seed);
  }

  /** Returns the faults for one call: latencies first, then at most one drop or status. */
  plan(call: FaultCall): Fault[] {
    const latencies: Fault[] = [];
    let terminal: Fault | undefined;
    for (const state of this.rules) {
      const { rule } = state;
      if (!matches(rule.match, call)) continue;
      state.seen += 1;
      if (rule.times !== undefined && state.fired >= rule.times) continue;
      if (rule.onCalls !== undefined && !rule.onCalls.includes(state.seen)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (rule.fault.kind === 'latency') {
        state.fired += 1;
        latencies.push(rule.fault);
      } else if (terminal === undefined) {
        state.fired += 1;
        terminal = rule.fault;
      }
    }
    return terminal === undefined ? latencies : [...latencies, terminal];
  }
}

function matches(match: FaultMatch | undefined, call: FaultCall): boolean {
  if (match === undefined) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== call.method.toUpperCase()) return false;
  if (match.pathTemplate !== undefined && match.pathTemplate !== call.pathTemplate) return false;
  if (match.path !== undefined && !match.path.test(call.path)) return false;
  if (match.mutating !== undefined && match.mutating !== call.mutating) return false;
  return true;
}

/** Thrown by an emulator's handler when a fault drops the connection; the HTTP mount destroys the socket. */
export class DroppedConnectionError extends Error {
  /** Whether the emulator applied the request before the connection was lost. */
  readonly afterHandling: boolean;

  constructor(afterHandling: boolean) {
    super(
      afterHandling
        ? 'Connection dropped after the request was applied'
        : 'Connection dropped before the request was handled',
    );
    this.name = 'DroppedConnectionError';
    this.afterHandling = afterHandling;
  }
}

/** The limiter's answer for one request. */
export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  /** Requests left in the window after this one. */
  readonly remaining: number;
  /** Epoch milliseconds at which the oldest counted request leaves the window (a slot frees). */
  readonly resetAt: number;
}

/** Settings of a rolling-window limiter. */
export interface RollingWindowOptions {
  readonly limit: number;
  readonly windowMs: number;
  readonly clock: Clock;
}

/**
 * Counts requests per key over a rolling window, as Bitbucket documents for its API ("a one-hour rolling
 * window ... 1,000", support.atlassian.com/bitbucket-cloud/docs/api-request-limits/). A request counts
 * while now < its time + window; rejected requests are not counted (assumed).
 */
export class RollingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly clock: Clock;
  private readonly accepted = new Map<string, number[]>();

  constructor(options: RollingWindowOptions) {
    if (!(options.limit > 0) || !(options.windowMs > 0)) throw new RangeError('limit and windowMs must be positive');
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.clock = options.clock;
  }

  /** Counts one request for `key` if the window has room, and reports the state either way. */
  take(key: string): RateDecision {
    const now = this.clock.now();
    const times = this.prune(key, now);
    const allowed = times.length < this.limit;
    if (allowed) times.push(now);
    const oldest = times[0] ?? now;
    return {
      allowed,
      limit: this.limit,
      remaining: Math.max(0, this.limit - times.length),
      resetAt: oldest + this.windowMs,
    };
  }

  /** How many requests `key` has in the current window. */
  used(key: string): number {
    return this.prune(key, this.clock.now()).length;
  }

  /** Forgets every key. */
  reset(): void {
    this.accepted.clear();
  }

  private prune(key: string, now: number): number[] {
    let times = this.accepted.get(key);
    if (times === undefined) {
      times = [];
      this.accepted.set(key, times);
    }
    let expired = 0;
    while (expired < times.length && (times[expired] ?? 0) + this.windowMs <= now) expired++;
    if (expired > 0) times.splice(0, expired);
    return times;
  }
}
