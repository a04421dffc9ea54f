/**
 * Moves outbox entries onto the job queue in batches, and runs the jobs. A SCIM write "kicks" the dispatcher;
 * the first kick of a kick window schedules two drains, one soon and a trailing one when the window ends, and
 * further kicks in the window schedule nothing, so an IdP's burst of writes costs two queue events (well within
 * Forge's ~500 events a minute) and a write that lands after the first drain is still picked up by the second.
 * A drain pages through the outbox and pushes sync jobs of ENTRIES_PER_JOB entries, at most 50 jobs per push. A job
 * holds the entries of one lane (src/sync/jobs.ts laneOf), and the queue runs one job of a lane at a time, so
 * duplicated or overlapping deliveries never work on one resource at once.
 *
 * Forge allows 1,000 pushes among the invocations descending from one originating invocation, and a sync is a tree
 * of them: drains push jobs and the next drain, jobs push drains for what they left or enqueued, for deferred work
 * and for failures. So every job carries its lineage's budget of pushes (src/sync/lineage-budget.ts): a fresh origin
 * (an IdP write's kick, the scheduled reconcile and sync sweep, an admin's request) starts with ORIGIN_PUSH_BUDGET;
 * each push costs one and hands out only what is left. A drain gives half of what it has left to the next drain
 * while more entries wait (the chain that queues the backlog) and the other half to its jobs, or all of it to its
 * jobs when it queued everything; a job spends its share on its follow-ups. A redelivered job pushes nothing
 * (src/forge/sync-worker.ts), since its first delivery spent its share already. When a lineage has spent its budget,
 * its work waits in the outbox for the next origin: entries a job enqueued again are after the watermark, so any
 * drain takes them, and the sync sweep, every five minutes, pushes a drain with a fresh budget while work is
 * pending, and a sweep once no job or drain has finished for a while (resume).
 */
import { WhereConditions } from '@forge/kvs';
import type { DirectoryStore, PendingChange } from '../directory/directory-store';
import type { ForgeKvs } from '../storage/kvs-port';
import {
  budgetAllows,
  CONSUMER_BUDGET,
  storageUnitsSpent,
  withinBudget,
  type BudgetClock,
  type BudgetLimits,
} from './call-budget';
import { advanceWatermark, drainStart } from './drain-watermark';
import { FINISH_REFRESH_MS, LanePace, lastLaneJobAt } from './lane-pace';
import { budgetOf, ORIGIN_PUSH_BUDGET, spendInTurn, splitBudget, withBudget } from './lineage-budget';
import {
  entriesFitting,
  ENTRIES_PER_JOB,
  jobsFor,
  livePending,
  laneOf,
  parseSyncJob,
  PERMISSIONS_KEY,
  PERMISSIONS_LANE,
  SYNC_LANES,
  type JobOutcome,
  type JobQueue,
  type SyncJob,
} from './jobs';
import type { BatchReport } from './engine-ports';
import type { SyncEngine } from './sync-engine';

const KICK_KEY = 'dispatch:kick';
/**
 * Plain KVS keys with the time of the last finished batch and the last reconcile (ISO 8601), for the status page. A
 * paced job's finish is in its lane's allowance instead (src/sync/lane-pace.ts lastLaneJobAt).
 */
export const LAST_SYNC_KEY = 'status:last-sync';
/** See LAST_SYNC_KEY. */
export const LAST_RECONCILE_KEY = 'status:last-reconcile';
/** Keys of the per-resource leases older versions took (a lane replaces them); removed at a local start. */
const LEASE_PREFIX = 'lease:';
/** Plain KVS key holding when the one drain scheduled for deferred work fires (milliseconds since the epoch). */
const DEFERRED_DRAIN_KEY = 'dispatch:deferred';
const MAX_PUSH = 50;
/**
 * Entries one drain pushes at most: 100 jobs of ENTRIES_PER_JOB (100 events), read in 30 pages of 20, well inside
 * 100 outbound requests; one such drain every DRAIN_PACE_SECONDS is 400 events a minute, under Forge's 500.
 */
