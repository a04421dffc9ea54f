/**
 * The KVS directory store's kind markers (src/storage/kvs-directory/resource-records.ts kindMarkerKey): kindsOf
 * reads them instead of whole resources, and finds resources stored before the markers existed by reading them.
 */
import { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { kindMarkerKey } from '../../src/storage/kvs-directory/resource-records';
import { kvsPerTest } from '../support/kvs-per-test';

const fixture = kvsPerTest();

it('reads only the markers of marked resources', async () => {
  const reads: string[] = [];
  const counted = new Proxy(fixture.kvs, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        reads.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const store = new KvsDirectoryStore({ kvs: counted });
  const users = await Promise.all(
    ['a', 'b', 'c'].map((name) => store.create('User', { userName: `${name}@example.com` })),
  );
  reads.length = 0;
  const kinds = await store.kindsOf(users.map((user) => user.id));
  expect([...kinds.values()]).toEqual(['User', 'User', 'User']);
  expect(reads).toEqual(['batchGet']);
});

it('finds a resource stored before markers existed by reading it whole', async () => {
  const store = new KvsDirectoryStore({ kvs: fixture.kvs });
  const user = await store.create('User', { userName: 'legacy@example.com' });
  const group = await store.create('Group', { displayName: 'Legacy' });
  await fixture.kvs.delete(kindMarkerKey(user.id));
  await fixture.kvs.delete(kindMarkerKey(group.id));
  expect(Object.fromEntries(await store.kindsOf([user.id, group.id]))).toEqual({
    [user.id]: 'User',
    [group.id]: 'Group',
  });
});
