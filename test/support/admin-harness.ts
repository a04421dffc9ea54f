/**
 * The admin page's resolvers over an in-process local host, called as Forge calls them, and the wait until its
 * sync has converged: one harness for the resolver tests instead of a copy in each.
 */
import { makeAdminHandlers, type AdminHandlerDeps } from '../../src/admin/admin-handlers';
import type { LocalHost } from '../../src/local/local-host';
import type { AdminApi } from '../../src/shared/admin-api';
import { createLocalKvs } from '../../src/storage/local-kvs';

/** The trusted part of a resolver call's context. */
export interface AdminContext {
  readonly accountId: string;
  readonly installContext: string;
}

/** The workspace the resolver tests install the app in. */
export const TEST_WORKSPACE = '5f8a1c2e-1111-4222-8333-944455556666';

/** The resolver context of `accountId`, calling from TEST_WORKSPACE. */
export function adminContext(accountId: string): AdminContext {
  return { accountId, installContext: `ari:cloud:bitbucket::workspace/${TEST_WORKSPACE}` };
}

/** A typed call of one admin resolver; `deps` overrides the handlers' dependencies for that call. */
export type AdminCall = <K extends keyof AdminApi>(
  key: K,
  payload: Parameters<AdminApi[K]>[0],
  deps?: Partial<AdminHandlerDeps>,
) => Promise<ReturnType<AdminApi[K]>>;

/** Calls the admin resolvers of the host `host()` answers at call time (tests start a new one per case), as a workspace owner. */
export function adminCaller(host: () => LocalHost, context: AdminContext): AdminCall {
  return (key, payload, deps = {}) => {
    const { app, sync, scimBaseUrl, kvs } = host();
    const handlers = makeAdminHandlers({
      getApp: async () => app,
      getSync: async () => sync,
      getBaseUrl: async () => scimBaseUrl,
      lookupPermission: async () => ({ status: 200, permission: 'owner' }),
      kvs: createLocalKvs(kvs),
      emulated: true,
      ...deps,
    });
    const handler = handlers[key] as unknown as (request: {
      payload: unknown;
      context: unknown;
    }) => Promise<ReturnType<AdminApi[typeof key]>>;
    return handler({ payload, context });
  };
}

/** Waits until the host's outbox is empty and its queue idle, draining again where needed; bounded. */
export async function convergeHost(host: LocalHost): Promise<void> {
  for (let round = 0; round < 60; round += 1) {
    await host.runtime.idle();
    if ((await host.app.store.pendingChanges(1)).entries.length === 0) return;
    await host.sync.dispatcher.drain();
  }
  throw new Error('no convergence');
}
