/**
 * The emulated Atlassian APIs as a server of their own: a linked Admin API and Bitbucket pair on the system
 * clock, served under `/emulated/admin` and `/emulated/bitbucket`, plus `/emulator/state` (a snapshot with
 * the write logs; `?logs=false` for the state only) and `/emulator/counts` (requests and writes so far) for
 * tests. Run apart from the local host, its state outlives a crash of the host. Everything it serves requires the
 * emulator key (emulator-access.ts); the state paths take it as `Authorization: Bearer <key>`.
 */
import { createServer, type Server } from 'node:http';
import { bearerMatches, generateEmulatorKey } from './emulator-access';
import type { Emulator } from './emulator-types';
import { GoogleWorkspaceEmulator, type ServiceAccountKeyFile } from './google/google-emulator';
import { ADMIN_PREFIX, BITBUCKET_PREFIX, GOOGLE_PREFIX, createEmulatorRouter, listenOn } from './http';
import { createLinkedEmulators, type LinkedEmulators } from './linked-emulators';
import { snapshotEmulators, type RequestCounts } from './snapshot';
import { systemClock, type Clock } from './virtual-clock';

/** Where the snapshot is served. */
export const STATE_PATH = '/emulator/state';

/** Where the request and write counters are served. */
export const COUNTS_PATH = '/emulator/counts';

/** Where the emulated Google service account's key file is served (the JSON an admin uploads on the Set-up page). */
export const GOOGLE_KEY_PATH = '/emulator/google-key';

/** Options of an emulator server. */
export interface EmulatorServerOptions {
  readonly port: number;
  readonly host: string;
  /** Seed of generated ids and probabilistic faults. */
  readonly seed?: number;
  /** Real milliseconds added to every request, so that a sync is slow enough to be interrupted. */
  readonly latencyMs?: number;
  /** Defaults to the system clock. */
  readonly clock?: Clock;
  /** The emulator key every request must carry; generated when absent. */
  readonly key?: string;
  /** The largest request body read (the SCIM API's 1 MiB by default); larger ones answer 413. */
  readonly maxBodyBytes?: number;
}

/** What `/emulator/counts` answers. */
export interface EmulatorCounts {
  readonly requests: RequestCounts;
  /** Entries in each write log (every mutating call received). */
  readonly writes: RequestCounts;
}

/** A running emulator server. */
export interface EmulatorServer {
  readonly url: string;
  readonly adminUrl: string;
  readonly bitbucketUrl: string;
  /** The emulated Google Workspace: Directory API below it, token endpoint at `<googleUrl>/token`. */
  readonly googleUrl: string;
  /** The emulated Google Workspace and the key file of its service account (domain-wide delegation granted). */
  readonly google: GoogleWorkspaceEmulator;
  readonly googleKey: ServiceAccountKeyFile;
  /** The key the emulators require (print it: `Emulator key: <key>`). */
  readonly key: string;
  readonly emulators: LinkedEmulators;
  close(): Promise<void>;
}

function counting(emulator: Emulator, count: () => void): Emulator {
  return {
    handle(request) {
      count();
      return emulator.handle(request);
    },
    refuse: (request) => emulator.refuse?.(request),
  };
}

/** Starts the emulators on their own port; resolves once they listen. */
export async function startEmulatorServer(options: EmulatorServerOptions): Promise<EmulatorServer> {
  const key = options.key ?? generateEmulatorKey();
  const emulators = createLinkedEmulators({
    key,
    clock: options.clock ?? systemClock,
    ...(options.seed !== undefined ? { admin: { seed: options.seed }, bitbucket: { seed: options.seed } } : {}),
  });
  if (options.latencyMs !== undefined && options.latencyMs > 0) {
    for (const emulator of [emulators.admin, emulators.bitbucket])
      emulator.faults.add({ fault: { kind: 'latency', ms: options.latencyMs, timer: 'real' } });
  }
  const google = new GoogleWorkspaceEmulator({ clock: options.clock ?? systemClock });
  const googleKey = google.createServiceAccountKey();
  const requests = { admin: 0, bitbucket: 0 };
  const router = createEmulatorRouter({
    admin: counting(emulators.admin, () => (requests.admin += 1)),
    bitbucket: counting(emulators.bitbucket, () => (requests.bitbucket += 1)),
    google,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  const server: Server = createServer((request, response) => {
    if (router(request, response)) return;
    const url = new URL(request.url ?? '/', 'http://emulator.invalid');
    let body: unknown;
    if (
      (url.pathname === STATE_PATH || url.pathname === COUNTS_PATH || url.pathname === GOOGLE_KEY_PATH) &&
      !bearerMatches(request.headers.authorization, key)
    ) {
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="emulator"' });
      response.end(JSON.stringify({ error: 'Send the emulator key: Authorization: Bearer <key>' }));
      return;
    }
    if (request.method === 'GET' && url.pathname === STATE_PATH) {
      body = snapshotEmulators(emulators, requests, { stateOnly: url.searchParams.get('logs') === 'false' });
    } else if (request.method === 'GET' && url.pathname === GOOGLE_KEY_PATH) {
      body = googleKey;
    } else if (request.method === 'GET' && url.pathname === COUNTS_PATH) {
      body = {
        requests,
        writes: { admin: emulators.admin.writeLog.length, bitbucket: emulators.bitbucket.writeLog.length },
      } satisfies EmulatorCounts;
    } else {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: 'Not found', admin: ADMIN_PREFIX, bitbucket: BITBUCKET_PREFIX, state: STATE_PATH }),
      );
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  const url = await listenOn(server, options.port, options.host);
  return {
    url,
    adminUrl: `${url}${ADMIN_PREFIX}`,
    bitbucketUrl: `${url}${BITBUCKET_PREFIX}`,
    googleUrl: `${url}${GOOGLE_PREFIX}`,
    google,
    googleKey,
    key,
    emulators,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