const MAX_DRAIN_ENTRIES = 100 * ENTRIES_PER_JOB;
/** Requests a drain keeps for its pushes (50 jobs each) and the watermark once it stops reading the outbox. */
const DRAIN_RESERVE_CALLS = 12;
/** Ids one reconcile step enqueues: 20 transactions of 25 outbox entries and a read or two of the roster. */
const RECONCILE_PAGE = 500;
/**
 * Pushes a reconcile step's drain may spend of the reconcile's lineage: its page's jobs (500 entries are about 84
 * jobs, two pushes) and one for a job's follow-up; the rest goes on to the next step, so one lineage reconciles some
 * 220 steps (110,000 users and groups) before the sync sweep takes over (resume).
 */
const RECONCILE_DRAIN_BUDGET = 3;
/**
 * Seconds before the next page of the same kind: a page is about 84 jobs (events), so one step every 20 s queues
 * about 250 events a minute, leaving half of Forge's 500 to the drains the IdP's writes start. Back to back, the steps
 * of a 10,000-user reconcile queued more than 500 events a minute (bench:forge: 145 breaches). Users and groups of
 * one page each are reconciled without waiting.
 */
const RECONCILE_STEP_SECONDS = 20;
/** Plain KVS key holding the next step (its job) of a reconcile whose lineage spent its budget, for the sync sweep. */
const RECONCILE_RESUME_KEY = 'dispatch:reconcile-resume';

/** Seconds between a drain that stopped at MAX_DRAIN_ENTRIES and the next, keeping under 500 events a minute. */
const DRAIN_PACE_SECONDS = 15;
/**
 * How long no job or drain may have finished, with work pending, before the sync sweep pushes a sweep rather than a
 * plain drain: the queue is then taken to hold nothing (a job runs at most 450 s, src/sync/call-budget.ts), so
 * pushing every pending entry again delivers nothing twice that is still queued, bar a job waiting out a retry.
 */
const QUIET_BEFORE_SWEEP_MS = 5 * 60_000;

/** Dispatcher options. */
export interface DispatcherOptions {
  /** Seconds during which further kicks are absorbed by the first. */
  readonly kickWindowSeconds?: number;
  /** Delay of the drain a kick schedules, so a burst of writes lands in one drain. */
  readonly drainDelaySeconds?: number;
  /** Called with each batch's report (status page, tests). */
  readonly onBatch?: (report: BatchReport) => void;
  /** Delay of the drain that retries a batch's failed resources (their outbox entries stay until they succeed). */
  readonly retryDelaySeconds?: number;
  /** The clock of the kick window (milliseconds since the epoch). */
  readonly now?: () => number;
  /** What one job may spend (default: Forge's 100 outbound requests and half a consumer's 900 s). */
  readonly budget?: BudgetLimits;
  /** The clock a job's budget measures and paces storage with (default: `now` and real timers). */
  readonly clock?: BudgetClock;
}

/** Drains the outbox into jobs and handles jobs. */
export class Dispatcher {
  constructor(
    private readonly store: DirectoryStore,
    private readonly kvs: ForgeKvs,
    private readonly queue: JobQueue,
    private readonly engine: Pick<SyncEngine, 'process'>,
    private readonly options: DispatcherOptions = {},
  ) {}

  /**
   * Schedules a drain soon and one at the end of the kick window, unless this window's first kick did already. The
   * two drains share `budget`, the pushes the kick's lineage may make: a fresh one for an IdP's write in a web
   * trigger, CHAINED_KICK_BUDGET for a write inside a queue consumer (src/sync/lineage-budget.ts).
   */
  async kick(budget = ORIGIN_PUSH_BUDGET): Promise<void> {
    // Two pushes, each drain with at least one of its own; with less the sync sweep takes the write.
    if (budget < 4) return;
    const windowSeconds = this.options.kickWindowSeconds ?? 10;
    const now = (this.options.now ?? Date.now)();
    // This instance scheduled the drains of the current window itself: its trailing drain covers this write,
    // so no storage call is needed.
    if (this.windowStartedAt !== undefined && now - this.windowStartedAt < windowSeconds * 1000) return;
    // A kick key older than its window no longer absorbs kicks.
    if (!(await this.claim(KICK_KEY, now, windowSeconds, (since) => now - since < windowSeconds * 1000))) return;
    const soon = this.options.drainDelaySeconds ?? 2;
    const [first = 0, trailing = 0] = splitBudget(budget - 2, 2);
    await this.queue.push([withBudget({ v: 1, type: 'drain' }, first)], { delaySeconds: soon });
    this.windowStartedAt = now;
    await this.queue.push([withBudget({ v: 1, type: 'drain' }, trailing)], {
      delaySeconds: Math.max(soon, windowSeconds) + 1,
    });
  }

