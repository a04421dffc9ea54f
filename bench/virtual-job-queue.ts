/**
 * The local job queue's delivery (one job at a time, delayed pushes, a rate-limited job back after the wait it
 * asks for, a failed one after a backoff) on a virtual clock instead of node timers, so that a benchmark can run
 * hours of Bitbucket rate limiting in seconds of wall time.
 */
import type { Clock } from '../emulators/virtual-clock';
import type { JobOutcome, JobQueue, SyncJob } from '../src/sync/jobs';

interface Pending {
  readonly job: SyncJob;
  readonly attempt: number;
  readonly notBefore: number;
}

/** An in-process JobQueue whose delays run on `clock`. */
export class VirtualJobQueue implements JobQueue {
  private readonly pending: Pending[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  /** Jobs delivered so far. */
  delivered = 0;
  /** Deliveries that threw (and were retried). */
  errors = 0;

  constructor(
    private readonly clock: Clock,
    private readonly handler: (job: SyncJob) => Promise<JobOutcome>,
    private readonly maxAttempts = 50,
  ) {}

  /** Enqueues jobs, each delivered once `delaySeconds` of virtual time have passed. */
  async push(jobs: readonly SyncJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    if (jobs.length > 50) throw new Error('Forge allows at most 50 events per push');
    const delayMs = (options.delaySeconds ?? 0) * 1000;
    for (const job of jobs) this.pending.push({ job, attempt: 1, notBefore: this.clock.now() + delayMs });
    this.wake(delayMs);
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending.length === 0 && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wake(afterMs: number): void {
    void this.clock.sleep(afterMs).then(() => this.pump());
  }

  private pump(): void {
    if (this.running) return;
    const now = this.clock.now();
    const index = this.pending.findIndex((p) => p.notBefore <= now);
    if (index === -1) {
      if (this.pending.length === 0) this.notifyIdle();
      return;
    }
    const [item] = this.pending.splice(index, 1);
    if (item !== undefined) void this.run(item);
  }

  private async run(item: Pending): Promise<void> {
    this.running = true;
    this.delivered += 1;
    let retryAfterMs: number | undefined;
    try {
      const outcome = await this.handler(item.job);
      if (outcome) retryAfterMs = outcome.retryAfterSeconds * 1000;
    } catch {
      this.errors += 1;
      retryAfterMs = Math.min(1000 * 2 ** (item.attempt - 1), 15_000);
    }
    this.running = false;
    if (retryAfterMs !== undefined && item.attempt < this.maxAttempts) {
      this.pending.push({ job: item.job, attempt: item.attempt + 1, notBefore: this.clock.now() + retryAfterMs });
      this.wake(retryAfterMs);
    }
    this.pump();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
