/**
 * Forge's async events (@forge/events) on the local runtime: a `Queue` look-alike whose pushes pass the genuine
 * client-side validators (50 events, 200 KB, delays) and then the platform's own checks (100 KB an event for a
 * long consumer, 500 events a minute, 1,000 pushes per originating invocation, DAC `/limits-async-events`), each
 * refused with the error class @forge/events raises; and the delivery side: each event runs its consumer as an
 * invocation of its own, `deliveryMs` after the push plus its delay, at least once and in any order, honouring
 * `concurrency` keys, an `InvocationError`'s `retryAfter`, and redelivering after a throw or a platform stop
 * until the 24-hour retention window runs out (DAC `/runtime-reference/async-events-api`).
 */
import { randomUUID } from 'node:crypto';
import {
  InvocationLimitReachedError,
  PayloadTooBigError,
  RateLimitError,
  TooManyEventsError,
  type PushEvent,
} from '@forge/events';
import { validatePushEvents } from '@forge/events/out/validators';
import { FORGE_LIMITS, type LatencyModel } from './limits';
import type { Invocations, RuntimeClock } from './invocations';
import type { LimitName } from './violations';

/** The part of @forge/events' `Queue` the app uses; ForgeJobQueue takes one. */
export interface QueuePort {
  push(events: PushEvent | PushEvent[]): Promise<{ jobId: string }>;
}

/** The event a consumer receives (@forge/events AsyncEvent). */
export interface DeliveredEvent {
  readonly body: Record<string, unknown>;
  readonly queueName: string;
  readonly jobId: string;
  readonly eventId: string;
  readonly delayInSeconds?: number;
  readonly concurrency?: { readonly key: string; readonly limit: number };
  readonly retryContext?: { readonly retryCount: number; readonly retryReason: string; readonly retryData: unknown };
}

/** A consumer function as the manifest names it: returns an InvocationError-shaped object to ask for a retry. */
export type ConsumerHandler = (event: DeliveredEvent) => Promise<unknown>;

/** Delivery options that model "at least once, in any order" more harshly than Forge usually is. */
export interface DeliveryOptions {
  /** Probability that a successfully handled event is delivered once more. */
  readonly duplicateProbability?: number;
  /** Deliver events that are due at the same instant in random order. */
  readonly shuffle?: boolean;
  /** Random source in [0, 1). */
  readonly random?: () => number;
  /**
   * Most events delivered at once. Forge has no such bound (only concurrency keys and the invocation rate), so it
   * is unbounded by default; the local host and the test harness set 1 until the app's jobs are safe under
   * parallel delivery (the Forge-fit issue), which is more forgiving than Forge and says so where it is set.
   */
  readonly maxParallel?: number;
  /** Accept pushes but deliver nothing (a benchmark of the SCIM path alone). */
  readonly paused?: boolean;
  /** Called when a delivery throws or is stopped by the platform (logging). */
  readonly onError?: (error: unknown, event: DeliveredEvent) => void;
}

interface PendingEvent {
  readonly event: DeliveredEvent;
  readonly originId: number;
  readonly enqueuedAt: number;
  attempt: number;
  platformRetries: number;
  /** This delivery is itself a duplicate, which is not duplicated again. */
  readonly duplicate?: boolean;
}

interface Consumer {
  readonly handler: ConsumerHandler;
  readonly timeoutSeconds: number;
}

/** Figures of the queue so far. */
export interface EventStats {
  readonly pushes: number;
  readonly eventsPushed: number;
  readonly deliveries: number;
  readonly redeliveries: number;
  readonly dropped: number;
  readonly largestPushKb: number;
  /** Most pushes descending from one originating invocation (Forge refuses the 1,001st: the cyclic limit). */
  readonly maxPushesPerOrigin: number;
}

function sizeKb(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value)) / 1024;
}

