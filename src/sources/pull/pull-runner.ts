/**
 * A pull as a sequence of bounded invocations (Forge: 100 outbound requests and 900 s each, docs/notes/forge-platform.md):
 * read the source page by page, then plan the users against the snapshot, write them, plan the groups and their
 * flattened memberships, write those, and finish. Each invocation does what its budget allows and saves where it
 * stopped; the next one resumes there. Nothing is planned, and so no one deactivated, before the reader said it read
 * every page of every selected source. Deactivations go through the circuit breaker first (PullGate): over its
 * limit, none is written and the breaker trips until an admin confirms. A preview runs the same reads and plan and
 * writes nothing but its summary.
 */
import { randomUUID } from 'node:crypto';
import { DirectoryError } from '../../directory/directory-store';
import { SnapshotCache } from './pull-apply';
import { applyPhase } from './apply-plan-phase';
import { finishPhase } from './finish-phase';
import { planGroupPhase } from './plan-groups-phase';
import { planUserPhase } from './plan-users-phase';
import { GROUP_PLAN_COST, loadCost, RESERVE, sourceOf, type InvocationContext } from './pull-invocation';
import { newPullRun, type PullRun, type PullRunnerDeps, type PullStepResult } from './pull-run';
import { RunStage } from './pull-stage';
import type { UserSnapshotEntry } from './pull-store';
import type { PullMode } from '../../shared/source-types';

/** The admin page's data (src/shared/source-types.ts), re-exported for the source's modules. */
export type { PullPhase, PullMode, PullSummary } from '../../shared/source-types';
/** The run record, the breaker's question, an invocation's result and the runner's needs (pull-run.ts), kept importable here. */
export type { PullRun, PullGate, PullStepResult, PullRunnerDeps } from './pull-run';

/** How long to wait before resuming after a failure of this kind, in seconds (Forge caps a delay at 900). */
function waitFor(error: unknown): number {
  if (error instanceof DirectoryError && error.kind === 'throttled') return error.retryAfterSeconds ?? 60;
  const kind = (error as { kind?: unknown }).kind;
  return kind === 'quota' || kind === 'transient' ? 60 : 900;
}

/** Runs pulls. */
export class PullRunner {
  private readonly now: () => Date;

  constructor(private readonly deps: PullRunnerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The run in progress, if any. */
  current(): Promise<PullRun | undefined> {
    return this.deps.pullStore.get<PullRun>('run');
  }

  /** Starts a run unless one is in progress; the run's id (the one in progress when busy) and whether it is new. */
  async start(
    mode: PullMode,
    trigger: string,
    config: string,
  ): Promise<{ readonly runId: string; readonly started: boolean }> {
    const existing = await this.current();
    if (existing !== undefined) return { runId: existing.id, started: false };
    const run = newPullRun(randomUUID().slice(0, 13), mode, trigger, config, this.now().toISOString());
    await this.deps.pullStore.set('run', run);
    return { runId: run.id, started: true };
  }

  /** Abandons the run in progress (a changed configuration makes it meaningless); nothing it read is kept. */
  async cancel(): Promise<void> {
    const run = await this.current();
    if (run === undefined) return;
    const stage = new RunStage(this.deps.pullStore, run.id, run.staged);
    for (const key of stage.keys()) await this.deps.pullStore.delete(key);
    await this.deps.pullStore.delete('run');
  }

  /** One invocation's worth of the run in progress. */
  async advance(): Promise<PullStepResult> {
    const { deps } = this;
    const { pullStore } = deps;
    const run = await this.current();
    if (run === undefined) return { state: 'idle' };
    run.invocations += 1;
    const context: InvocationContext = {
      stage: new RunStage(pullStore, run.id, run.staged),
      snapshot: new SnapshotCache(pullStore),
    };
    const writesBefore = run.counts.directoryWrites;
    let result: PullStepResult = { state: 'more' };
    try {
      while (deps.canCall(RESERVE)) {
        if (run.phase === 'read') {
          const read = await (
            await sourceOf(deps, context)
          ).read(run.cursor, context.stage, () => deps.canCall(RESERVE + 2));
          run.cursor = read.cursor;
          if (!read.done) break;
          run.phase = 'plan-users';
          delete run.error;
        } else if (run.phase === 'plan-users') {
          if (!deps.canCall(RESERVE + loadCost(run, context))) break;
          await planUserPhase(deps, run, context);
        } else if (run.phase === 'apply-users' || run.phase === 'apply-groups') {
          if (!(await applyPhase(deps, run, context))) break;
          await context.snapshot.save();
          // The users just written change what the groups' members are: their snapshot is read again.
          if (run.phase === 'apply-users' && run.counts.directoryWrites > writesBefore) delete context.users;
          run.phase = run.phase === 'apply-users' ? 'plan-groups' : 'finish';
          run.plan = { chunk: 0, op: 0 };
        } else if (run.phase === 'plan-groups') {
          if (!deps.canCall(RESERVE + GROUP_PLAN_COST + loadCost(run, context))) break;
          if (!(await planGroupPhase(deps, run, context))) break;
        } else {
          const summary = await finishPhase(deps, run, context.stage, this.now);
          if (summary === undefined) break;
          result = { state: 'done', summary };
          break;
        }
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      run.error = {
        kind: String((error as { kind?: unknown }).kind ?? 'error'),
        message,
        at: this.now().toISOString(),
      };
      result = { state: 'waiting', retryAfterSeconds: waitFor(error), error: message };
    }
    if (result.state !== 'done') {
      await context.stage.flush();
      await context.snapshot.save();
      run.updatedAt = this.now().toISOString();
      await pullStore.set('run', run);
    }
    if (run.counts.directoryWrites > writesBefore) await this.deps.afterWrites?.();
    return result;
  }
}

/** Reads the user snapshot entries of some source ids (tests). */
export type UserSnapshot = ReadonlyMap<string, UserSnapshotEntry>;
