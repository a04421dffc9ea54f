/**
 * What planned operations change, as the summary tells it: one line of text per operation (the sample) and, for a
 * preview, the counts it would have applied.
 */
import type { ApplyCounts } from './pull-apply';
import type { PullOp } from './pull-plan';

/** One operation as a line of the summary's sample. */
export function describe(op: PullOp): string {
  switch (op.k) {
    case 'create-user':
      return `create user ${op.u.email}`;
    case 'update-user':
      return `${op.deactivates ? 'deactivate' : 'update'} user ${op.u.email}`;
    case 'deactivate-user':
      return `deactivate user ${op.s ?? op.d} (left the selection)`;
    case 'create-group':
      return `create group ${String(op.r.displayName)}`;
    case 'update-group':
      return `rename group to ${String(op.r.displayName)}`;
    case 'add-members':
      return `add ${op.ids.length} members to group ${op.s}`;
    case 'remove-members':
      return `remove ${op.ids.length} members from group ${op.s}`;
    case 'delete-group':
      return `delete group ${op.s ?? op.d}`;
    default:
      return op.k;
  }
}

/** Counts what a list of operations would change (a preview's figures). */
export function plannedCounts(ops: readonly PullOp[], into: ApplyCounts): void {
  for (const op of ops) {
    if (op.k === 'create-user') into.usersCreated += 1;
    else if (op.k === 'update-user') {
      into.usersUpdated += 1;
      if (op.deactivates) into.usersDeactivated += 1;
    } else if (op.k === 'deactivate-user') into.usersDeactivated += 1;
    else if (op.k === 'create-group') into.groupsCreated += 1;
    else if (op.k === 'update-group') into.groupsUpdated += 1;
    else if (op.k === 'delete-group') into.groupsDeleted += 1;
    else if (op.k === 'add-members') into.membersAdded += op.ids.length;
    else if (op.k === 'remove-members') into.membersRemoved += op.ids.length;
  }
}
