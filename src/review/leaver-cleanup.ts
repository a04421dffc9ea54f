/**
 * The leaver clean-up (issue 17, "An action"): removes the direct grants a flagged leaver still holds, for one
 * leaver or all of them, with a dry run. Group memberships are not touched: those of the app's groups are the sync's
 * job, those of other groups are not the app's to change. Each leaver is checked again against the IdP before
 * anything is removed (someone reactivated since the review keeps their grants); every removal (or planned
 * removal) is audited; and the whole action passes the deprovisioning circuit breaker (src/sync/circuit-breaker.ts):
 * each leaver cleaned counts as one deprovisioning in its window, and a tripped breaker removes nothing.
 */
import type { AuditEntryInput } from '../sync/audit-log';
import type { AccessLevel, TargetRef } from './access-model';
import type { AccessReview } from './review-core';
import type { LeaverFlag } from './review-flags';
import type { LeaverCleanup, CleanupResult } from '../shared/review-types';

/** What the clean-up needs. */
export interface CleanupDeps {
  /** Removes a direct grant (Bitbucket `DELETE …/permissions-config/users/{id}`). */
  deleteUserGrant(target: TargetRef, accountId: string): Promise<void>;
  /** The IdP's users by SCIM id now: whether active (missing ids are gone from the IdP). */
  currentUsers(userIds: readonly string[]): Promise<ReadonlyMap<string, { readonly active: boolean }>>;
  /** Asks the breaker to let `requested` leavers be cleaned; how many may be. */
  admit(requested: number): Promise<{ readonly allowed: number; readonly reason?: string }>;
  audit(entries: readonly AuditEntryInput[]): Promise<void>;
  /** Whether the invocation has `calls` outbound requests left. */
  budgetAllows(calls: number): boolean;
}

/** Which leavers, and whether only to say what would be removed. */
export interface CleanupRequest {
  /** Account IDs of flagged leavers; all flagged leavers when absent. */
  readonly accountIds?: readonly string[];
  readonly dryRun: boolean;
  /** Continue after this account ID (the `next` of an earlier answer). */
  readonly after?: string;
}

/** The admin page's data (src/shared/review-types.ts), re-exported for the review's modules. */
export type { LeaverCleanup, CleanupResult } from '../shared/review-types';

/** Requests one grant's removal costs, with its audit entry. */
const CALLS_PER_GRANT = 2;
/** Requests kept for the answer's own bookkeeping. */
const RESERVE = 6;

function describe(target: TargetRef): string {
  return `${target.type} ${target.id}`;
}

/** Removes (or, in a dry run, lists) the direct grants of flagged leavers. */
export async function cleanUpLeavers(
  review: AccessReview,
  request: CleanupRequest,
  deps: CleanupDeps,
): Promise<CleanupResult> {
  const wanted = request.accountIds === undefined ? undefined : new Set(request.accountIds);
  const flagged = review.flags.leavers
    .filter((l) => wanted === undefined || wanted.has(l.accountId))
    .filter((l) => request.after === undefined || l.accountId > request.after)
    .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  const now = await deps.currentUsers(flagged.map((l) => l.identity.userId));
  const stillLeaving = (l: LeaverFlag): boolean => now.get(l.identity.userId)?.active !== true;
  const candidates = flagged.filter((l) => stillLeaving(l) && l.directGrants.length > 0);
  let allowed = candidates.length;
  let paused: string | undefined;
  if (!request.dryRun && candidates.length > 0) {
    const decision = await deps.admit(candidates.length);
    allowed = decision.allowed;
    if (allowed < candidates.length)
      paused = decision.reason ?? 'The deprovisioning circuit breaker paused the clean-up until an admin confirms';
  }
  const admitted = new Set(candidates.slice(0, allowed).map((l) => l.accountId));
  const results: LeaverCleanup[] = [];
  const audit: AuditEntryInput[] = [];
  let next: string | undefined;
  for (const [index, leaver] of flagged.entries()) {
    const base = { accountId: leaver.accountId, userName: leaver.identity.userName };
    const entry = (
      target: TargetRef,
      outcome: AuditEntryInput['outcome'],
      level: AccessLevel,
      detail?: string,
    ): AuditEntryInput => ({
      source: 'admin',
      action: 'remove-leaver-grant',
      target: {
        kind: 'Permission',
        id: `${target.type}:${target.id}`,
        display: `${leaver.identity.userName} on ${describe(target)}`,
      },
      userKey: leaver.identity.userId,
      before: { accountId: leaver.accountId, level },
      outcome,
      ...(detail !== undefined ? { detail } : {}),
    });
    if (!stillLeaving(leaver)) {
      results.push({ ...base, removed: [], failed: [], skipped: 'Active in the IdP again since the review' });
      continue;
    }
    if (leaver.directGrants.length === 0) {
      results.push({
        ...base,
        removed: [],
        failed: [],
        skipped: 'No direct grant: what remains comes through groups or workspace administration',
      });
      continue;
    }
    if (request.dryRun) {
      results.push({ ...base, removed: leaver.directGrants, failed: [] });
      audit.push(...leaver.directGrants.map((g) => entry(g.target, 'planned', g.level, 'dry run')));
      continue;
    }
    if (!admitted.has(leaver.accountId)) {
      results.push({ ...base, removed: [], failed: [], skipped: paused ?? 'Held back by the circuit breaker' });
      audit.push(...leaver.directGrants.map((g) => entry(g.target, 'skipped', g.level, paused)));
      continue;
    }
    if (!deps.budgetAllows(RESERVE + CALLS_PER_GRANT * leaver.directGrants.length)) {
      // '' sorts before every account ID: an answer that handled nobody resumes from the start.
      next = flagged[index - 1]?.accountId ?? request.after ?? '';
      break;
    }
    const removed: { target: TargetRef; level: AccessLevel }[] = [];
    const failed: { target: TargetRef; error: string }[] = [];
    for (const grant of leaver.directGrants) {
      try {
        await deps.deleteUserGrant(grant.target, leaver.accountId);
        removed.push(grant);
        audit.push(entry(grant.target, 'applied', grant.level));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failed.push({ target: grant.target, error: message });
        audit.push(entry(grant.target, 'failed', grant.level, message));
      }
    }
    results.push({ ...base, removed, failed });
  }
  if (audit.length > 0) await deps.audit(audit);
  return {
    dryRun: request.dryRun,
    leavers: results,
    ...(paused !== undefined ? { paused } : {}),
    ...(next !== undefined ? { next } : {}),
  };
}
