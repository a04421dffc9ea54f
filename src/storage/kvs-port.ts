/**
 * The storage port: the `@forge/kvs` client API every store of the app is written against, and how that client
 * signals that the installation is over its storage quota. Two adapters provide it: Forge's own `kvs` (in Forge) and
 * createLocalKvs, the same client over the local storage service (src/storage/local-kvs/local-kvs.ts).
 */
import type { kvs as ForgeKvsInstance } from '@forge/kvs';

/** The `@forge/kvs` API the stores need; in Forge the package's default `kvs`, locally the same class over the local service. */
export type ForgeKvs = typeof ForgeKvsInstance;

/**
 * Storage throttled the installation: Forge's KVS answers a request over its per-installation quotas (1,000
 * requests a second, 4,000 read and 4,000 write units a minute) with 429 `RATE_LIMIT_EXCEEDED` (DAC `/rest`).
 * Such an error is not contention: retrying at once only spends more of the quota.
 */
export function isStorageThrottled(error: unknown): boolean {
  const candidate = error as { code?: unknown; responseDetails?: { status?: unknown } } | undefined;
  return candidate?.code === 'RATE_LIMIT_EXCEEDED' || candidate?.responseDetails?.status === 429;
}

/** How long a throttled caller should wait: the quotas are per minute, so a request in a minute's time is safe. */
export const THROTTLED_RETRY_AFTER_SECONDS = 60;
