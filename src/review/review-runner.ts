/**
 * Runs an access review in bounded, resumable steps. Each step (one scheduled invocation, src/forge/review-step.ts)
 * takes a lease, reads as many Bitbucket pages as the read gate allows (src/review/read-gate.ts) and the
 * invocation's budget leaves (src/sync/call-budget.ts: Forge's 100 outbound requests and its time limit), reads what
 * the app knows and the members of the granted groups through the Admin API, and saves the records it read with its
 * progress in one transaction. When everything is read, a step computes the review and stores it as a snapshot.
 */
import { randomUUID } from 'node:crypto';
import { budgetAllows as invocationAllows } from '../sync/call-budget';
import type { AccessListing, AccessPage, AccessListingItems, AccessTarget } from '../targets/bitbucket/access-reads';
import type { AdminDirectory } from '../targets/ports';
import { TargetError } from '../targets/ports';
import { permissionReserve, decideReads } from './read-gate';
import type { AppKnowledge } from './app-knowledge';
import { LINK_STATES } from './app-knowledge';
import { reviewAccess, summarize } from './review-core';
import type { ReviewRecord } from './review-records';
import { inputsFromRecords, ruleRecord } from './review-records';
import type { ReviewScope, RunState } from './review-run';
import { BITBUCKET_PHASES, newRun, recordRequests } from './review-run';
import type { SnapshotMeta } from './review-snapshot';
import type { ReviewLog, ReviewStore } from './review-store';
import { ruleGrantsOf } from './rule-origins';

/** The Bitbucket reads a step makes (BitbucketAccessReader). */
export interface AccessPages {
  page<L extends AccessListing>(listing: L, next?: string): Promise<AccessPage<AccessListingItems[L['list']]>>;
}

/** The Admin API reads a step makes. */
export type GroupMembers = Pick<AdminDirectory, 'findGroupByName' | 'listGroupMembers'>;

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
/** After a 429 without a wait, Bitbucket is left alone this long. */
const RATE_LIMIT_PAUSE_MS = 5 * 60_000;

function targetOf(code: string): AccessTarget {
  return { type: code.startsWith('p:') ? 'project' : 'repository', id: code.slice(2) };
}

