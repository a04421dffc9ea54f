/**
 * Runs an access review in bounded, resumable steps. Each step (one scheduled invocation, src/forge/review-step.ts)
 * takes a lease, reads as many Bitbucket pages as the read gate allows (src/review/read-gate.ts) and the
 * invocation's budget leaves (src/sync/call-budget.ts: Forge's 100 outbound requests and its time limit), reads what
 * the app knows and the members of the granted groups through the Admin API, and saves the records it read with its
 * progress in one transaction. When everything is read, a step computes the review and stores it as a snapshot.
 */
import { randomUUID } from 'node:crypto';
import { budgetAllows as invocationAllows } from '../sync/call-budget';
import { permissionReserve, decideReads } from './read-gate';
import type { AppKnowledge } from './app-knowledge';
import { finishReview } from './finish-review';
import { readAppKnowledge, type GroupMembers } from './read-app-knowledge';
import { readBitbucketPage, type AccessPages } from './read-bitbucket-page';
import type { ReviewRecord } from './review-records';
import type { ReviewScope, RunState } from './review-run';
import { newRun } from './review-run';
import type { SnapshotMeta } from './review-snapshot';
import type { ReviewLog, ReviewStore } from './review-store';

/** What the runner needs. */
export interface ReviewRunnerDeps {
  readonly store: ReviewStore;
  readonly knowledge: AppKnowledge;
  /** The reader over the stored credentials; undefined while none are configured. */
  readonly bitbucket: () => Promise<AccessPages | undefined>;
  readonly admin: () => Promise<GroupMembers | undefined>;
  readonly now?: () => Date;
  /** Whether the invocation has `calls` outbound requests and `millis` left; default src/sync/call-budget.ts. */
  readonly budgetAllows?: (calls: number, millis?: number) => boolean;
  readonly newId?: () => string;
}

/** What a step did. */
export interface StepReport {
  readonly outcome: 'idle' | 'busy' | 'progressed' | 'finished' | 'failed';
  readonly run?: RunState;
  readonly snapshot?: SnapshotMeta;
  readonly bitbucketRequests: number;
}

/** Outbound requests a step keeps for its own bookkeeping (lease, run, the transaction that saves its reads). */
const BOOKKEEPING_CALLS = 10;
/** Time one Bitbucket page or Admin API call may take, as a step plans. */
const CALL_MILLIS = 20_000;
/** The lease outlives the longest step (a scheduled invocation may run 900 s). */
const LEASE_SECONDS = 900;

/** Runs reviews; one per installation. */
export class ReviewRunner {
  private readonly now: () => Date;
  private readonly allows: (calls: number, millis?: number) => boolean;

  constructor(private readonly deps: ReviewRunnerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.allows = deps.budgetAllows ?? invocationAllows;
  }

  /** Starts a review unless one is running (then that one is returned). */
  async start(scope: ReviewScope, startedBy?: string): Promise<RunState> {
    const current = await this.deps.store.run();
    if (current?.status === 'running') return current;
    const run = newRun(this.deps.newId?.() ?? randomUUID(), scope, this.now(), startedBy);
    await this.deps.store.saveRun(run);
    return run;
  }

  /** Stops the running review; what it read is dropped. */
  async cancel(): Promise<RunState | undefined> {
    const run = await this.deps.store.run();
    if (run?.status !== 'running') return run;
    const cancelled: RunState = { ...run, status: 'cancelled', finishedAt: this.now().toISOString() };
    await this.deps.store.saveRun(cancelled);
    for (const log of ['inputs', 'eff'] as const) await this.deps.store.deleteLog(run.id, log, run.logs[log]);
    return cancelled;
  }

