/**
 * The genuine @forge/kvs client over the local storage service. @forge/kvs's index module binds its `kvs` export to
 * the Forge runtime's fetch at import time, so the client is assembled from the same package's deep modules instead:
 * KvsImpl (the fluent API) over StorageApi (the HTTP layer) over our FetchMethod.
 */
import { KvsImpl } from '@forge/kvs/out/kvs';
import { StorageApi } from '@forge/kvs/out/storage-api';
import type { ForgeKvs } from '../kvs-port';
import type { LocalKvsService } from './service';

/** A @forge/kvs client (`kvs.get`, `kvs.entity(...)`, `kvs.transact()`, ...) whose requests go to `service`. */
export function createLocalKvs(service: Pick<LocalKvsService, 'fetch'>): ForgeKvs {
  return new KvsImpl(new StorageApi(service.fetch));
}
