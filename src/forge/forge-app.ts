/**
 * Composition root for the Forge runtime: builds the App and the sync over Forge's `@forge/kvs` once per function
 * instance. It lives with the Forge entry points (it uses their job queues), over the runtime-neutral compositions of
 * src/app.
 */
import { fetch as forgeFetch } from '@forge/api';
import { kvs } from '@forge/kvs';
import { consoleLogger } from '../app/console-logger';
import { createApp, type AppParts } from '../app/create-app';
import { createSync, type SyncParts } from '../app/create-sync';
import { ForgeJobQueue } from './forge-job-queue';
import type { TargetFetch } from '../targets/http/target-fetch';
import type { EngineAudit } from '../sync/engine-ports';
import { CHAINED_KICK_BUDGET } from '../sync/lineage-budget';
import { createPull, type PullParts } from '../sources/create-pull';
import { pullQueue } from './pull-worker';

let app: Promise<AppParts> | undefined;
let sync: Promise<SyncParts> | undefined;
let pull: Promise<PullParts> | undefined;

/** Returns the App for this Forge function instance, building it on first use; accepted writes kick the sync. */
export function getForgeApp(): Promise<AppParts> {
  app ??= Promise.resolve(
    createApp({ kvs, logger: consoleLogger, onWrite: async () => (await getForgeSync()).dispatcher.kick() }),
  );
  return app;
}

const consoleAudit: EngineAudit = {
  async record(entries) {
    for (const entry of entries)
      if (entry.outcome === 'failed')
        console.warn(
          JSON.stringify({
            code: 'SYNC-CHANGE-FAILED',
            key: entry.resourceKey,
            action: entry.action,
            detail: entry.detail,
          }),
        );
  },
};

/** Returns the sync engine and dispatcher for this Forge function instance; credentials come from the credential store the admin page writes. */
export function getForgeSync(): Promise<SyncParts> {
  sync ??= getForgeApp().then((parts) =>
    createSync({
      kvs,
      store: parts.store,
      queue: new ForgeJobQueue(),
      fetch: forgeFetch as unknown as TargetFetch,
      audit: consoleAudit,
      auditLog: parts.auditLog,
    }),
  );
  return sync;
}

/** Returns the directory pull (Google Workspace) for this Forge function instance; its writes kick the sync. */
export function getForgePull(): Promise<PullParts> {
  pull ??= Promise.all([getForgeApp(), getForgeSync()]).then(([parts, syncParts]) =>
    createPull({
      kvs,
      store: parts.store,
      fetch: forgeFetch as unknown as TargetFetch,
      clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
      queue: pullQueue(),
      breaker: syncParts.breaker,
      syncSettings: () => syncParts.settings.get(),
      // A pull's invocation is a queue consumer, no origin: its kick gets a small lineage budget (lineage-budget.ts).
      afterWrites: () => syncParts.dispatcher.kick(CHAINED_KICK_BUDGET),
      auditLog: parts.auditLog,
    }),
  );
  return pull;
}
