/** Runs the storage contract against the local storage service, in memory and backed by a data directory. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLocalKvs, createLocalKvsService } from '../../src/storage/local-kvs';
import { describeKvsContract } from './kvs-contract';

describeKvsContract('local KVS in memory', async ({ entities, clock }) => {
  const service = createLocalKvsService({ entities, clock });
  return { kvs: createLocalKvs(service), close: () => service.close() };
});

describeKvsContract('local KVS backed by a data directory', async ({ entities, clock }) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kvs-contract-'));
  // A small compaction threshold makes the contract run across many snapshot/log switches too.
  const service = createLocalKvsService({ entities, clock, dataDir, compactAfterBytes: 64 * 1024 });
  return {
    kvs: createLocalKvs(service),
    close: async () => {
      await service.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
