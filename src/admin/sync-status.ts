/**
 * `sync/status`: the Status section's figures, each read within a resolver's budget (the queue and the counts by
 * state stop at a page limit and say so), and the deactivations the tripped circuit breaker holds back, which
 * `breaker/confirm` lets run: the users the engine paused and the deactivations a pull held whole.
 */
import type { SyncStatusView } from '../shared/admin-api';
import { LAST_RECONCILE_KEY, LAST_SYNC_KEY } from '../sync/dispatcher';
import type { ForgeKvs } from '../storage/kvs-port';
import { SYNC_LANES } from '../sync/jobs';
import { lastLaneJobAt } from '../sync/lane-pace';
import { PERMISSIONS_KEY } from '../sync/jobs';
import type { LinkDoc, SyncState } from '../sync/sync-links';
import type { AdminHandlerDeps, AdminParts, AdminSync } from './admin-parts';
import { permissionsView, resourceCounts } from './status-view';

const QUEUE_COUNT_PAGES = 100;
/** Pages of 20 counted per sync state: a status call stays well inside Forge's 25 s resolver limit. */
const STATE_COUNT_PAGES = 100;
/** The detail the engine gives users whose deactivation the circuit breaker holds back. */
const PAUSED_DETAIL = 'Deactivation paused';

/** Reads the links in one state page by page until `enough` says so (given what it read and how many pages). */
export async function linksInState(
  sync: Pick<AdminSync, 'links'>,
  state: SyncState,
  enough: (links: readonly LinkDoc[], pages: number) => boolean,
): Promise<LinkDoc[]> {
  const links: LinkDoc[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await sync.links.listByState(state, 20, cursor);
    links.push(...page.links);
    cursor = page.cursor;
    pages += 1;
  } while (cursor && !enough(links, pages));
  return links;
}

/** Deactivations the tripped breaker holds back: users the engine paused, and those a pull held whole (none written). */
export async function heldDeactivations(
  deps: Pick<AdminHandlerDeps, 'getPull'>,
  sync: Pick<AdminSync, 'links'>,
): Promise<number> {
  const pending = await linksInState(sync, 'pending', (_links, pages) => pages >= QUEUE_COUNT_PAGES);
  const paused = pending.filter(
    (link) => link.key.startsWith('User.') && link.detail?.startsWith(PAUSED_DETAIL),
  ).length;
  const status = deps.getPull ? await (await deps.getPull()).status() : undefined;
  return paused + (status?.lastPull?.heldDeactivations ?? 0);
}

/** When the last sync batch finished (ISO 8601): a paced job's lane allowance or, unpaced, LAST_SYNC_KEY. */
async function lastSyncTime(kvs: Pick<ForgeKvs, 'get'>): Promise<string | undefined> {
  const lanes = Array.from({ length: SYNC_LANES }, (_, lane) => `lane-${lane}`);
  const [written, paced] = await Promise.all([kvs.get<string>(LAST_SYNC_KEY), lastLaneJobAt(kvs, lanes)]);
  const times = [written ? Date.parse(written) : NaN, paced ?? NaN].filter((time) => Number.isFinite(time));
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : undefined;
}

/** The answer of `sync/status`. */
export async function syncStatus(
  deps: Pick<AdminHandlerDeps, 'kvs' | 'getPull'>,
  { app, sync }: AdminParts,
): Promise<SyncStatusView> {
  let queueDepth = 0;
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await app.store.pendingChanges(20, cursor);
    queueDepth += page.entries.length;
    cursor = page.cursor;
    pages += 1;
  } while (cursor && pages < QUEUE_COUNT_PAGES);
  const [{ counts, capped }, users, groups, lastSyncAt, lastReconcileAt, breaker, settings, authFailures, permissions] =
    await Promise.all([
      sync.links.countByState(STATE_COUNT_PAGES),
      app.store.count('User'),
      app.store.count('Group'),
      lastSyncTime(deps.kvs),
      deps.kvs.get<string>(LAST_RECONCILE_KEY),
      sync.breaker.state(),
      sync.settings.get(),
      app.authFailures.summary(),
      sync.links.get(PERMISSIONS_KEY),
    ]);
  const permissionsState = permissionsView(permissions);
  return {
    queueDepth,
    queueDepthIsLowerBound: cursor !== undefined,
    running: queueDepth > 0,
    counts: resourceCounts(counts, permissions),
    ...(permissionsState ? { permissions: permissionsState } : {}),
    countsAtLeast: capped,
    totals: { users, groups },
    ...(lastSyncAt ? { lastSyncAt } : {}),
    ...(lastReconcileAt ? { lastReconcileAt } : {}),
    breaker,
    waitingDeactivations: breaker.tripped ? await heldDeactivations(deps, sync) : 0,
    dryRun: settings.dryRun,
    authFailures,
  };
}
