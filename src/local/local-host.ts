/**
 * The local host: a node:http server that serves the SCIM API at /scim/v2 by calling the very web trigger
 * handler Forge calls, with Forge-shaped requests, over the production directory store running on the
 * local KVS service (embedded, persisted under DATA_DIR).
 */
import { consoleLogger } from '../app/console-logger';
import { createApp } from '../app/create-app';
import { makeScimWebTrigger, type ForgeWebTriggerHandler } from '../forge/scim-web-trigger';
import { ForgeJobQueue, SYNC_QUEUE_KEY } from '../forge/forge-job-queue';
import { makeSyncWorker } from '../forge/sync-worker';
import { profileNamed } from '../scim/profile';
import { createSync, type SyncParts } from '../app/create-sync';
import type { AdoptOutcome } from '../auth/bearer-tokens';
import { localAdminKey } from './local-secrets';
import { createEmulatorStateRoute } from './emulator-state-route';
import type { SyncSettings } from '../sync/settings';
import { applySettingsFile, readSettingsPatch, type SettingsFileReport } from './settings-file';
import { PERMISSIONS_KEY } from '../sync/jobs';
import type { PullParts } from '../sources/create-pull';
import { startLocalPull } from './local-google';
import type { EngineAudit } from '../sync/engine-ports';
import {
  EMULATOR_BITBUCKET_EMAIL,
  listenOn,
  EMULATED_BITBUCKET_RESOURCE_ID,
  EMULATED_DIRECTORY_ID,
  EMULATED_ORG_ID,
  EMULATED_WORKSPACE_SLUG,
  STATE_PATH,
} from '../../emulators';
import type { LocalHost, LocalHostOptions } from './local-host-types';
import { createLocalServer } from './local-server';
import { createScimRoute, PEER_HEADER, SCIM_PREFIX } from './scim-route';
import { openLocalRuntime } from './local-runtime';
import { createLocalEmulators } from './local-emulators';
import { createLocalAdminRoute } from './local-admin-route';
import { startLocalSchedules } from './local-schedules';

/** Where the SCIM API is served on the local host (scim-route.ts), kept importable here. */
export { SCIM_PREFIX } from './scim-route';

/** The local host's options and handle (local-host-types.ts), kept importable here for test/e2e, which issue 15 must not touch. */
export type { LocalHostOptions, LocalHost } from './local-host-types';

/** The targets of the emulated organization, stored as settings when nothing else was configured. */
export const EMULATED_TARGET: SyncSettings['target'] = {
  orgId: EMULATED_ORG_ID,
  directoryId: EMULATED_DIRECTORY_ID,
  workspace: EMULATED_WORKSPACE_SLUG,
  workspaceResourceId: EMULATED_BITBUCKET_RESOURCE_ID,
};

