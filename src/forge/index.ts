/**
 * The map of the manifest: one export per `function` module handler. Each entry point only wires real
 * dependencies into logic that lives, testable, in its own file.
 */
import { webTrigger } from '@forge/api';
import { getForgeApp } from '../app/forge-app';
import { makeAdminResolver } from './admin-resolver';
import type { SyncEvent } from './sync-worker';
import { handleSyncEvent } from './sync-worker';
import { cacheFirstSuccess, makeScimWebTrigger } from './scim-web-trigger';

/** The web trigger key of the SCIM endpoint in manifest.yml. */
export const SCIM_WEB_TRIGGER_KEY = 'scim-endpoint';

/**
 * The SCIM endpoint (`scim` function, `scim-endpoint` web trigger). Its base URL comes from
 * webTrigger.getUrl, which is stable per module, installation and environment
 * (DAC /runtime-reference/web-trigger-api), so one lookup per function instance suffices.
 */
export const scimHandler = makeScimWebTrigger({
  getApp: getForgeApp,
  getBaseUrl: cacheFirstSuccess(() => webTrigger.getUrl(SCIM_WEB_TRIGGER_KEY)),
});

/** The admin page's resolver (`admin-resolver` function). */
export const adminResolver = makeAdminResolver();

/**
 * The `scim-sync` queue consumer (`sync-worker` function). It returns normally for events it cannot read,
 * because a throw would have Forge redeliver them for a day (DAC /runtime-reference/async-events-api).
 */
export async function syncWorker(event: SyncEvent): Promise<void> {
  handleSyncEvent(event, { warn: (line) => console.warn(line) });
}

/**
 * The hourly reconcile (`reconcile-fn` function). The docs disagree on whether the return value matters;
 * 204 satisfies both readings (DAC /events-reference/scheduled-trigger).
 */
export async function reconcile(): Promise<{ statusCode: 204 }> {
  return { statusCode: 204 };
}
