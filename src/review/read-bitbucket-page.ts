/**
 * Reads one page of the review's current Bitbucket listing (repositories, projects, admins, members, each target's
 * group and user grants, the effective listing), keeps the records it finds and moves the run's cursor to the next page
 * or listing. A failed read becomes run state: a rate limit pauses the reads, a refusal fails the run (or skips the
 * cross-check), anything else is tried again by the next step.
 */
import type { AccessListing, AccessPage, AccessListingItems, AccessTarget } from '../targets/bitbucket/access-reads';
import { TargetError } from '../targets/ports';
import type { ReviewRecord } from './review-records';
import type { ReviewScope, RunState } from './review-run';
import { BITBUCKET_PHASES, recordRequests } from './review-run';
import type { ReviewLog } from './review-store';

/** The Bitbucket reads a step makes (BitbucketAccessReader). */
export interface AccessPages {
  page<L extends AccessListing>(listing: L, next?: string): Promise<AccessPage<AccessListingItems[L['list']]>>;
}

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

/** Reads the next page of the current Bitbucket listing and moves the cursor. */
export async function readBitbucketPage(
  run: RunState,
  reader: AccessPages,
  buffer: Record<ReviewLog, ReviewRecord[]>,
  now: () => Date,
): Promise<RunState> {
  const { phase, next } = run.bitbucket;
  const counted = (r: RunState): RunState => ({
    ...r,
    ledger: recordRequests(r.ledger, now().getTime(), 1),
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
        return await readTargetPage(counted(run), reader, buffer);
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
    return pageFailed(counted(run), error, now);
  }
}

async function readTargetPage(
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

function pageFailed(run: RunState, error: unknown, clock: () => Date): RunState {
  const now = clock().getTime();
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