/** Resolves when `work` settles or after `ms`, whichever comes first. */
function within(ms: number, work: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts the local host; resolves once it listens. */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const logger = options.logger ?? consoleLogger;
  // A bad settings file is refused before the data directory is opened (and locked).
  const settingsPatch = options.settingsFile ? await readSettingsPatch(options.settingsFile) : undefined;
  const { kvsService, runtime, kvs, useDiagnostics } = await openLocalRuntime(options, logger);
  // SCIM_PROFILE pins the profile; without it the settings' scimProfile applies, as on Forge.
  const pinnedProfile = options.profile ? profileNamed(options.profile) : undefined;
  const { emulatorKey, emulators, google, emulatorRequests, emulatorRouter } = await createLocalEmulators(kvs, options);
  let emulatorUrls: { admin: string; bitbucket: string; state: string } | undefined;
  const engineAudit: EngineAudit = options.audit ?? { record: async () => undefined };
  // The app's write hook and the queue's handler need the dispatcher, which needs both: bound once built.
  const late: { dispatcher?: SyncParts['dispatcher']; pull?: PullParts } = {};
  const app = createApp({
    kvs,
    logger,
    ...(pinnedProfile ? { profile: () => pinnedProfile } : {}),
    onWrite: async () => late.dispatcher?.kick(),
    // Failed authentications are recorded with the socket's address, which only this host sets.
    failureSource: (request) => request.headers[PEER_HEADER]?.[0],
    scheduleFlush: (run, ms) => setTimeout(run, ms).unref(),
  });
  const queue = new ForgeJobQueue(runtime.queue(SYNC_QUEUE_KEY));
  runtime.consume(
    SYNC_QUEUE_KEY,
    makeSyncWorker({
      handle: (job) => (late.dispatcher ? late.dispatcher.handle(job) : Promise.resolve(undefined)),
      warn: (line) => logger.error('SYNC-EVENT', line),
    }),
  );
  const sync = createSync({
    kvs,
    store: app.store,
    queue,
    fetch: runtime.remote((url, init) => fetch(url, init)),
    baseUrls: () => emulatorUrls ?? options.targetBaseUrls ?? {},
    // Real credentials from the environment win; then those saved on the admin page; then, with the emulators, theirs.
    credentials: async () =>
      options.atlassian ??
      // Called only once the sync below exists, so its own credential store serves.
      (await sync.credentials.load()) ??
      (emulatorKey !== undefined
        ? { orgApiKey: emulatorKey, bitbucketEmail: EMULATOR_BITBUCKET_EMAIL, bitbucketApiToken: emulatorKey }
        : undefined),
    audit: engineAudit,
    auditLog: app.auditLog,
    clock: options.targetClock ?? runtime.appClock,
    permissionQuietSeconds: options.permissionQuietSeconds ?? 5,
    dispatcher: {
      retryDelaySeconds: options.retryDelaySeconds ?? 60,
      ...(options.kick
        ? { kickWindowSeconds: options.kick.windowSeconds, drainDelaySeconds: options.kick.drainDelaySeconds }
        : {}),
    },
  });
  late.dispatcher = sync.dispatcher;
  let settingsFileReport: SettingsFileReport | undefined;
  if (options.settingsFile) {
    settingsFileReport = await applySettingsFile(options.settingsFile, sync.settings, app.auditLog, settingsPatch);
    if (
      settingsFileReport.changed.some(
        (c) => c.path === 'rules' || c.path === 'operations.permissionSync' || c.path === 'dryRun',
      )
    )
      await app.store.enqueue([PERMISSIONS_KEY]);
  } else if (emulators && (await sync.settings.get()).target.orgId === '') {
    await sync.settings.save({ ...(await sync.settings.get()), target: EMULATED_TARGET });
  }

  let generatedToken: string | undefined;
  let bearerTokenOutcome: AdoptOutcome | undefined;
  if (options.bearerToken) {
    bearerTokenOutcome = await app.tokens.adopt(options.bearerToken, { label: 'SCIM_BEARER_TOKEN' });
  } else if ((await app.tokens.list()).length === 0) {
    generatedToken = (await app.tokens.issue({ label: 'generated by the local host' })).token;
  }

  let scimBaseUrl = '';
  const getPull = async (): Promise<PullParts> =>
    late.pull ?? Promise.reject(new Error('The directory pull is not started yet'));
  const adminKey = await localAdminKey(kvs, options.adminKey);
  const adminBridge = createLocalAdminRoute(
    {
      app,
      sync,
      kvs,
      runtime,
      logger,
      adminKey,
      emulated: emulators !== undefined,
      scimBaseUrl: () => scimBaseUrl,
      getPull,
      onRecorded: useDiagnostics,
    },
    options,
  );
  // The emulated organization can be looked at (as `npm run emulators` serves it), behind the admin key for now.
  const adminKeyValue = adminKey;
  const emulatorState = emulators
    ? createEmulatorStateRoute({ emulators, requests: emulatorRequests, keys: () => [adminKeyValue] })
    : undefined;
  const webTrigger: ForgeWebTriggerHandler = runtime.webTrigger(
    makeScimWebTrigger({
      getApp: async () => app,
      getBaseUrl: async () => scimBaseUrl,
    }),
  );

  const server = createLocalServer({
    emulatorRouter,
    emulatorState,
    scim: createScimRoute(webTrigger),
    adminBridge,
    scimBaseUrl: () => scimBaseUrl,
    logger,
  });

  const url = await listenOn(server, options.port, options.host);
  scimBaseUrl = `${url}${SCIM_PREFIX}`;
  if (emulators)
    emulatorUrls = {
      admin: `${url}/emulated/admin`,
      bitbucket: `${url}/emulated/bitbucket`,
      state: `${url}${STATE_PATH}`,
    };
  const localPull = startLocalPull({
    kvs,
    runtime,
    app,
    sync,
    clock: options.targetClock ?? runtime.appClock,
    ...(google ? { emulated: { ...google, url } } : {}),
    ...(options.pullRetryDelaySeconds !== undefined ? { maxDelaySeconds: options.pullRetryDelaySeconds } : {}),
  });
  late.pull = localPull.pull;
  const schedules = startLocalSchedules(
    { runtime, queue, app, sync, logger, pullSchedule: localPull.schedule },
    options,
  );
  // This process holds the data directory's lock, so no job of an earlier run is alive: its leases (left by a
  // kill) would only hold its resources back until they expire.
  await sync.dispatcher.releaseAllLeases();
  // Whatever the outbox held when the host stopped is synced now (a sweep with a fresh lineage budget).
  await sync.dispatcher.drainSoon();

  return {
    url,
    scimBaseUrl,
    generatedToken,
    bearerTokenOutcome,
    app,
    kvs: kvsService,
    sync,
    runtime,
    emulators,
    emulatorUrls,
    emulatorKey,
    adminUrl: `${url}/admin/#key=${adminKey}`,
    adminKey,
    settingsFileReport,
    pull: localPull.pull,
    google: google?.emulator,
    async close() {
      schedules.stop();
      runtime.stop();
      // Each step is bounded, so a sync job still talking to the emulators on this server cannot hold the data
      // directory's lock past a stop: the store is closed (and the lock released) within a few seconds.
      await within(
        1000,
        app.authFailures.flush().catch(() => undefined),
      );
      await within(
        2000,
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
      );
      await kvsService.close();
    },
  };
}
