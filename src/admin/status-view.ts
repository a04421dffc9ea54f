/**
 * The Status section's numbers, consistent with what the page shows beside them: counts by state are of the IdP's
 * users and groups only (the one Permissions resource, which stands for every Bitbucket grant, is reported on its
 * own rather than inflating "synced" past users + groups), and a deactivated user is marked as such, not shown as
 * a plain "synced".
 */
import type { SyncStatusView } from '../shared/admin-api';
import type { LinkDoc, SyncState } from '../sync/sync-links';

/** The counts by state without the Permissions resource's link. */
export function resourceCounts(
  counts: Readonly<Record<SyncState, number>>,
  permissions: LinkDoc | undefined,
): Record<SyncState, number> {
  const out = { ...counts };
  if (permissions && out[permissions.state] > 0) out[permissions.state] -= 1;
  return out;
}

/** The state of Bitbucket permission sync, from the Permissions resource's link. */
export function permissionsView(permissions: LinkDoc | undefined): SyncStatusView['permissions'] {
  if (!permissions) return undefined;
  return {
    state: permissions.state,
    ...(permissions.lastSyncedAt ? { lastSyncedAt: permissions.lastSyncedAt } : {}),
    ...(permissions.lastError ? { lastError: permissions.lastError } : {}),
    grants: Object.values(permissions.grants ?? {}).reduce((sum, groups) => sum + Object.keys(groups).length, 0),
    ...(permissions.lastComparedAt ? { lastComparedAt: permissions.lastComparedAt } : {}),
    ...(permissions.lastComparison ? { lastComparison: permissions.lastComparison } : {}),
  };
}
