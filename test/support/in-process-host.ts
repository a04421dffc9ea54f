/**
 * The local host started inside the test process on a fresh data directory, with the emulated Atlassian APIs,
 * no scheduled reconcile, immediate retries, a one-second kick window and a client clock that never sleeps, so
 * sync tests run fast.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalHost, type LocalHost, type LocalHostOptions } from '../../src/local/local-host';

/** A started host and how to stop it (closing it and removing its data). */
export interface InProcessHost {
  readonly host: LocalHost;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Starts the host; `options` override the test defaults. */
export async function startInProcessHost(options: Partial<LocalHostOptions> & { readonly bearerToken: string }): Promise<InProcessHost> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scim-host-'));
  const host = await startLocalHost({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    reconcileIntervalMs: 0,
    reviewStepIntervalMs: 0,
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
