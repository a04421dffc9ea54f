/**
 * The deprovisioning circuit breaker. A misconfigured IdP assignment or a deleted group can deactivate most of
 * an organisation in minutes; the breaker lets deactivations through while they stay within a share of the
 * users per sliding window, and once a request would exceed it, lets through only what fits, trips, and pauses
 * every further deactivation until an admin confirms.
 *
 * The window counts deactivations in one-minute buckets, so the stored state is bounded (at most one bucket per
 * minute of the longest window, 1,440) whatever the number of users, at the price of minute granularity.
 */
import { randomUUID } from 'node:crypto';
import type { ForgeKvs } from '../storage/kvs-port';
import { MAX_BREAKER_WINDOW_MINUTES, type CircuitBreakerSettings, type SyncSettings } from './settings';
import { SyncError } from './sync-error';
import type { BreakerState } from '../shared/status-types';

/** The plain KVS key of the breaker's state. */
export const BREAKER_KEY = 'breaker:v1';
/** The plain KVS key of the lease that serialises read-modify-write cycles on the state. */
export const BREAKER_LEASE_KEY = 'breaker:v1:lease';

const MINUTE_MS = 60_000;

/** The admin page's data (src/shared/status-types.ts), re-exported for the modules that use it here. */
export type { DeactivationBucket, BreakerState } from '../shared/status-types';

/** The breaker's answer to a request for deactivations. */
export interface BreakerDecision {
  /** How many of the requested deactivations may run now (the first ones; the rest must wait). */
  readonly allowed: number;
  /** Whether deactivations are paused (already, or from this request on). */
  readonly tripped: boolean;
  readonly reason?: string;
}

/** A breaker that has never counted anything. */
export const initialBreakerState: BreakerState = { recent: [], tripped: false };

function minuteOf(now: Date): number {
  return Math.floor(now.getTime() / MINUTE_MS);
}

function countInWindow(state: BreakerState, now: Date, windowMinutes: number): number {
  const oldest = minuteOf(now) - windowMinutes;
  return state.recent.reduce((sum, bucket) => (bucket.minute > oldest ? sum + bucket.count : sum), 0);
}

/** The most deactivations one window may hold: the share of `totalUsers`, but never fewer than `minimumUsers`. */
export function deactivationLimit(settings: CircuitBreakerSettings, totalUsers: number): number {
  return Math.max(settings.minimumUsers, Math.floor(settings.maxDeactivationShare * Math.max(0, totalUsers)));
}

/**
 * Decides how many of `requestedDeactivations` may run at `now`. A tripped breaker allows none. Otherwise the
 * deactivations within the window plus the request may reach the limit; a request that goes past it gets only
 * what fits and trips the breaker, which gives the same result as the same deactivations requested one by one.
 */
export function evaluateBreaker(
  state: BreakerState,
  settings: Pick<SyncSettings, 'circuitBreaker'>,
  now: Date,
  totalUsers: number,
  requestedDeactivations: number,
): BreakerDecision {
  if (state.tripped) {
    return { allowed: 0, tripped: true, reason: state.reason ?? 'Deactivations are paused until an admin confirms' };
  }
  const requested = Math.max(0, Math.floor(requestedDeactivations));
  const breaker = settings.circuitBreaker;
  const limit = deactivationLimit(breaker, totalUsers);
  const recent = countInWindow(state, now, breaker.windowMinutes);
  const room = Math.max(0, limit - recent) + Math.max(0, state.allowance ?? 0);
  if (requested <= room) return { allowed: requested, tripped: false };
  const share = `${Math.round(breaker.maxDeactivationShare * 1000) / 10}%`;
  return {
    allowed: room,
    tripped: true,
    reason:
      `${recent + requested} deactivations within ${breaker.windowMinutes} minutes would exceed the limit of ${limit} ` +
      `(${share} of ${totalUsers} users, at least ${breaker.minimumUsers}); deactivations are paused until an admin confirms`,
  };
}

/** Adds `count` deactivations at `now` to the state and drops buckets older than the longest window. */
export function recordDeactivations(state: BreakerState, count: number, now: Date): BreakerState {
  const minute = minuteOf(now);
  const oldest = minute - MAX_BREAKER_WINDOW_MINUTES;
  const recent = state.recent.filter((bucket) => bucket.minute > oldest).map((bucket) => ({ ...bucket }));
  if (count > 0) {
    const last = recent[recent.length - 1];
    if (last !== undefined && last.minute === minute) recent[recent.length - 1] = { minute, count: last.count + count };
    else recent.push({ minute, count });
  }
  return { ...state, recent };
}

