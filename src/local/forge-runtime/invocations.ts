/**
 * Invocations as Forge runs them: each handler call is one invocation with its own time limit, outbound request
 * budget and memory, and the platform calls it makes (storage, fetch, queue pushes) find it through an
 * AsyncLocalStorage context, so the app's code needs no runtime parameter. Time is the runtime's clock (virtual in
 * tests and benchmarks): every platform call costs its modelled latency, and an invocation that passes its limit
 * is stopped at the first platform call or app-clock wait that passes it, its later calls refused.
 *
 * Memory is sampled, not isolated: at every platform call and at the end the V8 heap in use is compared with its
 * value when the invocation started. Garbage of other invocations running at the same time is counted too, so the
 * figure is an upper bound; a breach is seen at the next platform call, not at the allocation itself.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { FORGE_LIMITS, type InvocationKind, type LatencyModel } from './limits';
import type { RuntimeMode, Violation, ViolationLedger } from './violations';

/** The error codes Forge reports for invocations it stopped (@forge/events InvocationErrorCode), and the local runtime's own shutdown. */
export type PlatformFailureCode =
  'FUNCTION_TIME_OUT' | 'FUNCTION_OUT_OF_MEMORY' | 'FUNCTION_PLATFORM_RATE_LIMITED' | 'RUNTIME_STOPPED';

/** The platform stopped an invocation, or refused a call of one it had stopped. */
export class ForgePlatformError extends Error {
  constructor(
    readonly code: PlatformFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'ForgePlatformError';
  }
}

/** A clock the runtime reads and waits on (the emulators' Clock and VirtualClock fit it). */
export interface RuntimeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** One running invocation. */
export interface Invocation {
  readonly id: number;
  readonly kind: InvocationKind;
  readonly label: string | undefined;
  /** The invocation this one descends from through queue pushes (itself for an original invocation). */
  readonly originId: number;
  readonly startedAt: number;
  readonly limitMs: number;
  outboundRequests: number;
  storageRequests: number;
  remoteRequests: number;
  pushes: number;
  heapAtStart: number;
  peakHeapDelta: number;
  /** How this invocation answers a breach: the runtime's mode, unless the call that started it chose one. */
  readonly mode: RuntimeMode;
  /** Set once the platform stopped it; every later platform call is refused with this failure. */
  failure: ForgePlatformError | undefined;
  /** Limits already reported for this invocation (each is reported once). */
  readonly reported: Set<string>;
}

/** What came of one invocation. */
export type InvocationOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly invocation: Invocation }
  | {
      readonly ok: false;
      readonly error: unknown;
      readonly platform: ForgePlatformError | undefined;
      readonly invocation: Invocation;
    };

/** Figures over all invocations so far. */
export interface InvocationStats {
  readonly invocations: Record<InvocationKind, number>;
  /** Longest run time of any invocation over its kind's limit. */
  readonly maxInvocationFraction: number;
  /** The kind and label of that invocation. */
  readonly longest: string | undefined;
  /** Largest heap growth seen inside one invocation, in bytes. */
  readonly peakHeapDeltaBytes: number;
  readonly maxOutboundRequests: number;
  readonly cutOff: number;
}

/** Options of the invocation layer. */
export interface InvocationsOptions {
  readonly clock: RuntimeClock;
  readonly mode: RuntimeMode;
  readonly latency: LatencyModel;
  readonly ledger: ViolationLedger;
  /**
   * Whether storage requests count toward the outbound budget (a live installation has not said; counted until it
   * does); a function is asked at each storage request, so a stored Diagnostics verdict can switch it.
   */
  readonly storageCountsAsOutbound: boolean | (() => boolean);
  /** Overrides of FORGE_LIMITS for the runtime's own tests. */
  readonly limits?: Partial<{
    outboundRequestsPerInvocation: number;
    memoryBytesPerInvocation: number;
    invocationsPerMinute: number;
  }>;
}

function heapInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Runs handlers as invocations and meters the platform calls they make. */
export class Invocations {
  private readonly context = new AsyncLocalStorage<Invocation>();
  private nextId = 1;
  private readonly counts: Record<InvocationKind, number> = { webtrigger: 0, resolver: 0, consumer: 0, scheduled: 0 };
  private maxFraction = 0;
  private longest: string | undefined;
  private peakHeapDelta = 0;
  private maxOutbound = 0;
  private cutOffs = 0;
  private minuteStart = Number.NEGATIVE_INFINITY;
  private minuteCount = 0;

  private stopped: ForgePlatformError | undefined;

  constructor(private readonly options: InvocationsOptions) {}

  /** Refuses every later platform call, so invocations still running end at their next call (the host is stopping). */
  shutdown(): void {
    this.stopped = new ForgePlatformError('RUNTIME_STOPPED', 'The local runtime is stopping');
  }