function isRetryRequest(
  value: unknown,
): value is { _retry: true; retryOptions: { retryAfter?: number; retryReason?: string; retryData?: unknown } } {
  return typeof value === 'object' && value !== null && (value as { _retry?: unknown })._retry === true;
}

/** Which limit a genuine client-side validation error stands for. */
function limitOf(error: unknown): LimitName {
  if (error instanceof TooManyEventsError) return 'push-events';
  if (error instanceof PayloadTooBigError) return 'push-payload';
  return 'push-invalid';
}

/** The events service of one installation, with its queues and their consumers. */
export class RuntimeEvents {
  private readonly consumers = new Map<string, Consumer>();
  private readonly ready: PendingEvent[] = [];
  private readonly held = new Map<string, PendingEvent[]>();
  private readonly runningByKey = new Map<string, number>();
  private readonly pushesByOrigin = new Map<number, number>();
  private readonly recentEvents: { at: number; count: number }[] = [];
  private scheduled = 0;
  private running = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private externalOrigin = -1;
  private counts = {
    pushes: 0,
    eventsPushed: 0,
    deliveries: 0,
    redeliveries: 0,
    dropped: 0,
    largestPushKb: 0,
    maxPushesPerOrigin: 0,
  };

  constructor(
    private readonly invocations: Invocations,
    private readonly clock: RuntimeClock,
    private readonly latency: LatencyModel,
    private readonly options: DeliveryOptions = {},
  ) {}

  /** Registers the consumer of `queueKey` (manifest `consumer` module) and its function's `timeoutSeconds`. */
  consume(queueKey: string, handler: ConsumerHandler, timeoutSeconds = 900): void {
    this.consumers.set(queueKey, { handler, timeoutSeconds });
  }

  /** A `Queue` for `queueKey`, as `new Queue({ key })` is on Forge. */
  queue(queueKey: string): QueuePort {
    return { push: (events) => this.push(queueKey, Array.isArray(events) ? events : [events]) };
  }

  /** Resolves when no event is waiting, held or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; waiting events are dropped (the app's outbox still holds their work). */
  stop(): void {
    this.stopped = true;
    this.ready.length = 0;
    this.held.clear();
    this.notifyIdle();
  }

  /** Figures so far. */
  stats(): EventStats {
    return { ...this.counts };
  }

