/**
 * The map of the manifest: one export per `function` module handler. Each entry point only wires real
 * dependencies into logic that lives, testable, in its own file.
 */
import { fiveMinuteSteps, makeFiveMinute } from './five-minute';
import { asUser, route, webTrigger } from '@forge/api';
import type { InvocationError } from '@forge/events';
import { kvs } from '@forge/kvs';
import { consoleLogger } from '../app/console-logger';
import { getForgeApp, getForgePull, getForgeSync } from './forge-app';
import { reviewParts } from '../review/create-review';
import { makePullSchedule, makePullWorker } from './pull-worker';
import { makeReviewStep } from './review-step';
import type { WorkspacePermissionLookup } from '../admin/workspace-admin';
import { makeAdminResolver } from './admin-resolver';
import type { SyncEvent } from './sync-worker';
import { ForgeJobQueue } from './forge-job-queue';
import { makeReconcile, makeSyncSweep, makeSyncWorker } from './sync-worker';
import { cacheFirstSuccess, makeScimWebTrigger } from './scim-web-trigger';

/** The web trigger key of the SCIM endpoint in manifest.yml. */
export const SCIM_WEB_TRIGGER_KEY = 'scim-endpoint';

/**
 * The SCIM endpoint (`scim` function, `scim-endpoint` web trigger). Its base URL comes from
 * webTrigger.getUrl, which is stable per module, installation and environment
 * (DAC /runtime-reference/web-trigger-api), so one lookup per function instance suffices.
 */
const scimBaseUrl = cacheFirstSuccess(() => webTrigger.getUrl(SCIM_WEB_TRIGGER_KEY));

export const scimHandler = makeScimWebTrigger({
  getApp: getForgeApp,
  getBaseUrl: scimBaseUrl,
});

/**
 * The admin check of the resolvers: the caller's role is asked of Bitbucket as the caller; `route` leaves the braces of `{uuid}` unencoded (docs/notes/forge-platform.md section 3). When the
 * caller has not yet allowed the app to act for them, `asUser()` throws Forge's consent request, which the lookup
 * does not catch: makeAdminResolver (src/forge/admin-resolver.ts) lets it leave the resolver so Forge prompts.
 */
const lookupPermission: WorkspacePermissionLookup = async (workspaceUuid) => {
  const workspace = `{${workspaceUuid}}`;
  const response = await asUser().requestBitbucket(route`/2.0/user/workspaces/${workspace}/permission`);
  if (!response.ok) return { status: response.status };
  const body = (await response.json()) as { permission?: unknown };
  return typeof body.permission === 'string'
    ? { status: response.status, permission: body.permission }
    : { status: response.status };
};

/** The admin page's resolver (`admin-resolver` function): the admin calls and the Diagnostics. */
export const adminResolver = makeAdminResolver(
  {
    getApp: getForgeApp,
    getSync: getForgeSync,
    getBaseUrl: scimBaseUrl,
    getPull: getForgePull,
    kvs,
    targetFromInstallation: true,
    lookupPermission,
  },
  consoleLogger,
  // The Diagnostics run here, inside the installation, on the same storage and fetch as the app.
  { getApp: getForgeApp, getSync: getForgeSync, kvs, lookupPermission },
);

/**
 * The `scim-sync` queue consumer (`sync-worker` function). It returns normally for events it cannot read,
 * because a throw would have Forge redeliver them for a day (DAC /runtime-reference/async-events-api).
 */
export const syncWorker: (event: SyncEvent) => Promise<InvocationError | undefined> = makeSyncWorker({
  handle: async (job) => (await getForgeSync()).dispatcher.handle(job),
  warn: (line) => console.warn(line),
});

/**
 * The hourly reconcile (`reconcile-fn` function). The docs disagree on whether the return value matters;
 * 204 satisfies both readings (DAC /events-reference/scheduled-trigger).
 */
export const reconcile = makeReconcile(() => new ForgeJobQueue());

/** The `directory-pull` queue consumer (`pull-worker` function): one bounded invocation of a Google Workspace pull. */
export const pullWorker = makePullWorker(getForgePull);

/** Starts a pull when the admin's schedule says one is due (every five minutes, through `fiveMinute`). */
export const pullSchedule = makePullSchedule(getForgePull);

/** The access review's step (every five minutes): src/forge/review-step.ts. */
export const reviewStep = makeReviewStep(
  async () => reviewParts(await getForgeApp(), await getForgeSync()),
  (line) => console.warn(line),
);

/**
 * The sync sweep (every five minutes): a fresh origin of queue pushes that resumes the sync where a lineage spent its
 * budget (src/sync/lineage-budget.ts), and does nothing when the outbox is empty.
 */
export const syncSweep = makeSyncSweep(async () => (await getForgeSync()).dispatcher);

/**
 * The one five-minute scheduled trigger (`five-minute-fn`): the pull schedule, the review's step, then the sync sweep,
 * each whatever the others did (src/forge/five-minute.ts).
 */
export const fiveMinute = makeFiveMinute(fiveMinuteSteps({ pullSchedule, reviewStep, syncSweep }), (line) =>
  console.warn(line),
);
