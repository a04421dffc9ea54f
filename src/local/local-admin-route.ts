/**
 * The local host's admin page: the bridge (admin-bridge.ts) over the very resolvers Forge runs, the admin page's and
 * the Diagnostics', each call run as a resolver invocation of the local runtime; the admin key stands for the
 * workspace's admin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { makeAdminHandlers } from '../admin/admin-handlers';
import type { AppParts } from '../app/create-app';
import type { SyncParts } from '../app/create-sync';
import { makeDiagnosticsHandlers } from '../diagnostics/diagnostics-handlers';
import type { ScimLogger } from '../scim/error-response';
import type { DiagnosticResult } from '../shared/diagnostics-api';
import type { PullParts } from '../sources/create-pull';
import type { ForgeKvs } from '../storage/kvs-port';
import { createAdminBridge, LOCAL_INSTALL_CONTEXT } from './admin-bridge';
import type { ForgeRuntime } from './forge-runtime';
import type { LocalHostOptions } from './local-host-types';
import { EMULATED_BITBUCKET_RESOURCE_ID } from '../../emulators';

/** What the admin page's resolvers reach. */
export interface LocalAdminParts {
  readonly app: AppParts;
  readonly sync: SyncParts;
  readonly kvs: ForgeKvs;
  readonly runtime: ForgeRuntime;
  readonly logger: ScimLogger;
  readonly adminKey: string;
  /** Whether the host serves the emulators. */
  readonly emulated: boolean;
  /** The SCIM base URL (known once the server listens). */
  readonly scimBaseUrl: () => string;
  /** The directory pull (started once the server listens). */
  readonly getPull: () => Promise<PullParts>;
  /** Called with all Diagnostics results after one is stored. */
  readonly onRecorded: (results: readonly DiagnosticResult[]) => void;
}

/** Builds the admin page's route; it answers true when it served the request. */
export function createLocalAdminRoute(
  parts: LocalAdminParts,
  options: Pick<LocalHostOptions, 'atlassian' | 'adminStaticDir' | 'installContext'>,
): (request: IncomingMessage, response: ServerResponse, pathname: string) => Promise<boolean> {
  const { app, sync, kvs, runtime, logger, adminKey, emulated, getPull } = parts;
  // The bridge lets only holders of the admin key through, and they stand for the workspace's admin.
  const lookupPermission = async (): Promise<{ status: number; permission: string }> => ({
    status: 200,
    permission: 'owner',
  });
  return createAdminBridge({
    handlers: {
      ...makeAdminHandlers({
        getApp: async () => app,
        getSync: async () => sync,
        getBaseUrl: async () => parts.scimBaseUrl(),
        getPull,
        lookupPermission,
        kvs,
        emulated,
        environmentCredentials: options.atlassian !== undefined,
      }),
      ...makeDiagnosticsHandlers({
        getApp: async () => app,
        getSync: async () => sync,
        lookupPermission,
        kvs,
        emulated,
        onRecorded: parts.onRecorded,
      }),
    },
    adminKey,
    staticDir: options.adminStaticDir ?? path.resolve(__dirname, '../../static/admin/dist'),
    logger,
    // The Diagnostics observe Forge's answers to a breach, so they run enforced even while the host records.
    runAsResolver: (key, call) =>
      runtime.resolver(key, call, key.startsWith('diagnostics/') ? { mode: 'enforce' } : {}),
    installContext: options.installContext ?? (emulated ? EMULATED_BITBUCKET_RESOURCE_ID : LOCAL_INSTALL_CONTEXT),
  });
}
