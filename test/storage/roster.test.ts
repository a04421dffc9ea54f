/**
 * The roster's tail layout (src/storage/kvs-directory/roster.ts, roster-layout.ts): an append reads once, paging and
 * scans cross the boundary between numbered shards and the tail, concurrent appends lose no id, and a roster stored
 * in the layout before the tail (numbered shards only, the last one open) is read as it is and migrated on its
 * next append.
 */
import path from 'node:path';
import { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import {
  encodeRosterIndex,
  ROSTER_ENTITY,
  rosterIndexKey,
  rosterShardKey,
  rosterTailKey,
  SHARD_CAPACITY,
  type RosterRecord,
  type Shard,
  type StoredRosterIndex,
} from '../../src/storage/kvs-directory/roster-layout';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../src/storage/local-kvs';
import type { ForgeKvs } from '../../src/storage/kvs-port';
import { makeUser } from '../contracts/directory-store-contract';

const entities = loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml'));

interface Rig {
  store: KvsDirectoryStore;
  kvs: ForgeKvs;
  /** The roster requests made since the last call (transactions excluded): endpoint and read units. */
  takeRosterReads(): { endpoint: string; readUnits: number }[];
  close(): Promise<void>;
}

function open(): Rig {
  let reads: { endpoint: string; readUnits: number }[] = [];
  const service = createLocalKvsService({
    entities,
    quotaMode: 'record',
    onCost: (kvsPath, cost, body) => {
      if (!kvsPath.includes('transaction') && JSON.stringify(body ?? '').includes(ROSTER_ENTITY))
        reads.push({ endpoint: kvsPath.replace('/api/v1/', ''), readUnits: cost.readUnits });
    },
  });
  const kvs = createLocalKvs(service);
  // Contended appends retry after a millisecond or two instead of the production backoff.
  const store = new KvsDirectoryStore({ kvs, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 2))) });
  return {
    store,
    kvs,
    takeRosterReads() {
      const taken = reads;
      reads = [];
      return taken;
    },
    close: () => service.close(),
  };
}

async function createUsers(store: KvsDirectoryStore, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await store.create('User', makeUser(`${prefix}-${i}`))).id);
  return ids;
}

async function scanIds(store: KvsDirectoryStore): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of store.scan('User', 100_000)) out.push(...batch.map((r) => r.id));
  return out;
}

async function pagedIds(store: KvsDirectoryStore, size: number): Promise<string[]> {
  const out: string[] = [];
  const total = await store.count('User');
  for (let offset = 0; offset < total; offset += size) {
    const page = await store.page('User', offset, size);
    expect(page.totalResults).toBe(total);
    out.push(...page.resources.map((r) => r.id));
  }
  return out;
}

const roster = (kvs: ForgeKvs) => kvs.entity<RosterRecord<unknown>>(ROSTER_ENTITY);

/** Rewrites the User roster into the layout before the tail: numbered shards of `sizes` ids, the last one open. */
async function rewriteAsLegacy(kvs: ForgeKvs, ids: readonly string[], sizes: readonly number[]): Promise<void> {
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(ids.length);
  const existing = (await roster(kvs).get(rosterIndexKey('User'))) as RosterRecord<StoredRosterIndex>;
  for (let n = 0; n < existing.body.next; n += 1) await roster(kvs).delete(rosterShardKey('User', n));
  await roster(kvs).delete(rosterTailKey('User'));
  let at = 0;
  const s: number[] = [];
  for (const [n, size] of sizes.entries()) {
    await roster(kvs).set(rosterShardKey('User', n), { version: 3, body: { ids: ids.slice(at, at + size) } });
    s.push(n, size);
    at += size;
  }
  await roster(kvs).set(rosterIndexKey('User'), { version: 7, body: { s, next: sizes.length } });
}

