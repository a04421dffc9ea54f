/** Uniqueness claims of unique names: the planner's table, and records stored before names were compared in NFC. */
import path from 'node:path';
import {
  createLocalKvs,
  createLocalKvsService,
  loadEntityDefinitions,
  type LocalKvsService,
} from '../../src/storage/local-kvs';
import { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { CLAIM_ENTITY, claimKey, claimKeysToRead, planClaimChange } from '../../src/storage/kvs-directory/name-claims';
import { makeUser } from '../contracts/directory-store-contract';
import { createHash } from 'node:crypto';

const legacyKey = (name: string): string => `user.${createHash('sha256').update(name.toLowerCase()).digest('hex')}`;

describe('planClaimChange', () => {
  const mine = { owner: 'me' };
  const theirs = { owner: 'them' };

  test('an unchanged ASCII name, or one that changes only case, reads and writes nothing', () => {
    expect(claimKeysToRead('User', 'alice', 'alice')).toEqual([]);
    expect(claimKeysToRead('User', 'alice', 'ALICE')).toEqual([]);
    expect(claimKeysToRead('User', 'Jos\u00e9', 'JOS\u00c9')).toEqual([]);
  });

  test('a rename takes the new claim and releases the old one', () => {
    const claims = new Map([[claimKey('User', 'a'), mine]]);
    expect(planClaimChange('User', 'me', 'a', 'b', claims)).toEqual([
      { kind: 'delete', key: claimKey('User', 'a') },
      { kind: 'set', key: claimKey('User', 'b') },
    ]);
  });

  test('a claim another resource owns is never deleted', () => {
    const claims = new Map([[claimKey('User', 'a'), theirs]]);
    expect(planClaimChange('User', 'me', 'a', 'b', claims)).toEqual([{ kind: 'set', key: claimKey('User', 'b') }]);
  });

  test('a decomposed name held under its pre-NFC key moves to the NFC key, even without a rename', () => {
    const decomposed = 'Jose\u0301';
    expect(legacyKey(decomposed)).not.toBe(claimKey('User', decomposed));
    const claims = new Map([[legacyKey(decomposed), mine]]);
    expect(planClaimChange('User', 'me', decomposed, decomposed, claims)).toEqual([
      { kind: 'delete', key: legacyKey(decomposed) },
      { kind: 'set', key: claimKey('User', decomposed) },
    ]);
    // Once moved, nothing more happens.
    expect(
      planClaimChange('User', 'me', decomposed, decomposed, new Map([[claimKey('User', decomposed), mine]])),
    ).toEqual([]);
  });

  test('a delete releases every claim the resource holds on its name', () => {
    const decomposed = 'Jose\u0301';
    const claims = new Map([
      [legacyKey(decomposed), mine],
      [claimKey('User', decomposed), mine],
    ]);
    expect(planClaimChange('User', 'me', decomposed, undefined, claims)).toEqual([
      { kind: 'delete', key: claimKey('User', decomposed) },
      { kind: 'delete', key: legacyKey(decomposed) },
    ]);
  });
});

describe('a user stored before names were compared in NFC', () => {
  let service: LocalKvsService;
  let store: KvsDirectoryStore;
  const decomposed = 'Jose\u0301@example.com';

  /** Creates a user, then rewrites its index value and claim the way the store wrote them before NFC. */
  async function legacyUser(): Promise<string> {
    const kvs = createLocalKvs(service);
    const created = await store.create('User', makeUser(decomposed));
    const record = await kvs.entity<Record<string, unknown>>('scim-user').get(created.id);
    await kvs
      .entity<Record<string, unknown>>('scim-user')
      .set(created.id, { ...record, userNameKey: decomposed.toLowerCase() });
    await kvs
      .transact()
      .delete(claimKey('User', decomposed), { entityName: CLAIM_ENTITY })
      .set(legacyKey(decomposed), { owner: created.id }, { entityName: CLAIM_ENTITY })
      .execute();
    return created.id;
  }

  beforeEach(() => {
    service = createLocalKvsService({ entities: loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml')) });
    store = new KvsDirectoryStore({ kvs: createLocalKvs(service) });
  });

  afterEach(async () => {
    await service.close();
  });

  test('is still found by the name as its IdP sends it', async () => {
    const id = await legacyUser();
    expect((await store.find('User', 'userName', decomposed)).map((u) => u.id)).toEqual([id]);
  });

  test('moves its claim on its next write, after which the composed spelling is taken', async () => {
    const id = await legacyUser();
    await store.replace('User', id, makeUser(decomposed, { title: 'x' }), undefined);
    await expect(store.create('User', makeUser('Jos\u00e9@example.com'))).rejects.toMatchObject({ kind: 'uniqueness' });
    expect((await store.find('User', 'userName', 'jos\u00e9@example.com')).map((u) => u.id)).toEqual([id]);
  });

  test('frees its old claim when deleted', async () => {
    const id = await legacyUser();
    await store.delete('User', id);
    await expect(store.create('User', makeUser(decomposed))).resolves.toMatchObject({
      resource: { userName: decomposed },
    });
    expect(
      await createLocalKvs(service).entity<{ owner: string }>(CLAIM_ENTITY).get(legacyKey(decomposed)),
    ).toBeUndefined();
  });
});