function inScope(scope: ReviewScope, projectKey: string | undefined): boolean {
  return (
    scope.kind === 'workspace' ||
    (projectKey !== undefined && scope.keys.some((k) => k.toLowerCase() === projectKey.toLowerCase()))
  );
}

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
      run = await this.readPage(run, reader, buffer);
      if (run.rateLimitedUntil !== undefined && Date.parse(run.rateLimitedUntil) > this.now().getTime()) break;
    }
    return run;
  }

  /** Reads the next page of the current Bitbucket listing and moves the cursor. */
  private async readPage(
    run: RunState,
    reader: AccessPages,
    buffer: Record<ReviewLog, ReviewRecord[]>,
  ): Promise<RunState> {
    const { phase, next } = run.bitbucket;
    const counted = (r: RunState): RunState => ({
      ...r,
      ledger: recordRequests(r.ledger, this.now().getTime(), 1),
      counts: { ...r.counts, bitbucketRequests: r.counts.bitbucketRequests + 1 },
    });
    const advance = (r: RunState, nextLink: string | undefined): RunState => {
      if (nextLink !== undefined) return { ...r, bitbucket: { ...r.bitbucket, next: nextLink } };
      const { next: _done, ...bitbucket } = r.bitbucket;
      let following = BITBUCKET_PHASES[BITBUCKET_PHASES.indexOf(phase) + 1] ?? 'done';
      if (following === 'targets' && r.targets.length === 0) following = 'effective';
      if (following === 'effective' && r.scope.kind !== 'workspace')
        return {
          ...r,
          bitbucket: { ...bitbucket, phase: 'done' },
          crossCheckSkipped:
            'The effective listing covers the whole workspace; a review of some projects is not cross-checked',
        };
      return { ...r, bitbucket: { ...bitbucket, phase: following } };
    };
    try {
      switch (phase) {
        case 'repositories': {
          const page = await reader.page({ list: 'repositories' }, next);
          const kept = page.items.filter((r) => inScope(run.scope, r.projectKey));
          buffer.inputs.push(
            ...kept.map((r): ReviewRecord => ['repo', r.slug, r.projectKey ?? null, r.isPrivate ? 1 : 0]),
          );
          return advance(counted({ ...run, targets: [...run.targets, ...kept.map((r) => `r:${r.slug}`)] }), page.next);
        }
        case 'projects': {
          const page = await reader.page({ list: 'projects' }, next);
          const kept = page.items.filter((p) => inScope(run.scope, p.key));
          buffer.inputs.push(...kept.map((p): ReviewRecord => ['proj', p.key]));
          return advance(counted({ ...run, targets: [...run.targets, ...kept.map((p) => `p:${p.key}`)] }), page.next);
        }
        case 'admins': {
          const page = await reader.page({ list: 'admins' }, next);
          buffer.inputs.push(...page.items.map((a): ReviewRecord => ['admin', a.accountId, a.displayName]));
          return advance(counted(run), page.next);
        }
        case 'members': {
          const page = await reader.page({ list: 'members' }, next);
          buffer.inputs.push(...page.items.map((m): ReviewRecord => ['member', m.accountId, m.displayName]));
          return advance(counted(run), page.next);
        }
        case 'targets':
          return await this.readTargetPage(counted(run), reader, buffer);
        case 'effective': {
          const page = await reader.page({ list: 'effective' }, next);
          buffer.eff.push(...page.items.map((e): ReviewRecord => ['eff', e.repository, e.accountId, e.level]));
          const read = counted(run);
          return advance({ ...read, counts: { ...read.counts, lowerBound: read.counts.lowerBound + 1 } }, page.next);
        }
        default:
          return run;
      }
    } catch (error) {
      return this.pageFailed(counted(run), error);
    }
  }

  private async readTargetPage(
    run: RunState,
    reader: AccessPages,
    buffer: Record<ReviewLog, ReviewRecord[]>,
  ): Promise<RunState> {
    const { targetIndex, targetList, next } = run.bitbucket;
    const code = run.targets[targetIndex];
    const counts = { ...run.counts, lowerBound: run.counts.lowerBound + 1 };
    const moveOn = (r: RunState, nextLink: string | undefined): RunState => {
      if (nextLink !== undefined) return { ...r, counts, bitbucket: { ...r.bitbucket, next: nextLink } };
      const { next: _done, ...position } = r.bitbucket;
      if (targetList === 'groups') return { ...r, counts, bitbucket: { ...position, targetList: 'users' } };
      const index = targetIndex + 1;
      if (index < r.targets.length)
        return { ...r, counts, bitbucket: { ...position, targetIndex: index, targetList: 'groups' } };
      return {
        ...r,
        counts,
        bitbucket: {
          ...position,
          targetIndex: index,
          targetList: 'groups',
          phase: r.scope.kind === 'workspace' ? 'effective' : 'done',
        },
        ...(r.scope.kind === 'workspace'
          ? {}
          : {
              crossCheckSkipped:
                'The effective listing covers the whole workspace; a review of some projects is not cross-checked',
            }),
      };
    };
    if (code === undefined) return moveOn(run, undefined);
    const target = targetOf(code);
    const t = target.type === 'repository' ? 'r' : 'p';
    try {
      if (targetList === 'groups') {
        const page = await reader.page({ list: 'group-grants', target }, next);
        buffer.inputs.push(
          ...page.items.map((g): ReviewRecord => ['gg', t, target.id, g.groupSlug, g.groupName, g.level]),
        );
        const granted = { ...run.grantedGroups };
        for (const g of page.items) granted[g.groupSlug] = g.groupName;
        return moveOn({ ...run, grantedGroups: granted }, page.next);
      }
      const page = await reader.page({ list: 'user-grants', target }, next);
      buffer.inputs.push(
        ...page.items.map((u): ReviewRecord => ['ug', t, target.id, u.accountId, u.displayName, u.level]),
      );
      return moveOn(run, page.next);
    } catch (error) {
      // A repository or project deleted since the inventory has no grants left: the review moves on.
      if (error instanceof TargetError && error.kind === 'not-found')
        return moveOn({ ...run, bitbucket: { ...run.bitbucket, targetList: 'users' } }, undefined);
      throw error;
    }
  }

  private pageFailed(run: RunState, error: unknown): RunState {
    const now = this.now().getTime();
    if (error instanceof TargetError && error.kind === 'rate-limited') {
      const until = new Date(now + Math.max(error.details.retryAfterMs ?? 0, RATE_LIMIT_PAUSE_MS)).toISOString();
      return { ...run, rateLimitedUntil: until, waiting: { reason: 'rate-limit', until } };
    }
    const refused = error instanceof TargetError && (error.kind === 'forbidden' || error.kind === 'unauthorized');
    if (refused && run.bitbucket.phase === 'effective') {
      const { next: _next, ...bitbucket } = run.bitbucket;
      return {
        ...run,
        bitbucket: { ...bitbucket, phase: 'done' },
        crossCheckSkipped: `Bitbucket refused the effective listing: ${error.message}`,
      };
    }
    if (refused)
      return {
        ...run,
        status: 'failed',
        finishedAt: new Date(now).toISOString(),
        error: `Bitbucket refused the review's reads: ${error.message}`,
      };
    // Transient or unexpected: this step stops reading Bitbucket, the next one tries the same page again.
    return { ...run, rateLimitedUntil: new Date(now + 60_000).toISOString() };
  }

  private async readApp(
    start: RunState,
    buffer: Record<ReviewLog, ReviewRecord[]>,
    callMillis: number,
  ): Promise<RunState> {
    let run = start;
    const knowledge = this.deps.knowledge;
    while (run.app.phase === 'identities' && this.allows(BOOKKEEPING_CALLS + 4, callMillis)) {
      const state = LINK_STATES[run.app.stateIndex];
      if (state === undefined) {
        run = { ...run, app: { phase: 'groups', stateIndex: run.app.stateIndex, groupIndex: 0 } };
        break;
      }
      const page = await knowledge.links(state, run.app.cursor);
      const userIds = page.links
        .filter((l) => l.key.startsWith('User.') && l.accountId !== undefined)
        .map((l) => l.key.slice('User.'.length));
      const groupIds = page.links
        .filter((l) => l.key.startsWith('Group.') && l.groupSlug !== undefined)
        .map((l) => l.key.slice('Group.'.length));
      const users =
        userIds.length > 0 ? await knowledge.users(userIds) : new Map<string, { userName: string; active: boolean }>();
      const groups = groupIds.length > 0 ? await knowledge.groups(groupIds) : new Map<string, string>();
      const appGroups = { ...run.appGroups };
      for (const link of page.links) {
        const id = link.key.slice(link.key.indexOf('.') + 1);
        if (link.key.startsWith('User.') && link.accountId !== undefined) {
          const user = users.get(id);
          const status =
            link.deleted === true || user === undefined ? 'deleted' : user.active ? 'active' : 'deactivated';
          buffer.inputs.push(['idp', link.accountId, id, user?.userName ?? link.email ?? id, status]);
        } else if (link.key.startsWith('Group.') && link.groupSlug !== undefined) {
          appGroups[link.groupSlug] = {
            ...(link.orgGroupId !== undefined ? { orgGroupId: link.orgGroupId } : {}),
            displayName: groups.get(id) ?? link.orgGroupName ?? link.groupSlug,
          };
        }
      }
      const app =
        page.cursor !== undefined
          ? { ...run.app, cursor: page.cursor }
          : { phase: 'identities' as const, stateIndex: run.app.stateIndex + 1, groupIndex: 0 };
      run = { ...run, appGroups, app };
    }
    // Group members wait for the last grant listing: only then is every granted group known.
    if (
      run.app.phase !== 'groups' ||
      run.bitbucket.phase === 'targets' ||
      BITBUCKET_PHASES.indexOf(run.bitbucket.phase) < BITBUCKET_PHASES.indexOf('targets')
    )
      return run;
    const slugs = Object.keys(run.grantedGroups).sort();
    const admin = slugs.length > run.app.groupIndex ? await this.deps.admin() : undefined;
    let index = run.app.groupIndex;
    let adminCalls = 0;
    while (index < slugs.length && admin !== undefined && this.allows(BOOKKEEPING_CALLS + 6, callMillis)) {
      const slug = slugs[index] ?? '';
      const name = run.grantedGroups[slug] ?? slug;
      const mine = run.appGroups[slug];
      let members: string[] = [];
      let known = true;
      try {
        let groupId = mine?.orgGroupId;
        if (groupId === undefined) {
          adminCalls += 1;
          groupId = (await admin.findGroupByName(name))?.id;
        }
        if (groupId === undefined) known = false;
        else {
          adminCalls += 1;
          members = await admin.listGroupMembers(groupId);
        }
      } catch (error) {
        // A rate limit or outage: the next step asks again. Anything else: the group's members stay unknown.
        if (error instanceof TargetError && error.retryable) break;
        known = false;
      }
      buffer.inputs.push(['group', slug, name, mine !== undefined ? 1 : 0, known ? 1 : 0, members]);
      index += 1;
    }
    run = {
      ...run,
      counts: { ...run.counts, adminRequests: run.counts.adminRequests + adminCalls },
      app: { ...run.app, groupIndex: index },
    };
    if (index >= slugs.length) run = { ...run, app: { ...run.app, phase: 'done' } };
    return run;
  }

  /** Computes the review from everything read, stores it as a snapshot and closes the run. */
  private async finish(start: RunState): Promise<SnapshotMeta> {
    const store = this.deps.store;
    const records: ReviewRecord[] = [];
    for await (const record of store.records(start.id, 'inputs', start.logs.inputs)) records.push(record);
    const partial = inputsFromRecords(records);
    const [permission, rules] = await Promise.all([this.deps.knowledge.permissions(), this.deps.knowledge.rules()]);
    const groups = Object.entries(start.appGroups).map(([groupSlug, g]) => ({ displayName: g.displayName, groupSlug }));
    const final: ReviewRecord[] = [
      ['applied', permission.applied],
      ...ruleGrantsOf(rules, groups, partial.projects, partial.repositories).map(ruleRecord),
    ];
    const run = await store.append(start, { inputs: final });
    const effective: ReviewRecord[] = [];
    for await (const record of store.records(run.id, 'eff', run.logs.eff)) effective.push(record);
    const inputs = inputsFromRecords([...records, ...final, ...effective]);
    const review = reviewAccess(inputs);
    const finishedAt = this.now().toISOString();
    const meta: SnapshotMeta = {
      id: run.id,
      scope: run.scope,
      startedAt: run.startedAt,
      finishedAt,
      ...(run.startedBy !== undefined ? { startedBy: run.startedBy } : {}),
      inputs: run.logs.inputs,
      summary: summarize(review, inputs),
      ...(review.flags.crossCheck !== undefined ? { crossCheck: review.flags.crossCheck } : {}),
      ...(run.crossCheckSkipped !== undefined ? { crossCheckSkipped: run.crossCheckSkipped } : {}),
      requests: {
        bitbucket: run.counts.bitbucketRequests,
        lowerBound: run.counts.lowerBound,
        admin: run.counts.adminRequests,
        steps: run.counts.steps,
      },
    };
    const { waiting: _waiting, ...closed } = run;
    await store.addSnapshot(meta, { ...closed, status: 'done', finishedAt });
    await store.deleteLog(run.id, 'eff', run.logs.eff);
    return meta;
  }
}