  private windowStartedAt: number | undefined;

  /** Schedules a sweep now, whatever the kick window (an admin's retry, a restart): every pending entry is pushed. */
  async drainSoon(): Promise<void> {
    await this.queue.push([withBudget({ v: 1, type: 'drain', sweep: true }, ORIGIN_PUSH_BUDGET - 1)]);
  }

  /** Schedules a reconcile now (an admin's "sync now"). */
  async requestReconcile(): Promise<void> {
    await this.queue.push([withBudget({ v: 1, type: 'reconcile' }, ORIGIN_PUSH_BUDGET - 1)]);
  }

  /**
   * The sync sweep's step (a scheduled trigger, so a fresh origin): when outbox work is pending, pushes a drain with a
   * fresh lineage budget, which takes what a lineage that spent its budget left after the watermark; a sweep, which
   * pushes every pending entry again (failed and deferred ones behind the watermark too), only when no job or drain
   * has finished for QUIET_BEFORE_SWEEP_MS, so nothing is queued that it would deliver twice. A reconcile whose
   * lineage spent its budget goes on first, from the step it left (its step drains too). Says what it pushed.
   */
  async resume(): Promise<'nothing' | 'reconcile' | 'drain' | 'sweep'> {
    const step = parseSyncJob(await this.kvs.get(RECONCILE_RESUME_KEY));
    if (step?.type === 'reconcile') {
      await this.queue.push([withBudget(step, ORIGIN_PUSH_BUDGET - 1)]);
      await this.kvs.delete(RECONCILE_RESUME_KEY);
      return 'reconcile';
    }
    if ((await this.store.pendingChanges(1)).entries.length === 0) return 'nothing';
    const lanes = [...Array.from({ length: SYNC_LANES }, (_, lane) => `lane-${lane}`), 'drain'];
    const last = await lastLaneJobAt(this.kvs, lanes);
    // A lane's saved finish time may lag its last job's finish by FINISH_REFRESH_MS (src/sync/lane-pace.ts).
    const quiet =
      last === undefined || (this.options.now ?? Date.now)() - last >= QUIET_BEFORE_SWEEP_MS + FINISH_REFRESH_MS;
    const job: SyncJob = quiet ? { v: 1, type: 'drain', sweep: true } : { v: 1, type: 'drain' };
    await this.queue.push([withBudget(job, ORIGIN_PUSH_BUDGET - 1)]);
    return quiet ? 'sweep' : 'drain';
  }

