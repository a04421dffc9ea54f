/**
 * The pull store's batched reads (src/sources/pull/pull-store.ts getMany) on a genuine @forge/kvs client over the
 * local KVS service: records come back in the order asked, a missing one is undefined, and each request carries at
 * most RECORDS_PER_BATCH keys, so a load's request count is what the runner reserves for it (batchedReads).
 */
import { makeKvs } from '../../../rigs/local-kvs-fixture';
import { PullStore, RECORDS_PER_BATCH, USER_BUCKETS, batchedReads } from '../../../src/sources/pull/pull-store';
import { meteredKvs } from '../../../src/storage/metered-kvs';

function countingStore(): { store: PullStore; requests: () => number } {
  let requests = 0;
  const kvs = meteredKvs(makeKvs().kvs, () => {
    requests += 1;
  });
  return { store: new PullStore(kvs), requests: () => requests };
}

test('getMany answers in the order asked, undefined for a missing record, in batches of RECORDS_PER_BATCH', async () => {
  const { store, requests } = countingStore();
  for (const n of [0, 1, 2, 4, 6, 8]) await store.set(`r:${n}`, { n });
  const keys = Array.from({ length: 10 }, (_, i) => `r:${9 - i}`);
  const before = requests();
  const values = await store.getMany<{ n: number }>(keys);
  expect(values.map((v) => v?.n)).toEqual([undefined, 8, undefined, 6, undefined, 4, undefined, 2, 1, 0]);
  expect(requests() - before).toBe(Math.ceil(10 / RECORDS_PER_BATCH));
  expect(batchedReads(10)).toBe(requests() - before);
});

test('the user snapshot loads in batchedReads(USER_BUCKETS) requests', async () => {
  const { store, requests } = countingStore();
  await store.set('snap:u:3', { a: ['dir-a', 'h', 1] });
  await store.set(`snap:u:${USER_BUCKETS - 1}`, { b: ['dir-b', 'h', 0] });
  const before = requests();
  const snapshot = await store.userSnapshot();
  expect(requests() - before).toBe(batchedReads(USER_BUCKETS));
  expect([...snapshot.entries()]).toEqual([
    ['a', ['dir-a', 'h', 1]],
    ['b', ['dir-b', 'h', 0]],
  ]);
});
