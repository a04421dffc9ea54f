/**
 * A group's member adds in the KVS directory store (src/storage/kvs-directory/group-writes.ts): members that are new
 * are written without reading them first, on the condition that they are absent; when some were there already the
 * change is planned again from what is stored, so nothing is lost, nothing is written twice and the sync is told of
 * the final version. Every storage request is listed by endpoint, as the local KVS service meters it.
 */
import path from 'node:path';
import type { StoredResource } from '../../src/directory/directory-store';
import { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../src/storage/local-kvs';

const ENTITIES = loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml'));

async function setUp(users: number) {
  const requests: string[] = [];
  const service = createLocalKvsService({
    entities: ENTITIES,
    onCost: (endpoint) => requests.push(endpoint.replace('/api/v1/', '')),
  });
  const store = new KvsDirectoryStore({ kvs: createLocalKvs(service), sleep: async () => undefined });
  const ids: string[] = [];
  for (let i = 0; i < users; i += 1) ids.push((await store.create('User', { userName: `u${i}@example.com` })).id);
  const group = await store.create('Group', { displayName: 'Team' });
  const members = async (): Promise<string[]> => {
    const out: string[] = [];
    for await (const page of store.members(group.id)) out.push(...page.map((member) => member.value));
    return out.sort();
  };
  const pending = async () =>
    (await store.pendingChanges(100)).entries.filter((e) => e.resourceKey === `Group.${group.id}`);
  const add = (values: readonly string[], basis?: StoredResource) =>
    store.updateGroup(
      group.id,
      undefined,
      [{ kind: 'add', members: values.map((value) => ({ value, type: 'User' })) }],
      basis ? { basis } : {},
    );
  return { store, ids, group, members, pending, add, requests, close: () => service.close() };
}

it('adds 50 new members reading nothing when the caller hands over the group it read: three transactions', async () => {
  const t = await setUp(50);
  t.requests.length = 0;
  const updated = await t.add(t.ids, t.group);
  expect(t.requests).toEqual(['transaction', 'transaction', 'transaction']);
  expect(await t.members()).toEqual([...t.ids].sort());
  expect(updated.version).toBe(t.group.version + 2);
  expect(await t.pending()).toEqual([expect.objectContaining({ version: updated.version })]);
  await t.close();
});

it('writes nothing and keeps the version when every added member is there already', async () => {
  const t = await setUp(50);
  const first = await t.add(t.ids);
  t.requests.length = 0;
  const again = await t.add(t.ids, first);
  expect(again.version).toBe(first.version);
  // One refused transaction, the group read that tells why, and the members read to plan again.
  expect(t.requests).toEqual(['transaction', 'entity/get', 'batch/get', 'batch/get']);
  expect(await t.members()).toEqual([...t.ids].sort());
  await t.close();
});

it('completes an add whose later members were there already, and tells the sync of the last version', async () => {
  const t = await setUp(50);
  // The last ten land in the transaction after the first: the first one succeeds, the second is refused.
  await t.add(t.ids.slice(40));
  const before = await t.store.get('Group', t.group.id);
  const updated = await t.add(t.ids, before);
  expect(await t.members()).toEqual([...t.ids].sort());
  expect(updated.version).toBeGreaterThan(before?.version ?? 0);
  expect((await t.store.get('Group', t.group.id))?.version).toBe(updated.version);
  expect(await t.pending()).toEqual([expect.objectContaining({ version: updated.version })]);
  await t.close();
});

it('completes an add whose first member was there already', async () => {
  const t = await setUp(30);
  const one = await t.add([t.ids[0] ?? '']);
  const updated = await t.add(t.ids, one);
  expect(await t.members()).toEqual([...t.ids].sort());
  expect(updated.version).toBe(one.version + 2);
  expect(await t.pending()).toEqual([expect.objectContaining({ version: updated.version })]);
  await t.close();
});

it('loses nothing when overlapping adds race on the same group', async () => {
  const t = await setUp(60);
  await Promise.all([t.add(t.ids.slice(0, 40)), t.add(t.ids.slice(20, 60)), t.add(t.ids.slice(10, 50))]);
  expect(await t.members()).toEqual([...t.ids].sort());
  const stored = await t.store.get('Group', t.group.id);
  expect(await t.pending()).toEqual([expect.objectContaining({ version: stored?.version })]);
  await t.close();
});

it('applies an If-Match version to the first write of guessed members and refuses a stale one', async () => {
  const t = await setUp(5);
  const stale = t.group.version;
  await t.add([t.ids[0] ?? '']);
  await expect(
    t.store.updateGroup(t.group.id, undefined, [{ kind: 'add', members: [{ value: t.ids[1] ?? '' }] }], {
      expectedVersion: stale,
    }),
  ).rejects.toMatchObject({ kind: 'version-mismatch' });
  expect(await t.members()).toEqual([t.ids[0]]);
  await t.close();
});
