/**
 * The local stand-in for Forge's runtime, as strict as Forge: the app's handlers run as invocations with Forge's
 * time, memory and outbound-request limits; its storage calls go through the embedded KVS with Forge's quotas;
 * its queue pushes through @forge/events' own validators and Forge's queue limits; every breach is recorded and,
 * in `enforce` mode, fails the call or invocation with the error Forge gives. The local host, the tests and the
 * benchmarks all run the app on it (src/local/local-host.ts, bench/forge-cycle.ts).
 */
import { ExternalEndpointNotAllowedError, type FetchMethod } from '@forge/api';
import type { TargetFetch, TargetFetchResponse } from '../../targets/http/target-fetch';
import { DEFAULT_LATENCY, NO_LATENCY, type InvocationKind, type LatencyModel } from './limits';
import type { ForgePlatformError } from './invocations';
import { Invocations, type InvocationStats, type RuntimeClock } from './invocations';
import {
  RuntimeEvents,
  type ConsumerHandler,
  type DeliveryOptions,
  type EventStats,
  type QueuePort,
} from './runtime-events';
import { ViolationLedger, type RuntimeMode, type Violation } from './violations';

/** Options of a runtime. */
export interface ForgeRuntimeOptions {
  /** `enforce` fails a breach as Forge would; `record` counts it and goes on. */
  readonly mode: RuntimeMode;
  /** The runtime's time: a VirtualClock in tests and benchmarks, the system clock on the local host. */
  readonly clock: RuntimeClock;
  /** Virtual milliseconds per platform call; DEFAULT_LATENCY on a virtual clock, none on the system clock. */
  readonly latency?: LatencyModel;
  /**
   * Whether KVS requests count toward the 100 outbound requests of an invocation. No document says; until a live
   * installation answers (the Diagnostics checks), they are counted, the stricter reading. A function is asked at
   * each storage request: the local host passes the stored Diagnostics verdict this way (src/diagnostics/verdicts.ts).
   */
  readonly storageCountsAsOutbound?: boolean | (() => boolean);
  /**
   * Test switch: whether `fetch` may reach a URL (Forge: the manifest's `permissions.external.fetch.backend`); a
   * refused call throws @forge/api's own ExternalEndpointNotAllowedError. Default: every URL is allowed.
   */
  readonly egressAllowed?: (url: string) => boolean;
  /** How deliveries model "at least once, in any order". */
  readonly delivery?: DeliveryOptions;
  /** Overrides of FORGE_LIMITS for the runtime's own tests. */
  readonly limits?: ConstructorParameters<typeof Invocations>[0]['limits'];
}

/** What a web trigger handler returns (@forge/api WebTriggerResponse). */
export interface WebTriggerResult {
  readonly statusCode: number;
  readonly headers: Record<string, string[]>;
  readonly body?: string;
}

/** Figures of a run. */
export interface RuntimeStats {
  readonly invocations: InvocationStats;
  readonly events: EventStats;
  readonly violations: number;
  readonly violationsByLimit: Record<string, number>;
}

/** A Response-like answer for a call over the outbound budget: what ECO-491 reports Forge's proxy answering. */
function fetchLimitResponse(): Response {
  return new Response('', {
    status: 429,
    statusText: 'Too Many Requests',
    headers: { 'forge-proxy-error': 'FETCH_LIMIT_EXCEEDED' },
  });
}

/** The platform's answer to a web trigger invocation it stopped or that failed (ECO-75: a timeout is 424). */
function platformWebTriggerResponse(platform: ForgePlatformError | undefined): WebTriggerResult {
  const status =
    platform?.code === 'FUNCTION_TIME_OUT' ? 424 : platform?.code === 'FUNCTION_PLATFORM_RATE_LIMITED' ? 429 : 500;
  return {
    statusCode: status,
    headers: { 'content-type': ['text/plain'] },
    body: platform ? platform.code : 'FUNCTION_ERROR',
  };
}

/** The system clock with timers that do not keep the process alive (a stopped host exits though events wait). */
export const systemRuntimeClock: RuntimeClock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise<void>((resolve) => {
      if (!(ms > 0)) return resolve();
      setTimeout(resolve, ms).unref();
    }),
};

/** One installation's runtime. */
export class ForgeRuntime {
  /** Every breach so far. */
  readonly violations = new ViolationLedger();
  readonly mode: RuntimeMode;
  private readonly invocations: Invocations;
  private readonly events: RuntimeEvents;

  constructor(private readonly options: ForgeRuntimeOptions) {
    this.mode = options.mode;
    const latency = options.latency ?? NO_LATENCY;
    this.invocations = new Invocations({
      clock: options.clock,
      mode: options.mode,
      latency,
      ledger: this.violations,
      storageCountsAsOutbound: options.storageCountsAsOutbound ?? true,
      ...(options.limits ? { limits: options.limits } : {}),
    });
    this.events = new RuntimeEvents(this.invocations, options.clock, latency, options.delivery);
  }

