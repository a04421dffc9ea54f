/** A local KVS per test: opened before each test of the scope it is registered in, closed after each. */
import { makeKvs, type KvsFixture } from '../../rigs/local-kvs-fixture';

/** Registers the hooks; the answer stands for the current test's KVS (read it inside a test or a later hook). */
export function kvsPerTest(startMs?: number): KvsFixture {
  let current: KvsFixture | undefined;
  beforeEach(() => {
    current = makeKvs(startMs);
  });
  afterEach(async () => {
    await current?.service.close();
    current = undefined;
  });
  const open = (): KvsFixture => {
    if (current === undefined) throw new Error('No KVS is open: read it inside a test');
    return current;
  };
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