  /**
   * Pushes pending outbox entries as sync jobs, at most MAX_DRAIN_ENTRIES, and schedules the next drain when more
   * are pending. A drain pushes only entries enqueued after those the last drains queued (the watermark,
   * src/sync/drain-watermark.ts), so work already on the queue is not delivered again; a sweep pushes every pending
   * entry. `budget` is the pushes the drain's lineage may still make (a direct call is an origin). Returns how many
   * entries it queued.
   */
  async drain(options: { readonly sweep?: boolean; readonly budget?: number } = {}): Promise<number> {
    const budget = options.budget ?? ORIGIN_PUSH_BUDGET;
    // A drain that may push nothing could queue nothing: what is pending waits for a fresh origin (resume).
    if (budget < 1) return 0;
    const startedAt = (this.options.now ?? Date.now)();
    const start = await drainStart(this.kvs, options.sweep === true);
    let cursor: string | undefined;
    const pending: PendingChange[] = [];
    let more = false;
    do {
      // A drain reads pages while its invocation has requests left for the pushes and the watermark after them.
      if (pending.length > 0 && !budgetAllows(DRAIN_RESERVE_CALLS)) {
        more = true;
        break;
      }
      const page = await this.store.pendingChanges(100, cursor, start.after);
      cursor = page.cursor;
      const fresh = page.entries.filter((e) => !start.queued(e));
      const last = pending.at(-1)?.enqueuedAt;
      // Past the cap only entries of the last one's instant are taken, so no instant is split between drains.
      const taken = pending.length < MAX_DRAIN_ENTRIES ? fresh : fresh.filter((e) => e.enqueuedAt === last);
      pending.push(...taken);
      if (taken.length < fresh.length) {
        more = true;
        break;
      }
      more = cursor !== undefined;
    } while (cursor);
    // Each push of MAX_PUSH jobs costs the lineage one (a job is about 1 KB, so a push never splits by size): past
    // what it can pay, keeping two for the next drain where it can, the drain takes fewer entries and leaves the rest.
    const reserve = budget >= 3 ? 2 : 0;
    if (Math.ceil(jobsFor(pending).length / MAX_PUSH) > budget - (more ? reserve : 0)) {
      const kept = entriesFitting(pending, (budget - reserve) * MAX_PUSH);
      if (kept < pending.length) more = true;
      pending.length = kept;
    }
    const jobs = jobsFor(pending);
    const jobPushes = Math.ceil(jobs.length / MAX_PUSH);
    // What is left goes half to the next drain while more entries wait, and the rest to the jobs, evenly.
    const left = budget - jobPushes;
    const nextBudget = more && left >= 2 ? left - 1 - Math.floor((left - 1) / 2) : 0;
    const shares = splitBudget(left - (nextBudget > 0 ? 1 + nextBudget : 0), jobs.length);
    const budgeted = jobs.map((job, i) => withBudget(job, shares[i] ?? 0));
    for (let i = 0; i < budgeted.length; i += MAX_PUSH) await this.queue.push(budgeted.slice(i, i + MAX_PUSH));
    await advanceWatermark(this.kvs, start, pending, more, startedAt);
    if (nextBudget > 0)
      await this.queue.push([withBudget({ v: 1, type: 'drain' }, nextBudget)], { delaySeconds: DRAIN_PACE_SECONDS });
    return pending.length;
  }

  /**
   * One step of the scheduled reconcile: enqueues a page of RECONCILE_PAGE users or groups (read as ids, not records)
   * and queues the next step, then drains; the last step enqueues the permissions and records the time. A step
   * spends about 25 of an invocation's 100 requests whatever the directory's size (it read the whole directory in
   * one invocation before: 10,000 users were some 470 requests). The steps are a chain on the reconcile's lineage
   * (`budget`, src/sync/lineage-budget.ts): the next step gets all but the push that queues it and what this step's
   * drain may spend; a step with too little for both leaves where it stopped for the sync sweep to go on (resume).
   * Returns how many entries the drain queued.
   */
  async reconcile(
    step: { readonly kind?: 'User' | 'Group'; readonly cursor?: string; readonly budget?: number } = {},
  ): Promise<number> {
    const budget = step.budget ?? ORIGIN_PUSH_BUDGET;
    const kind = step.kind ?? 'User';
    const page = await this.store.idPage(kind, RECONCILE_PAGE, step.cursor);
    await this.store.enqueue(page.ids.map((id) => `${kind}.${id}`));
    const next: SyncJob | undefined =
      page.cursor !== undefined
        ? { v: 1, type: 'reconcile', kind, cursor: page.cursor }
        : kind === 'User'
          ? { v: 1, type: 'reconcile', kind: 'Group' }
          : undefined;
    let drainBudget = budget;
    if (next) {
      const kept = Math.max(0, Math.min(RECONCILE_DRAIN_BUDGET, Math.floor((budget - 1) / 2)));
      if (budget - 1 - kept >= 1) {
        const delaySeconds = page.cursor !== undefined ? RECONCILE_STEP_SECONDS : 0;
        await this.queue.push([withBudget(next, budget - 1 - kept)], { delaySeconds });
        drainBudget = kept;
      } else if (budget >= 1) {
        // Too little to go on: the sync sweep pushes the next step from a fresh origin within the hour, after which
        // the next hourly reconcile starts again anyway.
        await this.kvs.set(RECONCILE_RESUME_KEY, next, { ttl: { value: 3600, unit: 'SECONDS' } });
      }
      // A step with no budget at all is a redelivery, whose first delivery went on, or an older version's step.
    } else {
      await this.store.enqueue([PERMISSIONS_KEY]);
      await this.kvs.set(LAST_RECONCILE_KEY, new Date().toISOString());
    }
    return this.drain({ budget: drainBudget });
  }

