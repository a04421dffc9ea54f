import { seededGroupId, seededUserId } from '../../../emulators/google/google-seed';
import { transitiveUsers } from '../../../emulators/google/google-state';
import type { DirectoryStore } from '../../../src/directory/directory-store';
import { pullHarness } from './pull-harness';

type Harness = ReturnType<typeof pullHarness>;

/** The directory as plain data: users by externalId, groups by externalId with member externalIds. */
async function directoryState(store: DirectoryStore) {
  const users = new Map<string, { id: string; userName: string; active: boolean }>();
  const byId = new Map<string, string>();
  for await (const batch of store.scan('User', 100_000)) {
    for (const user of batch) {
      users.set(String(user.resource.externalId), {
        id: user.id,
        userName: String(user.resource.userName),
        active: user.resource.active !== false,
      });
      byId.set(user.id, String(user.resource.externalId));
    }
  }
  const groups = new Map<string, { id: string; name: string; members: string[] }>();
  for await (const batch of store.scan('Group', 100_000)) {
    for (const group of batch) {
      const members: string[] = [];
      for await (const page of store.members(group.id))
        for (const m of page) members.push(byId.get(m.value) ?? `?${m.value}`);
      groups.set(String(group.resource.externalId), {
        id: group.id,
        name: String(group.resource.displayName),
        members: members.sort(),
      });
    }
  }
  return { users, groups };
}

/** What the directory must hold for the emulated account with every user and group selected. */
function expected(h: Harness) {
  const state = h.emulator.state;
  const users = new Map(
    [...state.users.values()].map((u) => [u.id, { userName: u.primaryEmail, active: !u.suspended && !u.archived }]),
  );
  const groups = new Map(
    [...state.groups.values()].map((g) => [
      g.id,
      {
        name: g.name,
        members: transitiveUsers(state, g.id)
          .map((u) => u.id)
          .sort(),
      },
    ]),
  );
  return { users, groups };
}

async function expectConverged(h: Harness): Promise<void> {
  const actual = await directoryState(h.store);
  const want = expected(h);
  expect(new Map([...actual.users].map(([id, u]) => [id, { userName: u.userName, active: u.active }]))).toEqual(
    want.users,
  );
  expect(new Map([...actual.groups].map(([id, g]) => [id, { name: g.name, members: g.members }]))).toEqual(want.groups);
}

async function outboxSize(store: DirectoryStore): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await store.pendingChanges(20, cursor);
    count += page.entries.length;
    cursor = page.cursor;
  } while (cursor);
  return count;
}

