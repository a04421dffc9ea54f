/**
 * A @forge/kvs client whose every request is reported first (src/sync/call-budget.ts counts them against the
 * invocation's outbound budget). Forge's `kvs` exposes its transport only as the `apiClient` field of its
 * StorageApi (@forge/kvs 1.6.5, out/kvs.js and out/storage-api.js), so the metered client is the same classes over
 * that transport; test/storage/metered-kvs.test.ts pins the shape, so an upgrade that changes it fails there.
 */
import { KvsImpl } from '@forge/kvs/out/kvs';
import { StorageApi } from '@forge/kvs/out/storage-api';
import type { ForgeKvs } from './kvs-directory-store';

type Transport = (path: string, init?: RequestInit) => Promise<Response>;

/** The transport of a @forge/kvs client, or undefined when the client is not shaped as @forge/kvs 1.6.5 builds it. */
function transportOf(kvs: ForgeKvs): Transport | undefined {
  const apiClient = (kvs as unknown as { storageApi?: { apiClient?: unknown } }).storageApi?.apiClient;
  return typeof apiClient === 'function' ? (apiClient as Transport) : undefined;
}

/** `kvs` with `onRequest` called before each request it sends. */
export function meteredKvs(kvs: ForgeKvs, onRequest: () => void): ForgeKvs {
  const transport = transportOf(kvs);
  if (!transport) throw new Error('This @forge/kvs client does not expose its transport (storageApi.apiClient); the call budget cannot count its requests');
  const metered = new KvsImpl(new StorageApi(async (path: string, init?: RequestInit) => {
    onRequest();
    return transport(path, init);
  }));
  return metered as unknown as ForgeKvs;
}