  /** Handles one delivered job within one invocation's budget; asks for a later retry when Atlassian rate-limited it. */
  async handle(job: SyncJob): Promise<JobOutcome> {
    const clock = this.options.clock ?? {
      now: this.options.now ?? Date.now,
      sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    };
    const budget = this.options.budget ?? CONSUMER_BUDGET;
    // A sync job whose entries are all done, or superseded by newer entries that jobs of their own do, ends after this
    // one read, without its lane's allowance and its save. Such jobs were over half of all sync jobs with --slow at
    // 1,000 users (a group re-enqueued by each user invited before it existed, bench:forge). The read is not charged to
    // the lane, like the allowance's own read; the engine takes its versions rather than reading them again.
    const pendingAt = job.type === 'sync' ? await this.store.pendingVersions(job.entries.map((e) => e.key)) : undefined;
    if (job.type === 'sync' && pendingAt && livePending(job.entries, pendingAt).length === 0) return;
    const pace = budget.kvsUnitsPerMinute ? new LanePace(this.kvs, budget.kvsUnitsPerMinute) : undefined;
    // Drains and reconciles share one concurrency key (src/forge/forge-job-queue.ts), and so one allowance.
    const lane = job.type === 'sync' ? `lane-${job.lane ?? 0}` : 'drain';
    const startedAt = clock.now();
    const allowance = pace ? await pace.take(lane, startedAt) : undefined;
    let used = { read: 0, write: 0 };
    try {
      return await withinBudget(
        budget,
        clock,
        async () => {
          try {
            return await this.handleJob(job, pace !== undefined, pendingAt);
          } finally {
            used = storageUnitsSpent();
          }
        },
        allowance,
      );
    } finally {
      if (pace && allowance) await pace.save(lane, startedAt, allowance, used, clock.now());
    }
  }