  /** The invocation the caller runs in, if any (set-up code of the local host runs outside any). */
  current(): Invocation | undefined {
    return this.context.getStore();
  }

  /** The limit in force for `name`. */
  limit(name: 'outboundRequestsPerInvocation' | 'memoryBytesPerInvocation' | 'invocationsPerMinute'): number {
    return this.options.limits?.[name] ?? FORGE_LIMITS[name];
  }

  /** Records a breach (attributed to the current invocation) and says whether the call must fail (enforce mode). */
  breach(violation: Omit<Violation, 'at' | 'invocation'>, invocation = this.current()): boolean {
    this.options.ledger.add({
      ...violation,
      at: this.options.clock.now(),
      ...(invocation
        ? {
            invocation: {
              id: invocation.id,
              kind: invocation.kind,
              ...(invocation.label ? { label: invocation.label } : {}),
            },
          }
        : {}),
    });
    return (invocation?.mode ?? this.options.mode) === 'enforce';
  }

  /**
   * Runs `handler` as one invocation of `kind`. The platform stops an invocation at the first platform call, or at
   * the end of a wait on the app clock, that would pass its time limit; in enforce mode every later call of it
   * fails, and so does the invocation, whatever the handler returns.
   */
  async run<T>(
    kind: InvocationKind,
    handler: () => Promise<T>,
    options: { readonly label?: string; readonly originId?: number; readonly mode?: RuntimeMode } = {},
  ): Promise<InvocationOutcome<T>> {
    const id = this.nextId++;
    const invocation: Invocation = {
      id,
      kind,
      label: options.label,
      originId: options.originId ?? id,
      startedAt: this.options.clock.now(),
      limitMs: FORGE_LIMITS.runtimeSeconds[kind] * 1000,
      mode: options.mode ?? this.options.mode,
      outboundRequests: 0,
      storageRequests: 0,
      remoteRequests: 0,
      pushes: 0,
      heapAtStart: heapInUse(),
      peakHeapDelta: 0,
      failure: undefined,
      reported: new Set(),
    };
    this.counts[kind] += 1;
    if (this.overInvocationRate(invocation)) {
      const failure = new ForgePlatformError(
        'FUNCTION_PLATFORM_RATE_LIMITED',
        `More than ${this.limit('invocationsPerMinute')} invocations in this minute`,
      );
      invocation.failure = failure;
      return { ok: false, error: failure, platform: failure, invocation };
    }
    return this.context.run(invocation, async (): Promise<InvocationOutcome<T>> => {
      try {
        const value = await handler();
        this.sampleHeap(invocation);
        this.checkTime(invocation);
        if (invocation.failure && invocation.mode === 'enforce')
          return { ok: false, error: invocation.failure, platform: invocation.failure, invocation };
        return { ok: true, value, invocation };
      } catch (error) {
        return { ok: false, error, platform: invocation.failure, invocation };
      } finally {
        this.finish(invocation);
      }
    });
  }

  /**
   * Waits `ms` on the runtime's clock for the app (rate-limit waits, backoff). Inside an invocation a wait that
   * would pass its time limit ends at the limit, where the platform stops the invocation.
   */
  async sleep(ms: number): Promise<void> {
    const invocation = this.current();
    if (!invocation) return this.options.clock.sleep(ms);
    if (invocation.failure) throw invocation.failure;
    const left = invocation.startedAt + invocation.limitMs - this.options.clock.now();
    if (ms <= left) return this.options.clock.sleep(ms);
    await this.options.clock.sleep(Math.max(0, left) + 1);
    this.checkTime(invocation);
    return this.options.clock.sleep(ms - left - 1);
  }

  /**
   * Admits one platform call of the current invocation: refuses it when the platform already stopped the
   * invocation, waits the call's modelled latency, checks time and memory, and counts it. Returns false when the
   * call must be answered as over the outbound budget (ECO-491).
   */
  async admit(call: 'storage' | 'remote' | 'push'): Promise<boolean> {
    const invocation = this.current();
    const latency =
      call === 'storage' ? this.options.latency.kvsMs : call === 'remote' ? this.options.latency.remoteMs : 0;
    if (this.stopped && invocation) throw this.stopped;
    if (!invocation) {
      await this.options.clock.sleep(latency);
      return true;
    }
    if (invocation.failure) throw invocation.failure;
    await this.options.clock.sleep(latency);
    if (invocation.failure) throw invocation.failure;
    this.checkTime(invocation);
    this.checkMemory(invocation);
    if (call === 'push') {
      invocation.pushes += 1;
      return true;
    }
    if (call === 'storage') invocation.storageRequests += 1;
    else invocation.remoteRequests += 1;
    if (call === 'storage' && !this.storageCounts()) return true;
    invocation.outboundRequests += 1;
    const allowed = this.limit('outboundRequestsPerInvocation');
    if (invocation.outboundRequests <= allowed) return true;
    const refuse = this.reportOnce(invocation, 'invocation-outbound-requests', {
      limit: 'invocation-outbound-requests',
      observed: invocation.outboundRequests,
      allowed,
      detail: `${invocation.kind}${invocation.label ? ` ${invocation.label}` : ''} made its outbound request number ${invocation.outboundRequests} (${call})`,
    });
    return !refuse;
  }

