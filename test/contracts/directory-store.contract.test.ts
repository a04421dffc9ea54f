/** Runs the directory store contract against the production KVS store over the local KVS service, in memory and on disk. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../src/storage/local-kvs';
import { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { describeDirectoryStoreContract, type StoreUnderTest } from './directory-store-contract';

const entities = loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml'));

function open(dataDir: string | undefined): StoreUnderTest {
  // The contract builds directories of 10,000 members on the system clock, far faster than Forge would: metered, not refused.
  const service = createLocalKvsService({ entities, quotaMode: 'record', ...(dataDir ? { dataDir } : {}) });
  const store = new KvsDirectoryStore({ kvs: createLocalKvs(service) });
  return {
    store,
    operations: () => service.stats.snapshot().total,
    async close() {
      await service.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describeDirectoryStoreContract('KvsDirectoryStore over the in-memory local KVS', async () => open(undefined));
describeDirectoryStoreContract('KvsDirectoryStore over the file-backed local KVS', async () =>
  open(mkdtempSync(path.join(tmpdir(), 'scim-store-'))),
);
