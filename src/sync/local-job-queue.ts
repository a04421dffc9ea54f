/**
 * The local host's job queue: in process, with Forge's delivery semantics made explicit so tests can
 * exercise them — at least once (failed or retried jobs come back), optionally duplicated and reordered.
 */
import type { JobOutcome, JobQueue, SyncJob } from './jobs';

/** Options of the local queue. */
export interface LocalJobQueueOptions {
  /** Jobs processed at once. */
  readonly concurrency?: number;
  /** Delivery attempts before a job is dropped (Forge keeps retrying for 24 h; locally a bound keeps tests finite). */
  readonly maxAttempts?: number;
  /** Probability that a delivered job is delivered a second time (Forge: "at least once"); 1 delivers every job twice. */
  readonly duplicateProbability?: number;
  /** Deliver in random order instead of arrival order (Forge: "in any order"). */
  readonly shuffle?: boolean;
  /** Random source in [0, 1), for reproducible tests. */
  readonly random?: () => number;
  /** Called when a job throws; the job is redelivered. */
  readonly onError?: (error: unknown, job: SyncJob) => void;
}

interface Pending {
  readonly job: SyncJob;
  readonly attempt: number;
  readonly notBefore: number;
  /** This delivery is itself a duplicate, which is not duplicated again. */
  readonly duplicate?: boolean;
}

/** An in-process queue that delivers jobs to one handler. */
export class LocalJobQueue implements JobQueue {
  private readonly pending: Pending[] = [];
  private inFlight = 0;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly random: () => number;
  /** Jobs delivered so far (duplicates included). */
  delivered = 0;
  /** Jobs given up after maxAttempts. */
  dropped = 0;

  constructor(
    private readonly handler: (job: SyncJob) => Promise<JobOutcome>,
    private readonly options: LocalJobQueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.maxAttempts = options.maxAttempts ?? 12;
    this.random = options.random ?? Math.random;
  }

  async push(jobs: readonly SyncJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    if (jobs.length > 50) throw new Error('Forge allows at most 50 events per push');
    const notBefore = Date.now() + (options.delaySeconds ?? 0) * 1000;
    for (const job of jobs) this.pending.push({ job, attempt: 1, notBefore });
    this.schedule((options.delaySeconds ?? 0) * 1000);
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops delivering; queued jobs are discarded (the outbox still holds their work). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending.length = 0;
    this.notifyIdle();
  }

  private schedule(delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.pump();
    }, Math.max(0, delayMs));
    this.timers.add(timer);
  }

  private pump(): void {
    while (!this.stopped && this.inFlight < this.concurrency) {
      const now = Date.now();
      const ready = this.pending.map((p, i) => ({ p, i })).filter(({ p }) => p.notBefore <= now);
      if (ready.length === 0) break;
      const pick = this.options.shuffle ? ready[Math.floor(this.random() * ready.length)] : ready[0];
      if (!pick) break;
      this.pending.splice(pick.i, 1);
      void this.run(pick.p);
    }
    const next = this.pending.reduce((min, p) => Math.min(min, p.notBefore), Number.POSITIVE_INFINITY);
    if (Number.isFinite(next) && this.inFlight < this.concurrency) this.schedule(next - Date.now());
    this.notifyIdle();
  }

  private async run(item: Pending): Promise<void> {
    this.inFlight += 1;
    this.delivered += 1;
    let retryAfterMs: number | undefined;
    try {
      const outcome = await this.handler(item.job);
      if (outcome) retryAfterMs = outcome.retryAfterSeconds * 1000;
      else if (!item.duplicate && this.random() < (this.options.duplicateProbability ?? 0)) this.pending.push({ job: item.job, attempt: item.attempt, notBefore: Date.now(), duplicate: true });
    } catch (error) {
      this.options.onError?.(error, item.job);
      retryAfterMs = Math.min(1000 * 2 ** (item.attempt - 1), 15_000);
    } finally {
      this.inFlight -= 1;
    }
    if (retryAfterMs !== undefined && !this.stopped) {
      if (item.attempt >= this.maxAttempts) this.dropped += 1;
      else this.pending.push({ job: item.job, attempt: item.attempt + 1, notBefore: Date.now() + retryAfterMs });
    }
    this.pump();
  }

  private notifyIdle(): void {
    if (this.pending.length === 0 && this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
