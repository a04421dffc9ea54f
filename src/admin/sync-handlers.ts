/**
 * The Status area's calls about the sync: its figures (src/admin/sync-status.ts), the resources in one state page by
 * page with what the page shows of each, retrying failed ones, a reconcile now, the activity per hour, confirming
 * the tripped circuit breaker, and which IdP group is which org group (src/admin/group-mapping.ts).
 */
import type { ActivityBucket, AdminApi, SyncItemView } from '../shared/admin-api';
import { MAX_QUERY_LIMIT } from '../sync/audit-log';
import type { SyncState } from '../sync/sync-links';
import { sealAdminCursor, openAdminCursor } from './admin-cursor';
import { auditAdminChange } from './admin-audit';
import type { Guarded, Handlers } from './admin-guard';
import type { AdminHandlerDeps, AdminParts } from './admin-parts';
import { listGroupMapping } from './group-mapping';
import { optionalChoice, optionalInteger, optionalStrings, optionalText } from './payload';
import { heldDeactivations, linksInState, syncStatus } from './sync-status';
import { AdminError } from './workspace-admin';

/** The resolver keys of this area. */
export type SyncKeys =
  'sync/status' | 'sync/items' | 'sync/retry' | 'sync/run' | 'sync/activity' | 'breaker/confirm' | 'groups/list';

const STATES: readonly SyncState[] = ['pending', 'synced', 'failed', 'skipped'];
const RESOURCE_KEY = /^(User|Group|Permissions)\.[A-Za-z0-9._:-]{1,120}$/;
const RETRY_ALL_LIMIT = 500;
const ACTIVITY_MAX_ENTRIES = 5_000;

function kindOf(key: string): SyncItemView['kind'] {
  return key.startsWith('User.') ? 'User' : key.startsWith('Group.') ? 'Group' : 'Permissions';
}

/** `sync/items`: one page of the resources in a state, named as the page shows them. */
async function syncItems(
  record: Record<string, unknown>,
  { app, sync }: AdminParts,
): Promise<ReturnType<AdminApi['sync/items']>> {
  const state = optionalChoice(record, 'state', STATES) ?? 'failed';
  const limit = optionalInteger(record, 'limit', 1, 20) ?? 20;
  const signer = await app.cursorSigner();
  const cursor = openAdminCursor(signer, 'sync/items', state, optionalText(record, 'cursor', 4096));
  const page = await sync.links.listByState(state, limit, cursor);
  const ids = (prefix: string): string[] =>
    page.links.filter((l) => l.key.startsWith(prefix)).map((l) => l.key.slice(prefix.length));
  const [users, groups] = await Promise.all([
    app.store.getMany('User', ids('User.')),
    app.store.getMany('Group', ids('Group.')),
  ]);
  const items: SyncItemView[] = page.links.map((link) => {
    const kind = kindOf(link.key);
    const id = link.key.slice(link.key.indexOf('.') + 1);
    const resource =
      kind === 'User' ? users.get(id)?.resource : kind === 'Group' ? groups.get(id)?.resource : undefined;
    const name = kind === 'User' ? resource?.userName : resource?.displayName;
    const display =
      typeof name === 'string'
        ? name
        : (link.email ?? link.orgGroupName ?? (kind === 'Permissions' ? 'Bitbucket permissions' : link.key));
    return {
      key: link.key,
      kind,
      display,
      state: link.state,
      attempts: link.attempts,
      ...(link.accountId ? { accountId: link.accountId } : {}),
      ...(link.lastError ? { lastError: link.lastError } : {}),
      ...(link.detail ? { detail: link.detail } : {}),
      ...(link.nextRetryAt ? { nextRetryAt: link.nextRetryAt } : {}),
      ...(kind === 'User' && resource?.active === false ? { deactivated: true } : {}),
      ...(link.lastComparedAt ? { lastComparedAt: link.lastComparedAt } : {}),
      ...(link.lastComparison ? { lastComparison: link.lastComparison } : {}),
      ...(link.difference ? { difference: link.difference } : {}),
    };
  });
  return page.cursor ? { items, cursor: sealAdminCursor(signer, 'sync/items', state, page.cursor) } : { items };
}

