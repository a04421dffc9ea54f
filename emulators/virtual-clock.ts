/**
 * Time for the emulators and for anything tested against them. Rate-limit windows of an hour must run in
 * milliseconds of test time, so every component takes a Clock instead of calling Date.now or setTimeout.
 */

/** A source of time that can also wait; injected wherever Date.now or setTimeout would be used. */
export interface Clock {
  /** Milliseconds since the Unix epoch, as Date.now() would answer. */
  now(): number;
  /** Resolves once `ms` milliseconds of this clock's time have passed. */
  sleep(ms: number): Promise<void>;
}

/** The real clock: wall time and real timers, for the local host. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** Options of a VirtualClock. */
export interface VirtualClockOptions {
  /** Start time; defaults to 2026-09-01T00:00:00Z so that seeded timestamps are stable across runs. */
  readonly start?: number | Date;
  /** When true, a pending sleep is completed by jumping time forward as soon as the event loop is idle. */
  readonly autoAdvance?: boolean;
}

interface PendingTimer {
  readonly at: number;
  readonly order: number;
  readonly resolve: () => void;
}

/** The default start of a virtual clock. */
export const VIRTUAL_EPOCH = Date.UTC(2026, 8, 1, 0, 0, 0);

/** Lets already-resolved promise chains and setImmediate callbacks run before time moves again. */
function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock that moves only when told to (advance) or, in auto-advance mode, whenever everything else is
 * waiting on it. Sleepers wake in deadline order, each seeing now() equal to its own deadline.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly timers: PendingTimer[] = [];
  private order = 0;
  private auto: boolean;
  private autoPending = false;

  constructor(options: VirtualClockOptions = {}) {
    const start = options.start ?? VIRTUAL_EPOCH;
    this.current = typeof start === 'number' ? start : start.getTime();
    this.auto = options.autoAdvance ?? false;
  }

  /** Current virtual time in epoch milliseconds. */
  now(): number {
    return this.current;
  }

  /** Resolves when virtual time reaches now() + ms; a zero or negative wait resolves on the next tick. */
  sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.timers.push({ at: this.current + ms, order: this.order++, resolve });
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      this.scheduleAuto();
    });
  }

  /** Moves time forward by `ms`, waking due sleepers one by one; await it so woken code runs in order. */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError('A clock cannot go backwards');
    const target = this.current + ms;
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.at > target) break;
      this.timers.shift();
      this.current = Math.max(this.current, next.at);
      next.resolve();
      await yieldToEventLoop();
    }
    this.current = target;
    await yieldToEventLoop();
  }

  /** Jumps to the earliest pending deadline and wakes it; false when nothing is waiting. */
  async advanceToNextTimer(): Promise<boolean> {
    const next = this.timers[0];
    if (next === undefined) return false;
    await this.advance(next.at - this.current);
    return true;
  }

  /** How many sleeps are waiting for time to move. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Switches auto-advance on or off. */
  setAutoAdvance(enabled: boolean): void {
    this.auto = enabled;
    this.scheduleAuto();
  }

  private scheduleAuto(): void {
    if (!this.auto || this.autoPending || this.timers.length === 0) return;
    this.autoPending = true;
    // setImmediate, not a microtask: other work started in the same turn must get the chance to register
    // an earlier deadline before time jumps.
    setImmediate(() => {
      this.autoPending = false;
      if (!this.auto) return;
      void this.advanceToNextTimer().then(() => this.scheduleAuto());
    });
  }
}