/** The `conflict` SyncError thrown when the breaker's lease stays taken by another run for longer than the store is willing to wait. */
export class BreakerBusyError extends SyncError {
  constructor() {
    super('conflict', 'The circuit breaker is busy in another sync run; try again');
    this.name = 'BreakerBusyError';
  }
}

/** Options of the breaker's store. */
export interface CircuitBreakerStoreOptions {
  readonly kvs: Pick<ForgeKvs, 'get' | 'set' | 'delete'>;
  readonly now?: () => Date;
  /** Waits between attempts to take the lease; injectable so tests need no real delays. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Attempts to take the lease before giving up with BreakerBusyError; default 50. */
  readonly maxAttempts?: number;
}

const LEASE_TTL_SECONDS = 30;

/**
 * The breaker's state in the app's key-value store. Sync runs can be concurrent, and plain keys have no
 * conditional writes, so every read-modify-write of the state holds a lease: a key written with
 * `FAIL_IF_EXISTS` and a TTL, so a crashed holder blocks others for at most LEASE_TTL_SECONDS.
 */
export class CircuitBreakerStore {
  private readonly kvs: Pick<ForgeKvs, 'get' | 'set' | 'delete'>;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;

  constructor(options: CircuitBreakerStoreOptions) {
    this.kvs = options.kvs;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxAttempts = options.maxAttempts ?? 50;
  }

  /** The current state (for the admin page's status). */
  async state(): Promise<BreakerState> {
    return (await this.kvs.get<BreakerState>(BREAKER_KEY)) ?? initialBreakerState;
  }

  /**
   * Asks to run `requested` deactivations: evaluates the breaker, counts the allowed ones and stores a trip.
   * Allowed deactivations are counted whether or not they later succeed, erring towards pausing early.
   */
  async admit(
    settings: Pick<SyncSettings, 'circuitBreaker'>,
    totalUsers: number,
    requested: number,
  ): Promise<BreakerDecision> {
    return this.withLease(async () => {
      const now = this.now();
      const state = await this.state();
      const decision = evaluateBreaker(state, settings, now, totalUsers, requested);
      if (decision.allowed === 0 && decision.tripped === state.tripped) return decision;
      // Confirmed deactivations are spent first, so they never count against the window's own limit.
      const spent = Math.min(state.allowance ?? 0, decision.allowed);
      let next = recordDeactivations(state, decision.allowed - spent, now);
      if (state.allowance !== undefined) next = { ...next, allowance: state.allowance - spent };
      if (decision.tripped && !state.tripped) {
        next = {
          ...next,
          tripped: true,
          trippedAt: now.toISOString(),
          ...(decision.reason === undefined ? {} : { reason: decision.reason }),
        };
      }
      await this.kvs.set(BREAKER_KEY, next);
      return decision;
    });
  }

  /**
   * Trips the breaker without counting anything: a pull source that would deactivate more users at once than the
   * window allows (src/sources/pull) holds all of them and asks an admin first, rather than letting the share through.
   * An already tripped breaker keeps its first reason.
   */
  async trip(reason: string): Promise<BreakerState> {
    return this.withLease(async () => {
      const state = await this.state();
      if (state.tripped) return state;
      const next: BreakerState = { ...state, tripped: true, trippedAt: this.now().toISOString(), reason };
      await this.kvs.set(BREAKER_KEY, next);
      return next;
    });
  }

  /**
   * The admin's confirmation: resumes deactivations and starts a fresh window; the `waiting` deactivations the
   * admin saw paused are allowed on top of the window's limit, so confirming them does not trip the breaker again.
   */
  async confirm(waiting = 0): Promise<BreakerState> {
    return this.withLease(async () => {
      const next: BreakerState =
        waiting > 0 ? { ...initialBreakerState, allowance: Math.floor(waiting) } : initialBreakerState;
      await this.kvs.set(BREAKER_KEY, next);
      return next;
    });
  }

  private async withLease<T>(work: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.kvs.set(
          BREAKER_LEASE_KEY,
          { owner },
          { keyPolicy: 'FAIL_IF_EXISTS', ttl: { value: LEASE_TTL_SECONDS, unit: 'SECONDS' } },
        );
        break;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'KEY_CONFLICT') throw error;
        if (attempt >= this.maxAttempts) throw new BreakerBusyError();
        await this.sleep(Math.min(1000, 20 * attempt));
      }
    }
    try {
      return await work();
    } finally {
      // Unconditional: plain keys cannot be deleted on a condition. The work takes far less than the lease's TTL,
      // so the lease deleted here is, in practice, always our own.
      await this.kvs.delete(BREAKER_LEASE_KEY);
    }
  }
}
