/**
 * What a comparison of one resource with the organization found, as Status shows it: every plan of the engine is
 * such a comparison (fresh remote reads against the directory). A resource whose last comparison found a difference
 * is not called synced until the changes that repair it were all applied — for a group the org created anew, only
 * once it was compared again with its id known and its role and members were written too.
 */
import type { Change } from './planner';

/** The admin page's data (src/shared/status-types.ts), re-exported for the modules that use it here. */
export type { ComparisonResult } from '../shared/status-types';

const PHRASES: Readonly<Record<Exclude<Change['kind'], 'skip'>, (count: number) => string>> = {
  'invite-user': () => 'no account in the organization',
  'link-user': () => 'the account is not the one linked',
  'suspend-user': () => 'the account is active',
  'restore-user': () => 'the account is suspended',
  'remove-user': () => 'the account is still in the directory',
  'create-group': () => 'the org group is missing',
  'link-group': () => 'the org group is not the one linked',
  'delete-group': () => 'the org group still exists',
  'assign-role': () => 'the org group has no Bitbucket role',
  'add-member': (n) => `${n} member${n === 1 ? '' : 's'} missing`,
  'remove-member': (n) => `${n} member${n === 1 ? '' : 's'} too many`,
};

/** What a plan says differs, in words (`the org group is missing; 6 members missing`); undefined when it changes nothing. */
export function describeDifference(changes: readonly Change[]): string | undefined {
  const counts = new Map<Exclude<Change['kind'], 'skip'>, number>();
  for (const change of changes) if (change.kind !== 'skip') counts.set(change.kind, (counts.get(change.kind) ?? 0) + 1);
  if (counts.size === 0) return undefined;
  return [...counts].map(([kind, count]) => PHRASES[kind](count)).join('; ');
}

/** Joins the differences two comparisons of one run found (the second after a created group's id was known). */
export function joinDifferences(first: string | undefined, second: string | undefined): string | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return `${first}; then ${second}`;
}

/** Why a repair is not finished yet, for Status: a created group's role and members are due, or members' accounts are. */
export function unfinishedRepair(complete: boolean, waitingMembers: number): string | undefined {
  if (!complete) return 'The org group was created; its Bitbucket role and members follow in the next job';
  if (waitingMembers === 0) return undefined;
  const one = waitingMembers === 1;
  return `Waiting for ${waitingMembers} member account${one ? '' : 's'} the organization lost: the user${one ? ' is' : 's are'} synced first, then the group again`;
}
