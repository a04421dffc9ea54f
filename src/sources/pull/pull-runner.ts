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
import { applyOp, costOf, SnapshotCache } from './pull-apply';
import { describe, plannedCounts } from './planned-changes';
import { newPullRun, type PullRun, type PullRunnerDeps, type PullStepResult } from './pull-run';
import {
  holdDeactivations,
  planGroup,
  planGroupDelete,
  planUsers,
  type ExistingResource,
  type PullOp,
} from './pull-plan';
import type { PulledDirectory, PullReader } from './pull-reader';
import { RunStage } from './pull-stage';
import { batchedReads, bucketOf, USER_BUCKETS, type GroupSnapshotEntry, type UserSnapshotEntry } from './pull-store';
import type { PullMode, PullSummary } from '../../shared/source-types';

/** The admin page's data (src/shared/source-types.ts), re-exported for the source's modules. */
export type { PullPhase, PullMode, PullSummary } from '../../shared/source-types';

/** The run record, the breaker's question, an invocation's result and the runner's needs (pull-run.ts), kept importable here. */
export type { PullRun, PullGate, PullStepResult, PullRunnerDeps } from './pull-run';

/** Requests kept back for saving progress at the end of an invocation. */
const RESERVE = 14;
/** Most user snapshot buckets one invocation changes (each a write when it saves). */
const MAX_BUCKETS_PER_INVOCATION = 4;
/** Most directory resources read when matching the first pull against what SCIM left. */
const MAX_EXISTING = 200_000;

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
    const { pullStore } = this.deps;
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
      while (this.deps.canCall(RESERVE)) {
        if (run.phase === 'read') {
          const read = await (
            await this.source(context)
          ).read(run.cursor, context.stage, () => this.deps.canCall(RESERVE + 2));
          run.cursor = read.cursor;
          if (!read.done) break;
          run.phase = 'plan-users';
          delete run.error;
        } else if (run.phase === 'plan-users') {
          if (!this.deps.canCall(RESERVE + this.loadCost(run, context))) break;
          await this.planUserPhase(run, context);
        } else if (run.phase === 'apply-users' || run.phase === 'apply-groups') {
          if (!(await this.applyPhase(run, context))) break;
          await context.snapshot.save();
          // The users just written change what the groups' members are: their snapshot is read again.
          if (run.phase === 'apply-users' && run.counts.directoryWrites > writesBefore) delete context.users;
          run.phase = run.phase === 'apply-users' ? 'plan-groups' : 'finish';
          run.plan = { chunk: 0, op: 0 };
        } else if (run.phase === 'plan-groups') {
          if (!this.deps.canCall(RESERVE + GROUP_PLAN_COST + this.loadCost(run, context))) break;
          if (!(await this.planGroupPhase(run, context))) break;
        } else {
          const summary = await this.finish(run, context.stage);
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

  /**
   * Requests a planning phase needs before its first decision: every staged chunk and snapshot bucket not yet in memory (read in batches, pull-store.ts),
   * and on the first pull after a switch a scan of the directory (roughly one request per 25 resources).
   */
  private loadCost(run: PullRun, context: InvocationContext): number {
    const staged =
      context.picture === undefined
        ? Object.entries(run.staged)
            .filter(([kind]) => kind !== 'p1' && kind !== 'p2')
            .reduce((sum, [, n]) => sum + batchedReads(n), 0)
        : 0;
    // The directory's groups are scanned only on the first pull (known once this invocation has asked).
    const scan = run.phase === 'plan-groups' && context.groups === undefined && context.first !== false ? 8 : 0;
    return staged + (context.users === undefined ? batchedReads(USER_BUCKETS) : 0) + 4 + scan;
  }

  private async source(context: InvocationContext): Promise<PullReader> {
    context.reader ??= await this.deps.reader();
    return context.reader;
  }

  private async picture(context: InvocationContext): Promise<PulledDirectory> {
    context.picture ??= await (await this.source(context)).assemble(context.stage);
    return context.picture;
  }

  private async users(context: InvocationContext): Promise<Map<string, UserSnapshotEntry>> {
    context.users ??= await this.deps.pullStore.userSnapshot();
    return context.users;
  }

  private async existing(kind: 'User' | 'Group'): Promise<ExistingResource[]> {
    const out: ExistingResource[] = [];
    for await (const batch of this.deps.store.scan(kind, MAX_EXISTING))
      for (const item of batch) out.push({ id: item.id, resource: item.resource });
    return out;
  }

  /** Whether no pull has finished yet (no snapshot): asked once an invocation. */
  private async firstPull(context: InvocationContext): Promise<boolean> {
    context.first ??= (await this.deps.pullStore.get('snap:meta')) === undefined;
    return context.first;
  }

  private async planUserPhase(run: PullRun, context: InvocationContext): Promise<void> {
    const picture = await this.picture(context);
    let plan = planUsers(
      picture.users,
      await this.users(context),
      (await this.firstPull(context)) ? await this.existing('User') : undefined,
    );
    run.usersRead = picture.users.length;
    run.groupsRead = picture.groups.length;
    run.findings = picture.findings;
    run.unchangedUsers = plan.unchanged;
    if (plan.deactivations > 0) {
      const decision = await this.deps.gate.admit(
        plan.deactivations,
        await this.deps.store.count('User'),
        run.mode === 'preview',
      );
      if (!decision.allowed) {
        run.held = plan.deactivations;
        if (decision.reason !== undefined) run.breakerReason = decision.reason;
        plan = holdDeactivations(plan);
      }
    }
    // Users of one snapshot bucket together, so an invocation touches few buckets; users the source no longer names last.
    const bucket = (op: PullOp): number => ('s' in op && op.s !== undefined ? bucketOf(op.s) : 99);
    const ops = [...plan.ops].sort((a, b) => bucket(a) - bucket(b));
    run.sample = ops
      .filter((op) => op.k !== 'adopt-user')
      .slice(0, 20)
      .map(describe);
    if (run.mode === 'preview') plannedCounts(ops, run.counts);
    else await context.stage.append('p1', ops);
    run.phase = run.mode === 'preview' ? 'plan-groups' : 'apply-users';
  }

  /** Plans the groups one by one while the budget allows; true when every group (and every deletion) is planned. */
  private async planGroupPhase(run: PullRun, context: InvocationContext): Promise<boolean> {
    const { pullStore, store } = this.deps;
    const picture = await this.picture(context);
    const users = await this.users(context);
    const snapshot = await context.snapshot.groupSnapshot();
    const first = (await this.firstPull(context)) && Object.keys(snapshot).length === 0;
    const existing = first ? (context.groups ??= await this.existing('Group')) : [];
    const matched = new Set(run.groupPlan.matched);
    // In a preview, users not created yet stand in under a placeholder id, so membership changes still count right.
    const dirIdOf = (sourceId: string): string | undefined =>
      users.get(sourceId)?.[0] ?? (run.mode === 'preview' ? `new:${sourceId}` : undefined);
    const membersOf = async (sourceId: string | undefined, dirId: string): Promise<string[]> => {
      const known: GroupSnapshotEntry | undefined = sourceId === undefined ? undefined : snapshot[sourceId];
      if (known !== undefined && known[3] !== '') return pullStore.memberSet(sourceId ?? '', known[3], known[4]);
      const ids: string[] = [];
      for await (const batch of store.members(dirId)) for (const member of batch) ids.push(member.value);
      return ids;
    };
    const emit = async (ops: readonly PullOp[]): Promise<void> => {
      run.sample =
        run.sample.length >= 40
          ? run.sample
          : [
              ...run.sample,
              ...ops
                .filter((op) => op.k !== 'group-done' && op.k !== 'adopt-group')
                .slice(0, 40 - run.sample.length)
                .map(describe),
            ];
      if (run.mode === 'preview') plannedCounts(ops, run.counts);
      else await context.stage.append('p2', ops);
    };
    while (run.groupPlan.index < picture.groups.length) {
      if (!this.deps.canCall(RESERVE + GROUP_PLAN_COST)) return false;
      const source = picture.groups[run.groupPlan.index];
      if (source === undefined) break;
      const match = first
        ? (existing.find((g) => !matched.has(g.id) && g.resource.externalId === source.sourceId) ??
          existing.find(
            (g) =>
              !matched.has(g.id) && String(g.resource.displayName ?? '').toLowerCase() === source.name.toLowerCase(),
          ))
        : undefined;
      if (match !== undefined) {
        matched.add(match.id);
        run.groupPlan.matched.push(match.id);
      }
      const memberIds = source.memberSourceIds.map(dirIdOf).filter((id): id is string => id !== undefined);
      const plan = await planGroup(
        { source, memberIds },
        snapshot[source.sourceId],
        match,
        (dirId) => membersOf(source.sourceId, dirId),
        run.id,
        run.held > 0,
      );
      if (plan.ops.length === 0) run.unchangedGroups += 1;
      let ops = plan.ops;
      if (plan.memberSet !== undefined && run.mode === 'apply') {
        const parts = await pullStore.saveMemberSet(source.sourceId, run.id, plan.memberSet);
        ops = ops.map((op) => (op.k === 'group-done' ? { ...op, parts } : op));
      }
      await emit(ops);
      run.groupPlan.index += 1;
    }
    if (!run.groupPlan.deletes) {
      const named = new Set(picture.groups.map((g) => g.sourceId));
      for (const [sourceId, entry] of Object.entries(snapshot))
        if (!named.has(sourceId)) await emit(planGroupDelete(sourceId, entry[0], await membersOf(sourceId, entry[0])));
      for (const group of existing)
        if (!matched.has(group.id))
          await emit(planGroupDelete(undefined, group.id, await membersOf(undefined, group.id)));
      run.groupPlan.deletes = true;
    }
    run.phase = run.mode === 'preview' ? 'finish' : 'apply-groups';
    return true;
  }

  /** Applies the current plan's operations while the budget allows; true when the plan is done. */
  private async applyPhase(run: PullRun, context: InvocationContext): Promise<boolean> {
    const { pullStore, store } = this.deps;
    const kind = run.phase === 'apply-users' ? 'p1' : 'p2';
    await context.stage.flush();
    while (run.plan.chunk < (run.staged[kind] ?? 0)) {
      const ops = (await pullStore.get<PullOp[]>(`stage:${run.id}:${kind}:${run.plan.chunk}`)) ?? [];
      while (run.plan.op < ops.length) {
        const op = ops[run.plan.op];
        if (op === undefined) break;
        const newBucket = op.k.endsWith('-user') && 's' in op && op.s !== undefined && !context.snapshot.holds(op.s);
        if (
          !this.deps.canCall(RESERVE + costOf(op)) ||
          (newBucket && context.snapshot.bucketsHeld >= MAX_BUCKETS_PER_INVOCATION)
        )
          return false;
        await applyOp(op, store, context.snapshot, pullStore, run.counts);
        run.plan.op += 1;
      }
      run.plan.chunk += 1;
      run.plan.op = 0;
    }
    return true;
  }

  /** Records the outcome and removes the run's chunks while the budget allows; the summary once all is done. */
  private async finish(run: PullRun, stage: RunStage): Promise<PullSummary | undefined> {
    const { pullStore } = this.deps;
    for (const key of stage.keys().reverse()) {
      if (!this.deps.canCall(RESERVE)) return undefined;
      await pullStore.delete(key);
      const kind = key.split(':')[2] ?? '';
      run.staged[kind] = Math.max(0, (run.staged[kind] ?? 1) - 1);
    }
    const summary: PullSummary = {
      runId: run.id,
      mode: run.mode,
      startedAt: run.startedAt,
      finishedAt: this.now().toISOString(),
      config: run.config,
      invocations: run.invocations,
      usersRead: run.usersRead,
      groupsRead: run.groupsRead,
      unchangedUsers: run.unchangedUsers,
      unchangedGroups: run.unchangedGroups,
      changes: run.counts,
      heldDeactivations: run.held,
      ...(run.breakerReason !== undefined ? { breakerReason: run.breakerReason } : {}),
      findings: run.findings ?? { outsideDomain: { count: 0, sample: [] }, notSelected: 0, cycles: [] },
      sample: run.sample,
    };
    if (run.mode === 'apply') {
      await pullStore.set('snap:meta', { v: 1, lastRun: run.id, at: summary.finishedAt });
      await pullStore.set('last-pull', summary);
    } else {
      await pullStore.set('last-preview', summary);
    }
    await pullStore.delete('run');
    return summary;
  }
}

/** What one invocation keeps in memory between phases, so an unchanged pull reads the staged records and the snapshot once. */
interface InvocationContext {
  readonly stage: RunStage;
  readonly snapshot: SnapshotCache;
  reader?: PullReader;
  picture?: PulledDirectory;
  users?: Map<string, UserSnapshotEntry>;
  groups?: ExistingResource[];
  /** Whether no pull has finished yet, once asked. */
  first?: boolean;
}

/** Requests one group's planning may take (its member set read and written). */
const GROUP_PLAN_COST = 6;

/** Reads the user snapshot entries of some source ids (tests). */
export type UserSnapshot = ReadonlyMap<string, UserSnapshotEntry>;
