/**
 * The transport the target clients run on. `TargetFetch` is the call shape the global fetch and
 * `@forge/api`'s fetch share, so Forge passes its fetch, the local host the global one, and tests an
 * in-process adapter to the emulators. `TargetClock` is the emulators' `Clock` shape, so retries and
 * pacing wait on a virtual clock in tests.
 */
import type { RetryPolicy } from './retry-policy';

/** What a target client hands to fetch: always a method and headers, a string body when there is one. */
export interface TargetFetchInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Aborts the attempt when the per-request timeout expires. */
  readonly signal?: AbortSignal;
}

/** The part of a fetch response the clients read. */
export interface TargetFetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** A fetch function: the global fetch and Forge's fetch are both assignable to it. */
export type TargetFetch = (url: string, init: TargetFetchInit) => Promise<TargetFetchResponse>;

/** A source of time that can wait; the emulators' VirtualClock fits it. */
export interface TargetClock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves once `ms` milliseconds of this clock's time have passed. */
  sleep(ms: number): Promise<void>;
}

/** Wall time and real timers, for production. */
export const systemTargetClock: TargetClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** How a target client reaches its API: the options the Admin API and Bitbucket clients share. */
export interface TransportOptions {
  readonly fetch: TargetFetch;
  /** Defaults to the client's own base URL. */
  readonly baseUrl?: string;
  readonly clock?: TargetClock;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
  readonly retry?: Partial<RetryPolicy>;
  /** Requests in flight at once; default 2. */
  readonly maxConcurrency?: number;
}