  private storageCounts(): boolean {
    const setting = this.options.storageCountsAsOutbound;
    return typeof setting === 'function' ? setting() : setting;
  }

  /** Stops the invocation (enforce) or records the breach (record) once its run time has passed its limit. */
  private checkTime(invocation: Invocation): void {
    const elapsed = this.options.clock.now() - invocation.startedAt;
    if (elapsed <= invocation.limitMs) return;
    const refuse = this.reportOnce(invocation, 'invocation-time', {
      limit: 'invocation-time',
      observed: elapsed / 1000,
      allowed: invocation.limitMs / 1000,
      detail: `${invocation.kind}${invocation.label ? ` ${invocation.label}` : ''} ran past its ${invocation.limitMs / 1000} s limit`,
    });
    if (!refuse) return;
    if (invocation.failure === undefined) {
      invocation.failure = new ForgePlatformError(
        'FUNCTION_TIME_OUT',
        `The ${invocation.kind} invocation ran past its ${invocation.limitMs / 1000} s limit`,
      );
      this.cutOffs += 1;
    }
    throw invocation.failure;
  }

  /** Figures over all invocations so far. */
  stats(): InvocationStats {
    return {
      invocations: { ...this.counts },
      maxInvocationFraction: this.maxFraction,
      longest: this.longest,
      peakHeapDeltaBytes: this.peakHeapDelta,
      maxOutboundRequests: this.maxOutbound,
      cutOff: this.cutOffs,
    };
  }

  private overInvocationRate(invocation: Invocation): boolean {
    const now = this.options.clock.now();
    // A fixed one-minute window, as DAC /limits-invocation says of user-led invocations.
    const minute = Math.floor(now / 60_000) * 60_000;
    if (minute !== this.minuteStart) {
      this.minuteStart = minute;
      this.minuteCount = 0;
    }
    this.minuteCount += 1;
    const allowed = this.limit('invocationsPerMinute');
    if (this.minuteCount <= allowed) return false;
    return this.breach(
      {
        limit: 'invocations-per-minute',
        observed: this.minuteCount,
        allowed,
        detail: `invocation number ${this.minuteCount} in the minute from ${new Date(minute).toISOString()}`,
      },
      invocation,
    );
  }

  /** Reports a limit once per invocation; true when the call must fail. */
  private reportOnce(invocation: Invocation, key: string, violation: Omit<Violation, 'at' | 'invocation'>): boolean {
    if (invocation.reported.has(key)) return invocation.mode === 'enforce';
    invocation.reported.add(key);
    return this.breach(violation, invocation);
  }

  private sampleHeap(invocation: Invocation): number {
    const delta = Math.max(0, heapInUse() - invocation.heapAtStart);
    if (delta > invocation.peakHeapDelta) invocation.peakHeapDelta = delta;
    return delta;
  }

  private checkMemory(invocation: Invocation): void {
    const delta = this.sampleHeap(invocation);
    const allowed = this.limit('memoryBytesPerInvocation');
    if (delta <= allowed) return;
    const refuse = this.reportOnce(invocation, 'invocation-memory', {
      limit: 'invocation-memory',
      observed: Math.round(delta / 1048576),
      allowed: Math.round(allowed / 1048576),
      detail: `${invocation.kind}${invocation.label ? ` ${invocation.label}` : ''} grew the heap by ${Math.round(delta / 1048576)} MB`,
    });
    if (!refuse) return;
    invocation.failure = new ForgePlatformError(
      'FUNCTION_OUT_OF_MEMORY',
      `The invocation used more than ${Math.round(allowed / 1048576)} MB`,
    );
    throw invocation.failure;
  }

  private finish(invocation: Invocation): void {
    const elapsed = this.options.clock.now() - invocation.startedAt;
    const fraction = elapsed / invocation.limitMs;
    if (fraction > this.maxFraction) {
      this.maxFraction = fraction;
      this.longest = `${invocation.kind}${invocation.label ? ` ${invocation.label}` : ''}`;
    }
    if (invocation.peakHeapDelta > this.peakHeapDelta) this.peakHeapDelta = invocation.peakHeapDelta;
    if (invocation.outboundRequests > this.maxOutbound) this.maxOutbound = invocation.outboundRequests;
  }
}