  /** A runtime on a virtual clock with the fixed latency model, for tests and benchmarks. */
  static virtual(
    clock: RuntimeClock,
    mode: RuntimeMode = 'enforce',
    latency: LatencyModel = DEFAULT_LATENCY,
  ): ForgeRuntime {
    return new ForgeRuntime({ clock, mode, latency });
  }

  /** The clock the app's own waits go through (rate-limit waits, backoff): a wait past an invocation's limit stops it. */
  get appClock(): RuntimeClock {
    return { now: () => this.options.clock.now(), sleep: (ms) => this.invocations.sleep(ms) };
  }

  /** The kind and label of the invocation the caller runs in, or undefined outside any (benchmarks attribute usage by it). */
  currentInvocation(): { readonly kind: string; readonly label: string | undefined } | undefined {
    const invocation = this.invocations.current();
    return invocation ? { kind: invocation.kind, label: invocation.label } : undefined;
  }

  /** The storage transport the @forge/kvs client runs on: each request is metered as a platform call. */
  storage(service: FetchMethod): FetchMethod {
    return async (url, init) => ((await this.invocations.admit('storage')) ? service(url, init) : fetchLimitResponse());
  }

  /**
   * The transport of the Atlassian and Google clients: each call is metered as an outbound request. A URL the
   * `egressAllowed` switch refuses throws the error @forge/api 8.3.0 defines for it (`REQUEST_EGRESS_ALLOWLIST_ERR`,
   * "URL not included in the external fetch backend permissions"); whether Forge's fetch throws it or answers 403
   * instead is not documented.
   */
  remote(fetch: TargetFetch): TargetFetch {
    return async (url, init): Promise<TargetFetchResponse> => {
      if (!(await this.invocations.admit('remote'))) return fetchLimitResponse();
      if (this.options.egressAllowed && !this.options.egressAllowed(url))
        throw new ExternalEndpointNotAllowedError(url);
      return fetch(url, init);
    };
  }

  /** The `Queue` of `queueKey`, as `new Queue({ key })` gives on Forge. */
  queue(queueKey: string): QueuePort {
    return this.events.queue(queueKey);
  }

  /** Registers the consumer function of `queueKey` with its `timeoutSeconds` (manifest.yml). */
  consume(queueKey: string, handler: ConsumerHandler, timeoutSeconds = 900): void {
    this.events.consume(queueKey, handler, timeoutSeconds);
  }

  /** Wraps a web trigger function: each call is one invocation; a stopped or failed one answers as the platform does. */
  webTrigger<R, C, W extends WebTriggerResult>(
    handler: (request: R, context: C) => Promise<W>,
  ): (request: R, context: C) => Promise<W | WebTriggerResult> {
    return async (request, context) => {
      const outcome = await this.invocations.run('webtrigger', () => handler(request, context), { label: 'scim' });
      return outcome.ok ? outcome.value : platformWebTriggerResponse(outcome.platform);
    };
  }

  /**
   * Runs one resolver call as an invocation; a failure rejects as the bridge's invoke would. `mode` overrides the
   * runtime's for this invocation (the local host runs the Diagnostics in `enforce`, because they observe Forge's
   * answers to a breach).
   */
  async resolver<T>(
    label: string,
    handler: () => Promise<T>,
    options: { readonly mode?: RuntimeMode } = {},
  ): Promise<T> {
    return this.settle('resolver', label, handler, options.mode);
  }

  /** Runs one scheduled trigger as an invocation. */
  async scheduled<T>(label: string, handler: () => Promise<T>): Promise<T> {
    return this.settle('scheduled', label, handler);
  }

  /** Resolves when no event waits or runs. */
  idle(): Promise<void> {
    return this.events.idle();
  }

  /** Stops delivering events, and refuses every later platform call of invocations still running. */
  stop(): void {
    this.events.stop();
    this.invocations.shutdown();
  }

  /** Figures so far. */
  stats(): RuntimeStats {
    return {
      invocations: this.invocations.stats(),
      events: this.events.stats(),
      violations: this.violations.total,
      violationsByLimit: this.violations.byLimit(),
    };
  }

  /** Calls `listener` with each later breach. */
  onViolation(listener: (violation: Violation) => void): void {
    this.violations.onViolation(listener);
  }

  /** Records a breach found outside the runtime's own checks (the KVS service's quotas), attributed to the current invocation. */
  report(violation: Omit<Violation, 'at' | 'invocation'>): void {
    this.invocations.breach(violation);
  }

  private async settle<T>(
    kind: InvocationKind,
    label: string,
    handler: () => Promise<T>,
    mode?: RuntimeMode,
  ): Promise<T> {
    const outcome = await this.invocations.run(kind, handler, { label, ...(mode ? { mode } : {}) });
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }
}
