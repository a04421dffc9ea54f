/** Composition root for the Forge runtime: builds the App and the sync over Forge's `@forge/kvs` once per function instance. */
import { fetch as forgeFetch } from '@forge/api';
import { kvs } from '@forge/kvs';
import { ForgeJobQueue } from '../forge/forge-job-queue';
import { consoleLogger } from './console-logger';
import { createApp, type AppParts } from './create-app';
import { createSync, type SyncParts } from './create-sync';
import type { TargetFetch } from '../targets/http/target-fetch';
import type { EngineAudit } from '../sync/sync-engine';

let app: Promise<AppParts> | undefined;
let sync: Promise<SyncParts> | undefined;

/** Returns the App for this Forge function instance, building it on first use; accepted writes kick the sync. */
export function getForgeApp(): Promise<AppParts> {
  app ??= Promise.resolve(createApp({ kvs, logger: consoleLogger, onWrite: async () => (await getForgeSync()).dispatcher.kick() }));
  return app;
}

const consoleAudit: EngineAudit = {
  async record(entries) {
    for (const entry of entries) if (entry.outcome === 'failed') console.warn(JSON.stringify({ code: 'SYNC-CHANGE-FAILED', key: entry.resourceKey, action: entry.action, detail: entry.detail }));
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
