/**
 * The local host started inside the test process on a fresh data directory, with the emulated Atlassian APIs,
 * no scheduled reconcile or five-minute trigger, immediate retries, a one-second kick window and a client clock that
 * never sleeps, so sync tests run fast; one per test, with SCIM calls to it; and the host restarted on one data
 * directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalHost, type LocalHost, type LocalHostOptions } from '../../src/local/local-host';
import { perTest } from './per-test';
import { scimOverHttp, type ScimCall } from './sync-state';

/** A started host and how to stop it (closing it and removing its data). */
export interface InProcessHost {
  readonly host: LocalHost;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Starts the host; `options` override the test defaults. */
export async function startInProcessHost(
  options: Partial<LocalHostOptions> & { readonly bearerToken: string },
): Promise<InProcessHost> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scim-host-'));
  const host = await startLocalHost({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    reconcileIntervalMs: 0,
    fiveMinuteIntervalMs: 0,
    retryDelaySeconds: 0,
    kick: { windowSeconds: 1, drainDelaySeconds: 0 },
    permissionQuietSeconds: 0,
    targetClock: { now: () => Date.now(), sleep: async () => undefined },
    logger: { error: () => undefined },
    ...options,
  });
  return {
    host,
    dataDir,
    async stop() {
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a host before each test of the scope it is called in and stops it after each; the answer stands for the
 * running host, so read it inside a test (`started.host`).
 */
export function inProcessHostPerTest(
  options: Partial<LocalHostOptions> & { readonly bearerToken: string },
): InProcessHost {
  const running = perTest(
    'host',
    () => startInProcessHost(options),
    (started) => started.stop(),
  );
  return {
    get host() {
      return running().host;
    },
    get dataDir() {
      return running().dataDir;
    },
    stop: () => running().stop(),
  };
}

/** SCIM calls with `token` to the host `host()` answers at call time (tests start a new one per case). */
export function scimCallTo(host: () => LocalHost, token: string): ScimCall {
  return (method, p, body) => scimOverHttp(host().scimBaseUrl, token)(method, p, body);
}

/** Starts the local host on `dataDir` without the test defaults above (no reconcile, errors not logged), for tests that restart it on the same data. */
export function startLocalHostOn(
  dataDir: string,
  bearerToken: string,
  options: Partial<LocalHostOptions> = {},
): Promise<LocalHost> {
  return startLocalHost({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    reconcileIntervalMs: 0,
    logger: { error: () => undefined },
    bearerToken,
    ...options,
  });
}