describe('a Google Workspace pull into the directory', () => {
  it("writes every user, group and flattened membership, in invocations within Forge's budget, and reports what it skipped", async () => {
    const h = pullHarness({ seed: { users: 120, groups: 12 } });
    const { summary } = await h.pull();
    await expectConverged(h);
    expect(summary.changes).toEqual(expect.objectContaining({ usersCreated: 121, groupsCreated: 12 }));
    expect(summary.findings.outsideDomain).toEqual({ count: 1, sample: ['partner@outside.example'] });
    expect(summary.findings.cycles).toEqual([
      [expect.stringContaining('team-010'), expect.stringContaining('team-011')],
    ]);
    expect(h.stats.maxCalls).toBeLessThanOrEqual(85);
    expect(h.stats.invocations).toBeGreaterThan(1);
    // Every written resource has its outbox entry, as a SCIM write leaves it.
    expect(await outboxSize(h.store)).toBe(121 + 12);
    expect(h.kicks()).toBeGreaterThan(0);
  });

  it('writes nothing when nothing changed', async () => {
    const h = pullHarness({ seed: { users: 60, groups: 8 } });
    await h.pull();
    const before = await directoryState(h.store);
    const kicks = h.kicks();
    const { summary } = await h.pull();
    expect(summary.changes.directoryWrites).toBe(0);
    expect(summary.unchangedUsers).toBe(61);
    expect(summary.unchangedGroups).toBe(8);
    expect(await directoryState(h.store)).toEqual(before);
    expect(h.kicks()).toBe(kicks);
  });

  it('converges on suspensions, a rename (same directory user), a membership change and a new group', async () => {
    const h = pullHarness({ seed: { users: 60, groups: 8 } });
    await h.pull();
    const before = await directoryState(h.store);
    const state = h.emulator.state;
    const renamed = state.users.get(seededUserId(6));
    const suspended = state.users.get(seededUserId(7));
    if (!renamed || !suspended) throw new Error('seed');
    renamed.primaryEmail = 'renamed.six@example.com';
    suspended.suspended = true;
    state.members.set(
      seededGroupId(3),
      (state.members.get(seededGroupId(3)) ?? []).filter((m) => m.id !== seededUserId(10)),
    );
    state.groups.set('03newgroup00001', {
      id: '03newgroup00001',
      email: 'new@example.com',
      name: 'New group',
      description: '',
    });
    state.members.set('03newgroup00001', [
      { type: 'GROUP', id: seededGroupId(3), email: 'x@example.com', role: 'MEMBER' },
    ]);
    const { summary } = await h.pull();
    await expectConverged(h);
    const after = await directoryState(h.store);
    expect(after.users.get(seededUserId(6))?.id).toBe(before.users.get(seededUserId(6))?.id);
    expect(after.users.get(seededUserId(6))?.userName).toBe('renamed.six@example.com');
    expect(summary.changes).toEqual(
      expect.objectContaining({ usersUpdated: 2, usersDeactivated: 1, groupsCreated: 1, usersCreated: 0 }),
    );
  });

  it('holds every deactivation when a selection drops most users, trips the breaker, and applies them once an admin confirms', async () => {
    const h = pullHarness({ seed: { users: 200, groups: 6 } });
    await h.pull();
    h.select({ users: { kind: 'org-units', paths: ['/Sales'] }, groups: { kind: 'all' } });
    const { summary } = await h.pull();
    expect(summary.heldDeactivations).toBeGreaterThan(100);
    expect(summary.changes.usersDeactivated).toBe(0);
    expect([...(await directoryState(h.store)).users.values()].filter((u) => !u.active).length).toBe(
      [...h.emulator.state.users.values()].filter((u) => u.suspended || u.archived).length,
    );
    expect((await h.breaker.state()).tripped).toBe(true);
    await h.breaker.confirm(summary.heldDeactivations);
    const confirmed = await h.pull();
    expect(confirmed.summary.heldDeactivations).toBe(0);
    expect(confirmed.summary.changes.usersDeactivated).toBe(summary.heldDeactivations);
  });

  it('deactivates no one when the read is cut off part-way, and resumes from the page it reached', async () => {
    const h = pullHarness({ seed: { users: 80, groups: 8 } });
    await h.pull();
    const before = await directoryState(h.store);
    h.emulator.state.users.delete(seededUserId(9));
    // The quota runs out after a few reads and stays out for longer than the client's backoff.
    h.emulator.quota.inject(50, 'quotaExceeded', 4);
    await h.runner.start('apply', 'test', 'same');
    const first = await h.step();
    expect(first).toEqual(expect.objectContaining({ state: 'waiting' }));
    expect((await h.runner.current())?.error?.kind).toBe('quota');
    expect(await directoryState(h.store)).toEqual(before);
    expect((await directoryState(h.store)).users.get(seededUserId(9))?.active).toBe(true);
    h.emulator.quota.clearInjected();
    let result = first;
    for (let i = 0; i < 200 && result.state !== 'done'; i += 1) result = await h.step();
    expect(result.state).toBe('done');
    expect((await directoryState(h.store)).users.get(seededUserId(9))?.active).toBe(false);
  });

  it('on the first pull after SCIM, adopts directory users by email and deactivates the ones Google does not have', async () => {
    const h = pullHarness({ seed: { users: 30, groups: 4 } });
    const adopted = await h.store.create('User', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'user00003@example.com',
      active: true,
    });
    const stranger = await h.store.create('User', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'left@example.com',
      active: true,
    });
    await h.pull();
    const state = await directoryState(h.store);
    expect(state.users.get(seededUserId(3))?.id).toBe(adopted.id);
    expect((await h.store.get('User', stranger.id))?.resource.active).toBe(false);
  });

  it('previews what a pull would change without writing anything', async () => {
    const h = pullHarness({ seed: { users: 40, groups: 6 } });
    const { summary } = await h.pull('preview');
    expect(summary.changes).toEqual(expect.objectContaining({ usersCreated: 41, groupsCreated: 6 }));
    expect(summary.changes.membersAdded).toBeGreaterThan(0);
    expect(summary.sample.length).toBeGreaterThan(0);
    expect(await h.store.count('User')).toBe(0);
    expect(await h.pullStore.get('last-preview')).toEqual(summary);
  });
});