  private async handleJob(
    job: SyncJob,
    paced: boolean,
    pendingAt: ReadonlyMap<string, number> | undefined,
  ): Promise<JobOutcome> {
    const budget = budgetOf(job);
    if (job.type === 'drain') {
      await this.drain(job.sweep ? { sweep: true, budget } : { budget });
      return undefined;
    }
    if (job.type === 'reconcile') {
      await this.reconcile({ ...job, budget });
      return undefined;
    }
    // Only the job's own lane runs here; entries of other lanes (a job pushed without a lane) go back to the outbox,
    // so a drain queues them in their lanes.
    const lane = job.lane ?? 0;
    const mine = job.entries.filter((entry) => laneOf(entry.key) === lane);
    const others = job.entries.filter((entry) => laneOf(entry.key) !== lane).map((entry) => entry.key);
    const report = await this.engine.process(mine, pendingAt);
    this.options.onBatch?.(report);
    // A paced job's lane allowance, saved after every job, says when it finished (lastLaneJobAt, lane-pace.ts): the
    // status page reads that, and the job spends no write on LAST_SYNC_KEY.
    if (!paced) await this.kvs.set(LAST_SYNC_KEY, new Date().toISOString());
    // Entries the budget left behind are enqueued again (after the watermark), so the next drain takes them.
    const again = [...report.leftover, ...others];
    if (again.length > 0) await this.store.enqueue(again);
    // The follow-ups, in this order, as far as the job's share of its lineage's budget goes; what it cannot pay for
    // waits for the next origin (resume): entries enqueued again are after the watermark, failed and deferred ones
    // are behind it, for a sweep.
    const followUps: ((share: number) => Promise<boolean>)[] = [];
    if (report.enqueuedMore || again.length > 0)
      followUps.push(async (share) => {
        await this.queue.push([withBudget({ v: 1, type: 'drain' }, share)], { delaySeconds: 1 });
        return true;
      });
    const deferred = report.drainAfterSeconds;
    if (deferred !== undefined) followUps.push((share) => this.drainLater(Math.min(900, deferred), share));
    // Failed entries are behind the watermark: a sweep brings them back.
    if (report.failed > 0)
      followUps.push(async (share) => {
        await this.queue.push([withBudget({ v: 1, type: 'drain', sweep: true }, share)], {
          delaySeconds: this.options.retryDelaySeconds ?? 60,
        });
        return true;
      });
    await spendInTurn(budget, followUps);
    return report.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: Math.min(report.retryAfterSeconds, 900) }
      : undefined;
  }

  /**
   * Schedules the permission sync the engine deferred (waiting for quiet, for a rate limit, or for the groups a run
   * holds back, src/sync/permission-hold.ts) as a job of its own lane, unless one is already scheduled to fire by then:
   * many jobs meeting the same wait cost one push. A drain would reach its entry only behind every entry queued before
   * it (a sweep pages the outbox oldest first). A plain drain goes with it, for what the run waits for: group entries
   * that a job whose lineage could not pay for a drain enqueued again after the watermark. `budget` is what the job's
   * lineage may still push, split between the two, so a chain of waits halves it at every step and ends (the sync
   * sweep takes over). Says whether it pushed.
   */
  private async drainLater(delaySeconds: number, budget: number): Promise<boolean> {
    const now = (this.options.now ?? Date.now)();
    const fireAt = now + delaySeconds * 1000;
    // A run scheduled to fire by then covers this wait; one that has fired already does not.
    if (
      !(await this.claim(
        DEFERRED_DRAIN_KEY,
        fireAt,
        delaySeconds,
        (scheduled) => scheduled > now && scheduled <= fireAt,
      ))
    )
      return false;
    // The engine answers the Permissions entry pending when the job runs, whatever version this names.
    const job: SyncJob = {
      v: 1,
      type: 'sync',
      lane: PERMISSIONS_LANE,
      entries: [{ key: PERMISSIONS_KEY, version: 0 }],
    };
    const [own = 0, drain = 0] = splitBudget(budget, 2);
    const jobs = [withBudget(job, own), ...(drain > 0 ? [withBudget({ v: 1, type: 'drain' } as const, drain)] : [])];
    await this.queue.push(jobs, { delaySeconds });
    return true;
  }

  /**
   * Claims a plain key that stands for a scheduled drain: true when the caller should schedule one. The key is
   * written with FAIL_IF_EXISTS and a TTL; a key already there wins while `stillCovers` says its value does,
   * because storage may delete an expired key late.
   */
  private async claim(
    key: string,
    value: number,
    ttlSeconds: number,
    stillCovers: (existing: number) => boolean,
  ): Promise<boolean> {
    const ttl = { value: Math.max(1, ttlSeconds), unit: 'SECONDS' as const };
    try {
      await this.kvs.set(key, value, { keyPolicy: 'FAIL_IF_EXISTS', ttl });
      return true;
    } catch {
      const existing = await this.kvs.get<number>(key);
      if (typeof existing === 'number' && stillCovers(existing)) return false;
      await this.kvs.set(key, value, { ttl });
      return true;
    }
  }

  /** Removes every lease older versions left; only for a runtime that knows no job is running (the local host at start). */
  async releaseAllLeases(): Promise<number> {
    let released = 0;
    for (;;) {
      const page = await this.kvs.query().where('key', WhereConditions.beginsWith(LEASE_PREFIX)).limit(20).getMany();
      for (const { key } of page.results) await this.kvs.delete(key);
      released += page.results.length;
      if (page.results.length === 0 || !page.nextCursor) return released;
    }
  }
}
