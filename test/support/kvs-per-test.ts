/** A local KVS per test: opened before each test of the scope it is registered in, closed after each. */
import { makeKvs, type KvsFixture } from '../../rigs/local-kvs-fixture';
import { perTest } from './per-test';

/** Registers the hooks; the answer stands for the current test's KVS (read it inside a test or a later hook). */
export function kvsPerTest(startMs?: number): KvsFixture {
  const open = perTest(
    'KVS',
    () => makeKvs(startMs),
    (fixture) => fixture.service.close(),
  );
  return {
    get kvs() {
      return open().kvs;
    },
    get service() {
      return open().service;
    },
    get clock() {
      return open().clock;
    },
  };
}
