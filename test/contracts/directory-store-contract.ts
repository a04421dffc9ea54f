/**
 * The contract every DirectoryStore implementation must meet. Each suite gets a fresh store per test and,
 * when the implementation can count them, the storage operations it performs.
 */
import { DirectoryError, type DirectoryStore, type StoredMember } from '../../src/directory/directory-store';
import type { ScimObject } from '../../src/scim/resource/types';

/** A store under test, with an optional storage-operation counter. */
export interface StoreUnderTest {
  readonly store: DirectoryStore;
  /** Total storage operations so far, if the implementation counts them. */
  readonly operations?: () => number;
  close(): Promise<void>;
}

/** Builds a user resource for tests. */
export function makeUser(userName: string, extra: ScimObject = {}): ScimObject {
  return { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, active: true, ...extra };
}

/** Builds a group resource for tests. */
export function makeGroup(displayName: string, extra: ScimObject = {}): ScimObject {
  return { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName, ...extra };
}

async function allMembers(store: DirectoryStore, groupId: string): Promise<StoredMember[]> {
  const out: StoredMember[] = [];
  for await (const page of store.members(groupId)) out.push(...page);
  return out;
}

async function expectDirectoryError(promise: Promise<unknown>, kind: DirectoryError['kind']): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(DirectoryError);
  await expect(promise).rejects.toMatchObject({ kind });
}

