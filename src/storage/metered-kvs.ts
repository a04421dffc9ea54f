/**
 * A @forge/kvs client whose every request is reported first (src/sync/call-budget.ts counts them against the
 * invocation's outbound budget). Forge's `kvs` exposes its transport only as the `apiClient` field of its
 * StorageApi (@forge/kvs 1.6.5, out/kvs.js and out/storage-api.js), so the metered client is the same classes over
 * that transport; test/storage/metered-kvs.test.ts pins the shape, so an upgrade that changes it fails there.
 */
import { KvsImpl } from '@forge/kvs/out/kvs';
import { StorageApi } from '@forge/kvs/out/storage-api';
import type { ForgeKvs } from './kvs-port';
import { kvsQuotaOf, kvsUnits } from './kvs-units';

type Transport = (path: string, init?: RequestInit) => Promise<Response>;

/** The transport of a @forge/kvs client, or undefined when the client is not shaped as @forge/kvs 1.6.5 builds it. */
function transportOf(kvs: ForgeKvs): Transport | undefined {
  const apiClient = (kvs as unknown as { storageApi?: { apiClient?: unknown } }).storageApi?.apiClient;
  return typeof apiClient === 'function' ? (apiClient as Transport) : undefined;
}

/** What the metered client reports: each request before it is sent, and its quota units once answered. */
export interface StorageMeter {
  /** Called (and awaited) before each request: counts it, and may wait (src/sync/call-budget.ts paceStorage). */
  before(): void | Promise<void>;
  /** Called with the units a request cost (src/storage/kvs-units.ts), once it was answered. */
  charge?(quota: 'read' | 'write', units: number): void;
}

/** `kvs` with `meter` told of each request it sends (a bare function is `before`). */
export function meteredKvs(kvs: ForgeKvs, meter: StorageMeter | (() => void)): ForgeKvs {
  const transport = transportOf(kvs);
  if (!transport)
    throw new Error(
      'This @forge/kvs client does not expose its transport (storageApi.apiClient); the call budget cannot count its requests',
    );
  const { before, charge } = typeof meter === 'function' ? { before: meter, charge: undefined } : meter;
  const metered = new KvsImpl(
    new StorageApi(async (path: string, init?: RequestInit) => {
      await before();
      const response = await transport(path, init);
      const quota = charge ? kvsQuotaOf(path) : undefined;
      if (charge && quota === 'write')
        charge('write', kvsUnits(Buffer.byteLength(typeof init?.body === 'string' ? init.body : '')));
      if (charge && quota === 'read') charge('read', kvsUnits(Buffer.byteLength(await response.clone().text())));
      return response;
    }),
  );
  return metered as unknown as ForgeKvs;
}