  private async push(queueKey: string, events: PushEvent[]): Promise<{ jobId: string }> {
    await this.invocations.admit('push');
    const invocation = this.invocations.current();
    // The genuine client-side checks; in record mode a breach is counted and the push goes on.
    try {
      validatePushEvents(events);
    } catch (error) {
      const limit = limitOf(error);
      if (
        limit === 'push-invalid' ||
        this.invocations.breach({
          limit,
          observed: limit === 'push-events' ? events.length : Math.round(sizeKb(events)),
          allowed: limit === 'push-events' ? FORGE_LIMITS.eventsPerPush : FORGE_LIMITS.pushPayloadKb,
          detail: (error as Error).message,
        })
      )
        throw error;
    }
    const kb = sizeKb(events);
    this.counts.largestPushKb = Math.max(this.counts.largestPushKb, kb);
    const consumer = this.consumers.get(queueKey);
    if (consumer && consumer.timeoutSeconds > 55) {
      const largest = Math.max(...events.map((event) => sizeKb(event)));
      if (
        largest > FORGE_LIMITS.eventKbForLongConsumers &&
        this.invocations.breach({
          limit: 'event-payload',
          observed: Math.round(largest),
          allowed: FORGE_LIMITS.eventKbForLongConsumers,
          detail: `an event of ${largest.toFixed(1)} KB for a consumer with timeoutSeconds ${consumer.timeoutSeconds}`,
        })
      ) {
        throw new PayloadTooBigError(
          `Event payload exceeds ${FORGE_LIMITS.eventKbForLongConsumers} KB for consumers with a timeout over 55 seconds`,
        );
      }
    }
    const now = this.clock.now();
    while (this.recentEvents.length > 0 && (this.recentEvents[0]?.at ?? now) <= now - 60_000) this.recentEvents.shift();
    const lastMinute = this.recentEvents.reduce((sum, entry) => sum + entry.count, 0) + events.length;
    if (
      lastMinute > FORGE_LIMITS.eventsPerMinute &&
      this.invocations.breach({
        limit: 'events-per-minute',
        observed: lastMinute,
        allowed: FORGE_LIMITS.eventsPerMinute,
        detail: `${lastMinute} events pushed in the last 60 s`,
      })
    ) {
      throw new RateLimitError('Too many events pushed; try again in a minute');
    }
    const originId = invocation?.originId ?? this.externalOrigin--;
    const chain = (this.pushesByOrigin.get(originId) ?? 0) + 1;
    this.pushesByOrigin.set(originId, chain);
    this.counts.maxPushesPerOrigin = Math.max(this.counts.maxPushesPerOrigin, chain);
    if (
      chain > FORGE_LIMITS.pushesPerOriginatingInvocation &&
      this.invocations.breach({
        limit: 'cyclic-pushes',
        observed: chain,
        allowed: FORGE_LIMITS.pushesPerOriginatingInvocation,
        detail: `push number ${chain} descending from invocation ${originId}`,
      })
    ) {
      throw new InvocationLimitReachedError('The cyclic invocation limit was reached');
    }
    this.recentEvents.push({ at: now, count: events.length });
    this.counts.pushes += 1;
    this.counts.eventsPushed += events.length;
    const jobId = randomUUID();
    for (const pushed of events) {
      const event: DeliveredEvent = {
        body: pushed.body,
        queueName: queueKey,
        jobId,
        eventId: randomUUID(),
        ...(pushed.delayInSeconds !== undefined ? { delayInSeconds: pushed.delayInSeconds } : {}),
        ...(pushed.concurrency ? { concurrency: pushed.concurrency } : {}),
      };
      this.schedule(
        { event, originId, enqueuedAt: now, attempt: 1, platformRetries: 0 },
        this.latency.deliveryMs + (pushed.delayInSeconds ?? 0) * 1000,
      );
    }
    return { jobId };
  }

  private schedule(pending: PendingEvent, afterMs: number): void {
    if (this.options.paused) return;
    this.scheduled += 1;
    void this.clock.sleep(afterMs).then(() => {
      this.scheduled -= 1;
      if (this.stopped) return this.notifyIdle();
      this.ready.push(pending);
      // Events due at the same instant are all in `ready` before any is picked, so shuffling can reorder them.
      setImmediate(() => this.pump());
    });
  }

  private pump(): void {
    while (
      !this.stopped &&
      this.ready.length > 0 &&
      this.running < (this.options.maxParallel ?? Number.POSITIVE_INFINITY)
    ) {
      const index = this.options.shuffle ? Math.floor((this.options.random ?? Math.random)() * this.ready.length) : 0;
      const [pending] = this.ready.splice(index, 1);
      if (pending === undefined) break;
      const key = pending.event.concurrency?.key;
      if (key !== undefined && (this.runningByKey.get(key) ?? 0) >= (pending.event.concurrency?.limit ?? 1)) {
        const queue = this.held.get(key) ?? [];
        queue.push(pending);
        this.held.set(key, queue);
        continue;
      }
      void this.deliver(pending);
    }
    this.notifyIdle();
  }

  private async deliver(pending: PendingEvent): Promise<void> {
    const consumer = this.consumers.get(pending.event.queueName);
    const key = pending.event.concurrency?.key;
    if (key !== undefined) this.runningByKey.set(key, (this.runningByKey.get(key) ?? 0) + 1);
    this.running += 1;
    this.counts.deliveries += 1;
    if (pending.attempt > 1 || pending.platformRetries > 0) this.counts.redeliveries += 1;
    try {
      if (!consumer) throw new Error(`No consumer for queue ${pending.event.queueName}`);
      const outcome = await this.invocations.run('consumer', () => consumer.handler(pending.event), {
        originId: pending.originId,
        label: `${pending.event.queueName} ${String(pending.event.body.type ?? '')}`.trim(),
      });
      if (outcome.ok) this.settle(pending, outcome.value);
      else this.retry(pending, outcome.error, outcome.platform !== undefined);
    } finally {
      this.running -= 1;
      if (key !== undefined) this.release(key);
      if (this.ready.length > 0) setImmediate(() => this.pump());
      this.notifyIdle();
    }
  }