  /**
   * One step of the running review (nothing when none runs or another step holds the lease). `callMillis` is the time
   * a call is assumed to take at most (a resolver's short budget passes less than a scheduled invocation's default).
   */
  async step(options: { readonly callMillis?: number } = {}): Promise<StepReport> {
    const callMillis = options.callMillis ?? CALL_MILLIS;
    const store = this.deps.store;
    if ((await store.lease(LEASE_SECONDS)) === undefined) return { outcome: 'busy', bitbucketRequests: 0 };
    try {
      let run = await store.run();
      if (run?.status !== 'running')
        return { outcome: 'idle', ...(run !== undefined ? { run } : {}), bitbucketRequests: 0 };
      const buffer: Record<ReviewLog, ReviewRecord[]> = { inputs: [], eff: [] };
      const before = run.counts.bitbucketRequests;
      run = { ...run, counts: { ...run.counts, steps: run.counts.steps + 1 } };
      run = await this.readBitbucket(run, buffer, callMillis);
      if (run.status === 'running') run = await this.readApp(run, buffer, callMillis);
      run = await store.append(run, buffer);
      const spent = run.counts.bitbucketRequests - before;
      if (run.status === 'failed') return { outcome: 'failed', run, bitbucketRequests: spent };
      if (
        run.bitbucket.phase === 'done' &&
        run.app.phase === 'done' &&
        this.allows(BOOKKEEPING_CALLS + run.logs.inputs.chunks + run.logs.eff.chunks + 4, callMillis)
      ) {
        const snapshot = await this.finish(run);
        return { outcome: 'finished', run: await store.run(), snapshot, bitbucketRequests: spent };
      }
      return { outcome: 'progressed', run, bitbucketRequests: spent };
    } finally {
      await store.release();
    }
  }

  private async readBitbucket(
    start: RunState,
    buffer: Record<ReviewLog, ReviewRecord[]>,
    callMillis: number,
  ): Promise<RunState> {
    let run = start;
    if (run.bitbucket.phase === 'done') return run;
    const permission = await this.deps.knowledge.permissions();
    const managed = {
      targets: Object.keys(permission.applied).length,
      grants: Object.values(permission.applied).reduce((sum, groups) => sum + Object.keys(groups).length, 0),
    };
    const reserve = permissionReserve(
      managed,
      run.targets.filter((t) => t.startsWith('r:')).length,
      run.targets.filter((t) => t.startsWith('p:')).length,
    );
    const gate = decideReads(run, permission, reserve, this.now().getTime());
    const { waiting: _previous, ...rest } = run;
    run = gate.waiting !== undefined ? { ...rest, waiting: gate.waiting } : rest;
    if (gate.allow === 0) return run;
    const reader = await this.deps.bitbucket();
    if (reader === undefined)
      return {
        ...rest,
        status: 'failed',
        finishedAt: this.now().toISOString(),
        error: 'No Bitbucket credentials are configured',
      };
    let allowance = gate.allow;
    while (
      allowance > 0 &&
      run.bitbucket.phase !== 'done' &&
      run.status === 'running' &&
      this.allows(BOOKKEEPING_CALLS + 1, callMillis)
    ) {
      allowance -= 1;
      run = await readBitbucketPage(run, reader, buffer, this.now);
      if (run.rateLimitedUntil !== undefined && Date.parse(run.rateLimitedUntil) > this.now().getTime()) break;
    }
    return run;
  }

  /** The app's links and the granted groups' members, within the step's budget. */
  private readApp(run: RunState, buffer: Record<ReviewLog, ReviewRecord[]>, callMillis: number): Promise<RunState> {
    return readAppKnowledge(run, buffer, {
      knowledge: this.deps.knowledge,
      admin: () => this.deps.admin(),
      room: (calls) => this.allows(BOOKKEEPING_CALLS + calls, callMillis),
    });
  }

  /** Computes the review from everything read, stores it as a snapshot and closes the run. */
  private finish(run: RunState): Promise<SnapshotMeta> {
    return finishReview(run, { store: this.deps.store, knowledge: this.deps.knowledge, now: this.now });
  }
}