/** `sync/activity`: audit entries per hour of the last `hours`, by outcome, reading at most ACTIVITY_MAX_ENTRIES. */
async function activity(
  record: Record<string, unknown>,
  { sync }: AdminParts,
  now: () => Date,
): Promise<ActivityBucket[]> {
  const hours = optionalInteger(record, 'hours', 1, 24 * 7) ?? 24;
  const end = now();
  const startHour = Math.floor(end.getTime() / 3600_000) - hours + 1;
  const buckets: { applied: number; failed: number; other: number }[] = Array.from({ length: hours }, () => ({
    applied: 0,
    failed: 0,
    other: 0,
  }));
  let cursor: string | undefined;
  let seen = 0;
  do {
    const page = await sync.auditLog.query({
      from: new Date(startHour * 3600_000),
      to: end,
      limit: MAX_QUERY_LIMIT,
      ...(cursor ? { cursor } : {}),
    });
    for (const entry of page.entries) {
      const bucket = buckets[Math.floor(Date.parse(entry.at) / 3600_000) - startHour];
      if (!bucket) continue;
      if (entry.outcome === 'applied') bucket.applied += 1;
      else if (entry.outcome === 'failed') bucket.failed += 1;
      else bucket.other += 1;
    }
    seen += page.entries.length;
    cursor = page.cursor;
  } while (cursor && seen < ACTIVITY_MAX_ENTRIES);
  return buckets.map((bucket, i): ActivityBucket => ({
    hour: new Date((startHour + i) * 3600_000).toISOString(),
    ...bucket,
  }));
}

/** The sync's resolvers, each wrapped in `guarded`. */
export function makeSyncHandlers(
  guarded: Guarded<AdminParts>,
  deps: AdminHandlerDeps,
): Pick<Handlers<AdminApi>, SyncKeys> {
  const now = deps.now ?? (() => new Date());
  return {
    'sync/status': guarded((_payload, parts) => syncStatus(deps, parts)),
    'sync/items': guarded.fields(syncItems),
    'sync/retry': guarded.fields(async (record, { app, sync }) => {
      const keys = optionalStrings(record, 'keys', RETRY_ALL_LIMIT, 140);
      let chosen: string[];
      if (keys) {
        const bad = keys.find((key) => !RESOURCE_KEY.test(key));
        if (bad !== undefined)
          throw new AdminError('invalid-input', `Not a resource key: ${JSON.stringify(bad.slice(0, 60))}`);
        chosen = keys;
      } else {
        chosen = (await linksInState(sync, 'failed', (links) => links.length >= RETRY_ALL_LIMIT)).map((l) => l.key);
      }
      if (chosen.length > 0) {
        await app.store.enqueue(chosen);
        await sync.dispatcher.drainSoon();
        await auditAdminChange(sync, 'retry-requested', 'Settings', 'sync', {
          after: { keys: chosen.slice(0, 50), count: chosen.length },
        });
      }
      return { retried: chosen.length };
    }),
    'sync/run': guarded(async (_payload, { sync }) => {
      await sync.dispatcher.requestReconcile();
      await auditAdminChange(sync, 'sync-requested', 'Settings', 'sync');
      return { queued: 1 };
    }),
    'sync/activity': guarded.fields((record, parts) => activity(record, parts, now)),
    'breaker/confirm': guarded(async (_payload, { sync }) => {
      const before = await sync.breaker.state();
      const state = await sync.breaker.confirm(await heldDeactivations(deps, sync));
      await auditAdminChange(sync, 'breaker-confirmed', 'Settings', 'circuit-breaker', { before, after: state });
      await sync.dispatcher.drainSoon();
      return state;
    }),
    'groups/list': guarded((payload, parts) => listGroupMapping(payload, parts)),
  };
}