describe('roster tail layout', () => {
  let rig: Rig;
  beforeEach(() => {
    rig = open();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('reads the roster in one request of one unit per append, whether the tail is empty, open or filling', async () => {
    await createUsers(rig.store, 'warm', SHARD_CAPACITY - 2);
    for (let i = 0; i < 4; i += 1) {
      rig.takeRosterReads();
      await rig.store.create('User', makeUser(`probe-${i}`));
      expect(rig.takeRosterReads()).toEqual([{ endpoint: 'batch/get', readUnits: 1 }]);
    }
    // The tail filled on the 150th append and moved to shard 0; the tail holds the two ids after it.
    const index = (await roster(rig.kvs).get(rosterIndexKey('User'))) as RosterRecord<StoredRosterIndex>;
    expect(index.body).toEqual({ s: [0, SHARD_CAPACITY], next: 1, t: 2 });
    expect(((await roster(rig.kvs).get(rosterTailKey('User'))) as Shard).body.ids).toHaveLength(2);
  });

  it('pages, scans, counts and deletes across the boundary between numbered shards and the tail', async () => {
    const ids = await createUsers(rig.store, 'u', 2 * SHARD_CAPACITY + 10);
    expect(await rig.store.count('User')).toBe(ids.length);
    const across = await rig.store.page('User', 2 * SHARD_CAPACITY - 3, 7);
    expect(across.resources.map((r) => r.id)).toEqual(ids.slice(2 * SHARD_CAPACITY - 3, 2 * SHARD_CAPACITY + 4));
    expect((await rig.store.page('User', ids.length - 4, 100)).resources.map((r) => r.id)).toEqual(ids.slice(-4));
    expect(await pagedIds(rig.store, 33)).toEqual(ids);
    expect(await scanIds(rig.store)).toEqual(ids);

    // One id out of a numbered shard, one out of the tail, then a new one at the end.
    const gone = [ids[SHARD_CAPACITY + 5] as string, ids[2 * SHARD_CAPACITY + 2] as string];
    for (const id of gone) await rig.store.delete('User', id);
    const [added] = await createUsers(rig.store, 'late', 1);
    const expected = [...ids.filter((id) => !gone.includes(id)), added];
    expect(await rig.store.count('User')).toBe(expected.length);
    expect(await pagedIds(rig.store, 40)).toEqual(expected);
    expect(await scanIds(rig.store)).toEqual(expected);
    const index = (await roster(rig.kvs).get(rosterIndexKey('User'))) as RosterRecord<StoredRosterIndex>;
    expect(index.body).toEqual({ s: [0, SHARD_CAPACITY, 1, SHARD_CAPACITY - 1], next: 2, t: 10 });
  });

  it('loses no id when appends run concurrently across a tail that fills', async () => {
    const first = await createUsers(rig.store, 'seq', SHARD_CAPACITY - 10);
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => rig.store.create('User', makeUser(`par-${i}`))),
    );
    const parallel = results.map((r) => r.id);
    expect(await rig.store.count('User')).toBe(first.length + parallel.length);
    const listed = await scanIds(rig.store);
    expect(listed.slice(0, first.length)).toEqual(first);
    expect([...listed.slice(first.length)].sort()).toEqual([...parallel].sort());
    expect(await pagedIds(rig.store, 25)).toEqual(listed);
    const index = (await roster(rig.kvs).get(rosterIndexKey('User'))) as RosterRecord<StoredRosterIndex>;
    expect(index.body).toEqual({ s: [0, SHARD_CAPACITY], next: 1, t: 14 });
  });

  it('reads a roster of the layout before the tail and migrates it on the next append, its open shard becoming the tail', async () => {
    const ids = await createUsers(rig.store, 'old', 2 * SHARD_CAPACITY + 40);
    await rewriteAsLegacy(rig.kvs, ids, [SHARD_CAPACITY, SHARD_CAPACITY - 1, 41]);
    // Read as it is, before any write.
    expect(await rig.store.count('User')).toBe(ids.length);
    expect((await rig.store.page('User', 2 * SHARD_CAPACITY - 3, 6)).resources.map((r) => r.id)).toEqual(
      ids.slice(2 * SHARD_CAPACITY - 3, 2 * SHARD_CAPACITY + 3),
    );
    expect(await scanIds(rig.store)).toEqual(ids);

    // The migrating append reads the open shard once more and deletes it; later appends read once.
    rig.takeRosterReads();
    const [first] = await createUsers(rig.store, 'new', 1);
    expect(rig.takeRosterReads().map((r) => r.endpoint)).toEqual(['batch/get', 'entity/get']);
    expect(await roster(rig.kvs).get(rosterShardKey('User', 2))).toBeUndefined();
    const index = (await roster(rig.kvs).get(rosterIndexKey('User'))) as RosterRecord<StoredRosterIndex>;
    expect(index).toEqual({ version: 8, body: { s: [0, SHARD_CAPACITY, 1, SHARD_CAPACITY - 1], next: 3, t: 42 } });
    rig.takeRosterReads();
    const [second] = await createUsers(rig.store, 'new2', 1);
    expect(rig.takeRosterReads().map((r) => r.endpoint)).toEqual(['batch/get']);

    const expected = [...ids, first, second];
    expect(await rig.store.count('User')).toBe(expected.length);
    expect(await pagedIds(rig.store, 37)).toEqual(expected);
    expect(await scanIds(rig.store)).toEqual(expected);
    await rig.store.delete('User', ids[2 * SHARD_CAPACITY + 1] as string);
    expect(await scanIds(rig.store)).toEqual(expected.filter((id) => id !== ids[2 * SHARD_CAPACITY + 1]));
  });

  it('migrates a roster of the old layout whose last shard is full without reading it, and under concurrent appends', async () => {
    const ids = await createUsers(rig.store, 'full', 2 * SHARD_CAPACITY);
    await rewriteAsLegacy(rig.kvs, ids, [SHARD_CAPACITY, SHARD_CAPACITY]);
    rig.takeRosterReads();
    const [first] = await createUsers(rig.store, 'next', 1);
    expect(rig.takeRosterReads().map((r) => r.endpoint)).toEqual(['batch/get']);
    expect(await scanIds(rig.store)).toEqual([...ids, first]);

    // Again with an open last shard, and the migrating appends racing each other.
    const more = await createUsers(rig.store, 'more', 20);
    const before = [...ids, first as string, ...more];
    await rewriteAsLegacy(rig.kvs, before, [SHARD_CAPACITY, SHARD_CAPACITY, 21]);
    const racing = (
      await Promise.all(Array.from({ length: 16 }, (_, i) => rig.store.create('User', makeUser(`race-${i}`))))
    ).map((r) => r.id);
    const listed = await scanIds(rig.store);
    expect(listed.slice(0, before.length)).toEqual(before);
    expect([...listed.slice(before.length)].sort()).toEqual([...racing].sort());
    expect(await rig.store.count('User')).toBe(before.length + racing.length);
    expect(await pagedIds(rig.store, 50)).toEqual(listed);
  });

  it('keeps the tail when an older version of the app rewrote the index without its tail size', async () => {
    const ids = await createUsers(rig.store, 'mixed', SHARD_CAPACITY + 5);
    const dropTailSize = async (): Promise<void> => {
      const index = (await roster(rig.kvs).get(rosterIndexKey('User'))) as RosterRecord<StoredRosterIndex>;
      await roster(rig.kvs).set(rosterIndexKey('User'), {
        version: index.version + 1,
        body: { s: index.body.s, next: index.body.next },
      });
    };
    await dropTailSize();
    const [added] = await createUsers(rig.store, 'after', 1);
    expect(await rig.store.count('User')).toBe(ids.length + 1);
    expect(await scanIds(rig.store)).toEqual([...ids, added]);
    await dropTailSize();
    await rig.store.delete('User', ids[SHARD_CAPACITY + 1] as string);
    const expected = [...ids.filter((id) => id !== ids[SHARD_CAPACITY + 1]), added];
    expect(await rig.store.count('User')).toBe(expected.length);
    expect(await scanIds(rig.store)).toEqual(expected);
  });

  it('keeps the index of 100,000 resources far below the 240 KiB value limit', () => {
    const shards = Math.ceil(100_000 / SHARD_CAPACITY);
    const body = encodeRosterIndex({
      shards: Array.from({ length: shards }, (_, n) => ({ n, count: SHARD_CAPACITY })),
      next: shards,
      tail: SHARD_CAPACITY - 1,
    });
    expect(JSON.stringify(body).length).toBeLessThan(6_000);
  });
});
