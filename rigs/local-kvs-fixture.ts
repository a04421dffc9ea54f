/** A genuine @forge/kvs client over the local storage service (which enforces Forge's limits), with a settable clock. */
import * as path from 'node:path';
import type { ForgeKvs } from '../src/storage/kvs-port';
import {
  createLocalKvs,
  createLocalKvsService,
  loadEntityDefinitions,
  type LocalKvsService,
} from '../src/storage/local-kvs';

const ENTITIES = loadEntityDefinitions(path.resolve(__dirname, '../manifest.yml'));

/** A local KVS whose clock tests move by assigning `clock.ms`. */
export interface KvsFixture {
  readonly kvs: ForgeKvs;
  readonly service: LocalKvsService;
  readonly clock: { ms: number };
}

/** Starts an in-memory local KVS at `startMs`; close `service` after the test. */
export function makeKvs(startMs = Date.parse('2026-11-23T10:00:00.000Z')): KvsFixture {
  const clock = { ms: startMs };
  const service = createLocalKvsService({ entities: ENTITIES, clock: () => clock.ms });
  return { kvs: createLocalKvs(service), service, clock };
}