/** Registers the contract suite for one implementation. */
export function describeDirectoryStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`DirectoryStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: DirectoryStore;

    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.close();
    });

    it('creates, reads, replaces and deletes a user, bumping the version on every change', async () => {
      const created = await store.create('User', makeUser('Alice@Example.com'));
      expect(created.version).toBe(1);
      expect(await store.get('User', created.id)).toMatchObject({
        id: created.id,
        resource: { userName: 'Alice@Example.com' },
      });
      const replaced = await store.replace(
        'User',
        created.id,
        makeUser('alice@example.com', { displayName: 'Alice' }),
        undefined,
      );
      expect(replaced.version).toBe(2);
      expect(replaced.created).toBe(created.created);
      expect((await store.get('User', created.id))?.resource.displayName).toBe('Alice');
      await store.delete('User', created.id);
      expect(await store.get('User', created.id)).toBeUndefined();
      expect(await store.count('User')).toBe(0);
      await expectDirectoryError(store.delete('User', created.id), 'not-found');
    });

    it('finds users by userName case-insensitively, by externalId exactly and by work email', async () => {
      const user = await store.create(
        'User',
        makeUser('Bob.Smith@Example.com', {
          externalId: 'Ext-1',
          emails: [
            { type: 'work', value: 'Bob@Work.example' },
            { type: 'home', value: 'bob@home.example' },
          ],
        }),
      );
      expect((await store.find('User', 'userName', 'bob.smith@example.COM')).map((u) => u.id)).toEqual([user.id]);
      expect((await store.find('User', 'externalId', 'Ext-1')).map((u) => u.id)).toEqual([user.id]);
      expect(await store.find('User', 'externalId', 'ext-1')).toEqual([]);
      expect((await store.find('User', 'workEmail', 'bob@work.example')).map((u) => u.id)).toEqual([user.id]);
      expect(await store.find('User', 'workEmail', 'bob@home.example')).toEqual([]);
    });

    it('rejects a second user whose userName differs only in case, and frees the name on delete and rename', async () => {
      const first = await store.create('User', makeUser('Carol'));
      await expectDirectoryError(store.create('User', makeUser('CAROL')), 'uniqueness');
      await store.replace('User', first.id, makeUser('Carol2'), undefined);
      const second = await store.create('User', makeUser('carol'));
      await expectDirectoryError(store.replace('User', second.id, makeUser('CAROL2'), undefined), 'uniqueness');
      await store.delete('User', first.id);
      await expect(store.create('User', makeUser('carol2'))).resolves.toMatchObject({
        resource: { userName: 'carol2' },
      });
    });

    it('compares userNames and displayNames in Unicode NFC: a composed and a decomposed name are one name, kept as sent', async () => {
      const composed = await store.create('User', makeUser('Jos\u00e9@example.com'));
      await expectDirectoryError(store.create('User', makeUser('JOSE\u0301@example.com')), 'uniqueness');
      expect((await store.find('User', 'userName', 'jose\u0301@EXAMPLE.com')).map((u) => u.id)).toEqual([composed.id]);
      expect((await store.get('User', composed.id))?.resource.userName).toBe('Jos\u00e9@example.com');
      const other = await store.create('User', makeUser('other@example.com'));
      await expectDirectoryError(
        store.replace('User', other.id, makeUser('Jose\u0301@example.com'), undefined),
        'uniqueness',
      );
      // Re-encoding the same name is no rename: the claim stays, and the spelling as sent is stored.
      await store.replace('User', composed.id, makeUser('Jose\u0301@example.com'), undefined);
      expect((await store.get('User', composed.id))?.resource.userName).toBe('Jose\u0301@example.com');
      await expectDirectoryError(store.create('User', makeUser('jos\u00e9@example.com')), 'uniqueness');
      const group = await store.create('Group', makeGroup('Caf\u00e9'));
      await expectDirectoryError(store.create('Group', makeGroup('CAFE\u0301')), 'uniqueness');
      const readers = await store.create('Group', makeGroup('Readers'));
      await expectDirectoryError(store.updateGroup(readers.id, makeGroup('cafe\u0301'), []), 'uniqueness');
      expect((await store.find('Group', 'displayName', 'cafe\u0301')).map((g) => g.id)).toEqual([group.id]);
      await store.delete('Group', group.id);
      await expect(store.create('Group', makeGroup('cafe\u0301'))).resolves.toMatchObject({
        resource: { displayName: 'cafe\u0301' },
      });
    });

    it('lets exactly one of many concurrent creates with the same userName win', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.create('User', makeUser(i % 2 === 0 ? 'dave' : 'DAVE'))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ kind: 'uniqueness' });
      expect(await store.count('User')).toBe(1);
    });

    it('honours an expected version and reports a mismatch', async () => {
      const user = await store.create('User', makeUser('erin'));
      await expectDirectoryError(
        store.replace('User', user.id, makeUser('erin'), undefined, { expectedVersion: 7 }),
        'version-mismatch',
      );
      await expect(
        store.replace('User', user.id, makeUser('erin', { title: 'x' }), undefined, { expectedVersion: 1 }),
      ).resolves.toMatchObject({ version: 2 });
      await expectDirectoryError(store.delete('User', user.id, { expectedVersion: 1 }), 'version-mismatch');
    });

    it('pages users in a stable insertion order, with the total, from any offset', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 45; i += 1)
        ids.push((await store.create('User', makeUser(`user-${String(i).padStart(3, '0')}`))).id);
      await store.delete('User', ids[10] as string);
      const expected = ids.filter((_, i) => i !== 10);
      const seen: string[] = [];
      for (let offset = 0; offset < 50; offset += 7) {
        const page = await store.page('User', offset, 7);
        expect(page.totalResults).toBe(44);
        seen.push(...page.resources.map((r) => r.id));
      }
      expect(seen).toEqual(expected);
      expect((await store.page('User', 100, 10)).resources).toEqual([]);
      expect((await store.page('User', 0, 0)).totalResults).toBe(44);
    });

    it('scans the whole collection and refuses to scan more than the limit', async () => {
      for (let i = 0; i < 30; i += 1) await store.create('User', makeUser(`scan-${i}`));
      const seen: string[] = [];
      for await (const batch of store.scan('User', 1000)) seen.push(...batch.map((r) => String(r.resource.userName)));
      expect(seen.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `scan-${i}`).sort());
      const tooMany = (async () => {
        for await (const _batch of store.scan('User', 10)) {
          // draining
        }
      })();
      await expectDirectoryError(tooMany, 'too-many');
    });

    it('pages through every id without reading resources, skipping none while resources come and go', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 320; i += 1) ids.push((await store.create('User', makeUser(`page-${i}`))).id);
      const all = async (maxIds: number, during?: (page: number) => Promise<void>): Promise<string[]> => {
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.idPage('User', maxIds, cursor);
          expect(page.ids.length).toBeGreaterThan(0);
          seen.push(...page.ids);
          cursor = page.cursor;
          pages += 1;
          await during?.(pages);
        } while (cursor !== undefined && pages < 1000);
        return seen;
      };
      expect((await all(100)).sort()).toEqual([...ids].sort());
      expect((await all(1000)).sort()).toEqual([...ids].sort());
      // Creates and deletes between pages: every id there throughout is listed, none twice.
      const added: string[] = [];
      const deleted = new Set([ids[0], ids[200]]);
      const seen = await all(100, async (page) => {
        if (page === 1) {
          for (const id of deleted) await store.delete('User', String(id));
          for (let i = 0; i < 40; i += 1) added.push((await store.create('User', makeUser(`late-${i}`))).id);
        }
      });
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of ids) if (!deleted.has(id)) expect(seen).toContain(id);
      expect((await store.idPage('Group', 100)).ids).toEqual([]);
    });

    it("pages a group's members from a cursor: each member there throughout is listed once", async () => {
      const users = [];
      for (let i = 0; i < 230; i += 1) users.push((await store.create('User', makeUser(`paged-${i}`))).id);
      const group = await store.create(
        'Group',
        makeGroup('Paged'),
        users.map((value) => ({ value, type: 'User' })),
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.memberPage(group.id, cursor);
        expect(page.members.length).toBeLessThanOrEqual(100);
        seen.push(...page.members.map((m) => m.value));
        cursor = page.cursor;
        pages += 1;
        // Between pages, one member leaves and another joins: the rest are each listed once.
        if (pages === 1)
          await store.updateGroup(group.id, undefined, [
            { kind: 'remove', values: [users[229]!] },
            {
              kind: 'add',
              members: [{ value: (await store.create('User', makeUser('paged-late'))).id, type: 'User' }],
            },
          ]);
      } while (cursor !== undefined && pages < 100);
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of users.slice(0, 229)) expect(seen).toContain(id);
      expect(await store.memberPage('no-such-group')).toEqual({ members: [] });
    });

    it('keeps group membership in separate records and applies changes in order', async () => {
      const users = await Promise.all(['m1', 'm2', 'm3', 'm4'].map((n) => store.create('User', makeUser(n))));
      const [u1, u2, u3, u4] = users.map((u) => u.id) as [string, string, string, string];
      const group = await store.create('Group', makeGroup('Engineering'), [
        { value: u1, type: 'User' },
        { value: u2, display: 'Two', type: 'User' },
      ]);
      expect((await allMembers(store, group.id)).map((m) => m.value).sort()).toEqual([u1, u2].sort());
      expect(await store.groupsOf(u1)).toEqual([group.id]);

      const afterRemove = await store.updateGroup(group.id, undefined, [
        { kind: 'remove', values: [u1] },
        { kind: 'add', members: [{ value: u3, type: 'User' }] },
      ]);
      expect(afterRemove.version).toBeGreaterThan(group.version);
      expect((await allMembers(store, group.id)).map((m) => m.value).sort()).toEqual([u2, u3].sort());
      expect(await store.groupsOf(u1)).toEqual([]);

      await store.updateGroup(group.id, undefined, [
        { kind: 'removeAll' },
        { kind: 'add', members: [{ value: u4, type: 'User' }] },
      ]);
      expect((await allMembers(store, group.id)).map((m) => m.value)).toEqual([u4]);

      await store.updateGroup(group.id, undefined, [
        {
          kind: 'replace',
          members: [
            { value: u1, type: 'User' },
            { value: u2, type: 'User' },
          ],
        },
      ]);
      expect((await allMembers(store, group.id)).map((m) => m.value).sort()).toEqual([u1, u2].sort());
    });

    it('does not bump the version for a change that changes nothing', async () => {
      const user = await store.create('User', makeUser('noop'));
      const group = await store.create('Group', makeGroup('NoOp'), [{ value: user.id, type: 'User' }]);
      const after = await store.updateGroup(group.id, undefined, [
        { kind: 'add', members: [{ value: user.id, type: 'User' }] },
        { kind: 'remove', values: ['absent'] },
      ]);
      expect(after.version).toBe(group.version);
    });

    it('enforces group displayName uniqueness case-insensitively, also on rename', async () => {
      const a = await store.create('Group', makeGroup('Admins'));
      await expectDirectoryError(store.create('Group', makeGroup('ADMINS')), 'uniqueness');
      const b = await store.create('Group', makeGroup('Readers'));
      await expectDirectoryError(store.updateGroup(b.id, makeGroup('admins'), []), 'uniqueness');
      await store.updateGroup(a.id, makeGroup('Administrators'), []);
      expect((await store.find('Group', 'displayName', 'administrators')).map((g) => g.id)).toEqual([a.id]);
      expect(await store.find('Group', 'displayName', 'admins')).toEqual([]);
    });

    it('names the ids holding many names at once, compared as find compares, at a cost set by the names', async () => {
      const admins = await store.create('Group', makeGroup('Admins'));
      const cafe = await store.create('Group', makeGroup('Caf\u00e9'));
      const renamed = await store.create('Group', makeGroup('Readers'));
      await store.updateGroup(renamed.id, makeGroup('Reviewers'), []);
      for (let i = 0; i < 60; i += 1) await store.create('Group', makeGroup(`Bulk ${i}`));
      const user = await store.create('User', makeUser('ann@example.com'));
      const before = subject.operations?.();
      const found = await store.idsByNames('Group', [
        'ADMINS',
        'cafe\u0301',
        'Readers',
        'Reviewers',
        'Nobody',
        'admins',
      ]);
      const spent = before === undefined ? undefined : (subject.operations?.() ?? 0) - before;
      expect([...found].sort()).toEqual(
        [
          ['ADMINS', admins.id],
          ['cafe\u0301', cafe.id],
          ['Reviewers', renamed.id],
          ['admins', admins.id],
        ].sort(),
      );
      // One batched read of the claims, whatever the collection holds: never a scan of 63 groups.
      if (spent !== undefined) expect(spent).toBeLessThanOrEqual(2);
      expect([...(await store.idsByNames('User', ['ANN@example.com']))]).toEqual([['ANN@example.com', user.id]]);
      expect(await store.idsByNames('User', ['Admins'])).toEqual(new Map());
      expect(await store.idsByNames('Group', [])).toEqual(new Map());
      await store.delete('Group', admins.id);
      expect(await store.idsByNames('Group', ['Admins'])).toEqual(new Map());
    });

    it('deleting a user removes it from every group and bumps those groups', async () => {
      const user = await store.create('User', makeUser('leaver'));
      const stayer = await store.create('User', makeUser('stayer'));
      const g1 = await store.create('Group', makeGroup('G1'), [
        { value: user.id, type: 'User' },
        { value: stayer.id, type: 'User' },
      ]);
      const g2 = await store.create('Group', makeGroup('G2'), [{ value: user.id, type: 'User' }]);
      await store.delete('User', user.id);
      expect((await allMembers(store, g1.id)).map((m) => m.value)).toEqual([stayer.id]);
      expect(await allMembers(store, g2.id)).toEqual([]);
      expect((await store.get('Group', g1.id))?.version).toBeGreaterThan(g1.version);
    });

    it('deleting a group removes its memberships', async () => {
      const user = await store.create('User', makeUser('member'));
      const group = await store.create('Group', makeGroup('Doomed'), [{ value: user.id, type: 'User' }]);
      await store.delete('Group', group.id);
      expect(await store.groupsOf(user.id)).toEqual([]);
      expect(await store.get('Group', group.id)).toBeUndefined();
      await expect(store.create('Group', makeGroup('doomed'))).resolves.toBeDefined();
    });

    it('says which ids are users and which are groups, and forgets deleted ones', async () => {
      const user = await store.create('User', makeUser('kind-user'));
      const group = await store.create('Group', makeGroup('Kind group'));
      const gone = await store.create('User', makeUser('kind-gone'));
      await store.delete('User', gone.id);
      const kinds = await store.kindsOf([
        user.id,
        group.id,
        gone.id,
        '00000000-0000-4000-8000-000000000000',
        'not an id',
        user.id,
      ]);
      expect(Object.fromEntries(kinds)).toEqual({ [user.id]: 'User', [group.id]: 'Group' });
      expect((await store.kindsOf([])).size).toBe(0);
    });

    it('holds a group of 10,000 members and changes it without rewriting the membership', async () => {
      const group = await store.create('Group', makeGroup('Everyone'));
      const values = Array.from({ length: 10_000 }, (_, i) => `member-${i}`);
      for (let i = 0; i < values.length; i += 500) {
        await store.updateGroup(group.id, undefined, [
          { kind: 'add', members: values.slice(i, i + 500).map((value) => ({ value })) },
        ]);
      }
      const before = subject.operations?.();
      await store.updateGroup(group.id, undefined, [
        { kind: 'remove', values: ['member-5'] },
        { kind: 'add', members: [{ value: 'member-new' }] },
      ]);
      const cost = before === undefined ? undefined : (subject.operations?.() ?? 0) - before;
      if (cost !== undefined) expect(cost).toBeLessThanOrEqual(6);
      const members = await allMembers(store, group.id);
      expect(members).toHaveLength(10_000);
      expect(members.some((m) => m.value === 'member-5')).toBe(false);
      expect(members.some((m) => m.value === 'member-new')).toBe(true);
    });

    it('loses no update when many requests change one group at once', async () => {
      const group = await store.create('Group', makeGroup('Busy'));
      const writers = Array.from({ length: 12 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 5; i += 1) {
            await store.updateGroup(group.id, undefined, [
              { kind: 'add', members: [{ value: `w${w}-a${i}` }, { value: `w${w}-b${i}` }] },
            ]);
          }
          await store.updateGroup(group.id, undefined, [{ kind: 'remove', values: [`w${w}-b0`] }]);
        })(),
      );
      await Promise.all(writers);
      const members = (await allMembers(store, group.id)).map((m) => m.value).sort();
      const expected: string[] = [];
      for (let w = 0; w < 12; w += 1) {
        for (let i = 0; i < 5; i += 1) {
          expected.push(`w${w}-a${i}`);
          if (i !== 0) expected.push(`w${w}-b${i}`);
        }
      }
      expect(members).toEqual(expected.sort());
      expect((await store.get('Group', group.id))?.version).toBe(1 + 12 * 6);
    });

    it('enqueues every change in its own transaction and keeps a newer change when an older one is acknowledged', async () => {
      const pending = async (): Promise<Map<string, number>> => {
        const out = new Map<string, number>();
        let cursor: string | undefined;
        do {
          const page = await store.pendingChanges(20, cursor);
          for (const entry of page.entries) out.set(entry.resourceKey, entry.version);
          cursor = page.cursor;
        } while (cursor);
        return out;
      };
      const user = await store.create('User', makeUser('outbox'));
      const group = await store.create('Group', makeGroup('Outbox'), [{ value: user.id, type: 'User' }]);
      expect(await pending()).toEqual(
        new Map([
          [`User.${user.id}`, 1],
          [`Group.${group.id}`, 2],
        ]),
      );
      await store.replace('User', user.id, makeUser('outbox', { title: 'x' }), undefined);
      expect(await store.acknowledge(`User.${user.id}`, 1)).toBe(false);
      expect((await pending()).get(`User.${user.id}`)).toBe(2);
      expect(await store.acknowledge(`User.${user.id}`, 2)).toBe(true);
      await store.delete('User', user.id);
      const after = await pending();
      expect(after.get(`User.${user.id}`)).toBe(3);
      expect(after.get(`Group.${group.id}`)).toBe(3);
      await store.enqueue(['Permissions.all']);
      const first = (await pending()).get('Permissions.all');
      expect(first).toBeDefined();
      expect(await store.acknowledge('Permissions.all', first ?? 0)).toBe(true);
      expect(await store.acknowledge('Permissions.all', first ?? 0)).toBe(true);
      expect((await pending()).has('Permissions.all')).toBe(false);
    });

    it('keeps a resource enqueued again while a job holds its earlier entry, whatever enqueued the two', async () => {
      const versionOf = async (key: string): Promise<number | undefined> => {
        let cursor: string | undefined;
        do {
          const page = await store.pendingChanges(20, cursor);
          const entry = page.entries.find((e) => e.resourceKey === key);
          if (entry) return entry.version;
          cursor = page.cursor;
        } while (cursor);
        return undefined;
      };
      const group = await store.create('Group', makeGroup('Requeued'));
      const key = `Group.${group.id}`;
      // A reconcile enqueues the group and a job takes that entry; meanwhile a member's re-invite asks for the group again.
      await store.enqueue([key]);
      const held = await versionOf(key);
      expect(held).toBeDefined();
      await store.enqueue([key]);
      const again = await versionOf(key);
      expect(again).not.toBe(held);
      expect(again).not.toBe(group.version);
      expect(await store.acknowledge(key, held ?? 0)).toBe(false);
      expect(await versionOf(key)).toBe(again);
      expect(await store.acknowledge(key, again ?? 0)).toBe(true);
      expect(await versionOf(key)).toBeUndefined();
    });

    it('says at which version each resource is pending, and leaves out what is not', async () => {
      const user = await store.create('User', makeUser('pending@example.com'));
      const group = await store.create('Group', makeGroup('Pending'));
      await store.acknowledge(`Group.${group.id}`, group.version);
      const versions = await store.pendingVersions([`User.${user.id}`, `Group.${group.id}`, 'User.nobody']);
      expect(Object.fromEntries(versions)).toEqual({ [`User.${user.id}`]: user.version });
      await store.enqueue([`Group.${group.id}`]);
      const requeued = (await store.pendingVersions([`Group.${group.id}`])).get(`Group.${group.id}`);
      expect(requeued).toEqual(expect.any(Number));
      expect(requeued).not.toBe(group.version);
    });

    it('reads any page for a bounded number of storage operations, whatever the directory size', async () => {
      if (!subject.operations) return;
      for (let i = 0; i < 2500; i += 1) await store.create('User', makeUser(`bulk-${i}`));
      const costOf = async (offset: number): Promise<number> => {
        const before = subject.operations?.() ?? 0;
        const page = await store.page('User', offset, 100);
        expect(page.resources).toHaveLength(100);
        return (subject.operations?.() ?? 0) - before;
      };
      const first = await costOf(0);
      const middle = await costOf(1200);
      const last = await costOf(2400);
      expect(Math.max(first, middle, last)).toBeLessThanOrEqual(8);
      const before = subject.operations?.() ?? 0;
      expect(await store.find('User', 'userName', 'BULK-2000')).toHaveLength(1);
      expect((subject.operations?.() ?? 0) - before).toBe(1);
    });
  });
}