  private settle(pending: PendingEvent, value: unknown): void {
    if (isRetryRequest(value)) {
      const retryData = value.retryOptions.retryData;
      if (retryData !== undefined && Buffer.byteLength(JSON.stringify(retryData)) > FORGE_LIMITS.retryDataBytes) {
        this.invocations.breach({
          limit: 'retry-data',
          observed: Buffer.byteLength(JSON.stringify(retryData)),
          allowed: FORGE_LIMITS.retryDataBytes,
          detail: 'retryData over 4 KB',
        });
      }
      const seconds = Math.min(FORGE_LIMITS.maxDelaySeconds, Math.max(1, value.retryOptions.retryAfter ?? 1));
      this.again(pending, seconds * 1000, value.retryOptions.retryReason ?? 'FUNCTION_RETRY_REQUEST', retryData);
      return;
    }
    if (
      !this.stopped &&
      (this.options.duplicateProbability ?? 0) > 0 &&
      (this.options.random ?? Math.random)() < (this.options.duplicateProbability ?? 0) &&
      pending.duplicate !== true
    ) {
      this.schedule({ ...pending, duplicate: true }, this.latency.deliveryMs);
    }
  }

  private retry(pending: PendingEvent, error: unknown, platform: boolean): void {
    this.options.onError?.(error, pending.event);
    // A platform stop (time, memory, invocation rate) does not count as an app retry; Forge backs off up to 15 minutes.
    const attempt = platform ? pending.platformRetries + 1 : pending.attempt;
    const delayMs = Math.min(FORGE_LIMITS.maxDelaySeconds * 1000, 5000 * 2 ** Math.min(attempt - 1, 10));
    const reason = platform
      ? ((error as { code?: string }).code ?? 'FUNCTION_PLATFORM_UNKNOWN_ERROR')
      : 'FUNCTION_ERROR';
    if (platform) pending.platformRetries += 1;
    this.again(pending, delayMs, reason, undefined, !platform);
  }

  private again(
    pending: PendingEvent,
    delayMs: number,
    reason: string,
    retryData: unknown,
    countsAsRetry = true,
  ): void {
    if (this.stopped) return;
    const now = this.clock.now();
    if (now + delayMs - pending.enqueuedAt > FORGE_LIMITS.retentionSeconds * 1000) {
      this.counts.dropped += 1;
      this.invocations.breach({
        limit: 'event-dropped',
        detail: `event ${pending.event.eventId} (${String(pending.event.body.type ?? '')}) dropped after its 24-hour retention window`,
      });
      return;
    }
    const retryCount = pending.attempt + (countsAsRetry ? 0 : -1);
    const event: DeliveredEvent = {
      ...pending.event,
      retryContext: { retryCount: Math.max(1, retryCount), retryReason: reason, retryData },
    };
    this.schedule({ ...pending, event, attempt: countsAsRetry ? pending.attempt + 1 : pending.attempt }, delayMs);
  }

  private release(key: string): void {
    this.runningByKey.set(key, Math.max(0, (this.runningByKey.get(key) ?? 1) - 1));
    const queue = this.held.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.held.delete(key);
    // Held events are assumed to go as soon as a slot frees (Forge retries them with a backoff it does not document).
    if (next) {
      this.ready.push(next);
      setImmediate(() => this.pump());
    }
  }

  private isIdle(): boolean {
    return this.scheduled === 0 && this.running === 0 && this.ready.length === 0 && this.held.size === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
