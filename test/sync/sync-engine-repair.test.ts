/**
 * The engine restores whole what the organization lost (issue 13, item 1): a group deleted in the org comes back
 * with its Bitbucket role and members in the same job, or, when the job's budget has no room left, in the next one
 * (its entry is handed back, never dropped); a member whose account the org lost makes the group wait for the user's
 * re-invite, which asks for the group again; the grants of the recreated group are written again. Each resource
 * records when it was last compared with the organization and what that found, and is not called synced while a
 * difference is not repaired. Users a job's budget leaves over are picked up by the next job without counting twice
 * against the circuit breaker. Runs the engine as composed for Forge over the in-process emulators.
 */
import { slugifyGroupName, type LinkedEmulators } from '../../emulators';
import type { SyncParts } from '../../src/app/create-sync';
import { EMULATED_TARGET } from '../../src/local/local-host';
import type { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { withinBudget } from '../../src/sync/call-budget';
import type { BatchReport } from '../../src/sync/engine-ports';
import type { SyncEntry } from '../../src/sync/jobs';
import { emulatedSync, pendingEntries } from '../support/emulated-sync';
import { runUntilIdle as runUntilIdleOf } from '../support/emulated-sync';
import { kvsPerTest } from '../support/kvs-per-test';

describe('sync engine: restoring what the organization lost', () => {
  const fixture = kvsPerTest();
  let emulators: LinkedEmulators;
  let store: KvsDirectoryStore;
  let sync: SyncParts;
  let userIds: string[];
  let groupId: string;
  /** Called before each remote request reaches the emulators (a test's way to change the organization meanwhile). */
  let beforeRequest: ((url: string, method: string) => void) | undefined;

  beforeEach(async () => {
    beforeRequest = undefined;
    ({ emulators, store, sync } = await emulatedSync(fixture, {
      fetch: (toEmulators) => (url, init) => {
        beforeRequest?.(url, init.method);
        return toEmulators(url, init);
      },
      sync: { permissionQuietSeconds: 0 },
      settings: {
        rules: [{ id: 'eng-plat', group: 'Engineering', projects: ['PLAT'], repositories: [], level: 'write' }],
      },
    }));
    userIds = [];
    for (const name of ['ada', 'grace', 'alan'])
      userIds.push((await store.create('User', { userName: `${name}@example.com`, active: true })).id);
    groupId = (
      await store.create(
        'Group',
        { displayName: 'Engineering' },
        userIds.map((value) => ({ value, type: 'User' as const })),
      )
    ).id;
    await runUntilIdle();
    expect(orgGroup()?.members.size).toBe(3);
  });

  /** Every pending outbox entry, oldest first. */
  const pending = (): Promise<SyncEntry[]> => pendingEntries(store);

  const runUntilIdle = (): Promise<void> => runUntilIdleOf({ store, sync });

  function orgGroup() {
    return [...emulators.admin.state.groups.values()].find((g) => g.name === 'scim-engineering');
  }

  function accountOf(email: string) {
    return [...emulators.admin.state.users.values()].find((u) => u.email === email);
  }

  /** Someone deletes the org group in admin.atlassian.com; Bitbucket drops its grants with it. */
  function deleteOrgGroup(): void {
    const group = orgGroup();
    if (!group) throw new Error('no org group');
    emulators.admin.state.groups.delete(group.id);
    for (const [key, grant] of emulators.bitbucket.state.permissions)
      if (grant.groupSlug === slugifyGroupName(group.name)) emulators.bitbucket.state.permissions.delete(key);
  }

  async function processGroup(budget?: number): Promise<BatchReport> {
    await store.enqueue([`Group.${groupId}`]);
    const entries = (await pending()).filter((e) => e.key === `Group.${groupId}`);
    return budget === undefined
      ? sync.engine.process(entries)
      : withinBudget(
          { calls: budget, millis: 60_000 },
          { now: () => fixture.clock.ms, sleep: async () => undefined },
          () => sync.engine.process(entries),
        );
  }

  it('creates a lost group again with its Bitbucket role and every member in the same job, and calls it repaired', async () => {
    expect(await sync.links.get(`Group.${groupId}`)).toMatchObject({ state: 'synced' });
    deleteOrgGroup();
    const report = await processGroup();
    const group = orgGroup();
    expect(group?.roles).toEqual([{ resourceId: EMULATED_TARGET.workspaceResourceId, roleId: 'atlassian/user' }]);
    expect([...(group?.members ?? [])].sort()).toEqual(
      ['ada', 'grace', 'alan'].map((n) => accountOf(`${n}@example.com`)?.accountId).sort(),
    );
    // create, role, three members
    expect(report).toMatchObject({ remoteWrites: 5, failed: 0, leftover: [] });
    const link = await sync.links.get(`Group.${groupId}`);
    expect(link).toMatchObject({
      state: 'synced',
      orgGroupId: group?.id,
      lastComparison: 'repaired',
      difference: 'the org group is missing; then the org group has no Bitbucket role; 3 members missing',
    });
    expect(Date.parse(link?.lastComparedAt ?? '')).toBe(fixture.clock.ms);
    expect((await pending()).map((e) => e.key)).toEqual(['Permissions.all']);
  });

  it("writes the recreated group's grants again and records the permission run's comparison", async () => {
    const slug = slugifyGroupName('scim-engineering');
    expect(emulators.bitbucket.state.permissions.get(`project:PLAT:${slug}`)?.permission).toBe('write');
    deleteOrgGroup();
    expect(emulators.bitbucket.state.permissions.size).toBe(0);
    fixture.clock.ms += 60_000;
    await processGroup();
    // Permission sync is due because the group was created again; its run writes the grant to the new group.
    await runUntilIdle();
    expect(emulators.bitbucket.state.permissions.get(`project:PLAT:${slug}`)?.permission).toBe('write');
    expect(await sync.links.get('Permissions.all')).toMatchObject({
      state: 'synced',
      lastComparison: 'repaired',
      difference: '1 grant to change',
      lastComparedAt: new Date(fixture.clock.ms).toISOString(),
    });
    // Compared again with nothing lost: equal, and still synced.
    await store.enqueue(['Permissions.all', `Group.${groupId}`]);
    await runUntilIdle();
    expect(await sync.links.get('Permissions.all')).toMatchObject({ state: 'synced', lastComparison: 'equal' });
    expect(await sync.links.get(`Group.${groupId}`)).toMatchObject({ state: 'synced', lastComparison: 'equal' });
    expect((await sync.links.get(`Group.${groupId}`))?.difference).toBeUndefined();
  });

  it("adds members over several jobs when one job's budget holds only some, stopping between two changes and never repeating one", async () => {
    const group = orgGroup();
    if (!group) throw new Error('no org group');
    group.members.clear();
    const addsBefore = emulators.admin.writeLog.filter(
      (w) => w.method === 'POST' && w.path.endsWith('/memberships'),
    ).length;
    const details: string[] = [];
    let jobs = 0;
    // The requests of each job after the first: the carried plan is applied without reading the org again.
    const requests: string[][] = [];
    beforeRequest = (url, method) => requests.at(-1)?.push(`${method} ${new URL(url).pathname}`);
    for (let report = await processGroup(10); ; report = await processGroup(10)) {
      requests.push([]);
      jobs += 1;
      if (report.leftover.length === 0) {
        // The last job is the fresh comparison after the carried changes: it finds nothing left to do.
        expect(report.applied).toBe(0);
        break;
      }
      expect(report.applied).toBeGreaterThan(0);
      expect(report.leftover).toEqual([`Group.${groupId}`]);
      details.push(String((await sync.links.get(`Group.${groupId}`))?.detail));
      if (jobs > 5) throw new Error('the group never finished');
    }
    expect(jobs).toBeGreaterThan(1);
    expect(details[0]).toMatch(/^1 change applied; 2 more follow in the next job$/);
    // requests[i] holds job i + 2's requests (recorded after job i + 1 returned): the carried jobs make member adds
    // only, no reads; the last one (the fresh comparison) reads the org and writes nothing.
    expect(
      requests
        .slice(0, -2)
        .flat()
        .every((r) => /^POST .*\/memberships$/.test(r)),
    ).toBe(true);
    expect(requests.slice(0, -2).flat().length).toBe(2);
    expect(requests.at(-2)?.some((r) => /memberships$/.test(r))).toBe(false);
    expect(orgGroup()?.members.size).toBe(3);
    const adds = emulators.admin.writeLog
      .filter((w) => w.method === 'POST' && w.path.endsWith('/memberships'))
      .slice(addsBefore);
    expect(adds).toHaveLength(3);
    expect(new Set(adds.map((w) => w.body)).size).toBe(3);
    expect(await sync.links.get(`Group.${groupId}`)).toMatchObject({ state: 'synced', lastComparison: 'equal' });
  });

  it('hands a recreated group back when the budget leaves no room for its role and members, and the next job finishes it', async () => {
    deleteOrgGroup();
    const report = await processGroup(10);
    expect(orgGroup()?.members.size).toBe(0);
    expect(orgGroup()?.roles).toEqual([]);
    expect(report.leftover).toEqual([`Group.${groupId}`]);
    expect(await sync.links.get(`Group.${groupId}`)).toMatchObject({
      state: 'pending',
      lastComparison: 'different',
      difference: 'the org group is missing',
      detail: expect.stringContaining('follow in the next job'),
    });
    // Its entry stayed in the outbox, so nothing is lost even before the dispatcher enqueues the leftover again.
    expect((await pending()).map((e) => e.key)).toContain(`Group.${groupId}`);
    await runUntilIdle();
    expect(orgGroup()?.members.size).toBe(3);
    expect(orgGroup()?.roles).toHaveLength(1);
    expect(await sync.links.get(`Group.${groupId}`)).toMatchObject({
      state: 'synced',
      lastComparison: 'repaired',
      difference: 'the org group has no Bitbucket role; 3 members missing',
    });
  });

  it('lets a group wait for a member whose account the organization lost, re-invites the user, and then adds the new account', async () => {
    const lost = accountOf('grace@example.com');
    if (!lost) throw new Error('grace has no account');
    emulators.admin.state.users.delete(lost.accountId);
    orgGroup()?.members.delete(lost.accountId);
    // The user's link still names the lost account, so the group's comparison plans to add that one.
    const report = await processGroup();
    expect(report).toMatchObject({ failed: 0, remoteWrites: 0, enqueuedMore: true });
    expect(await sync.links.get(`Group.${groupId}`)).toMatchObject({
      state: 'pending',
      lastComparison: 'different',
      difference: '1 member missing',
      detail: expect.stringContaining('Waiting for 1 member account'),
    });
    expect((await pending()).map((e) => e.key)).toEqual([`User.${userIds[1]}`]);
    await runUntilIdle();
    const account = accountOf('grace@example.com');
    expect(account?.accountId).not.toBe(lost.accountId);
    expect(orgGroup()?.members.has(account?.accountId ?? '')).toBe(true);
    expect(orgGroup()?.members.size).toBe(3);
    expect(await sync.links.get(`User.${userIds[1]}`)).toMatchObject({
      state: 'synced',
      accountId: account?.accountId,
      lastComparison: 'repaired',
      difference: 'no account in the organization',
    });
    // The re-invite carried the membership (additionalGroups), so the group's next comparison finds it equal.
    expect(await sync.links.get(`Group.${groupId}`)).toMatchObject({ state: 'synced', lastComparison: 'equal' });
    expect((await sync.links.get(`Group.${groupId}`))?.awaitingMembers).toBeUndefined();
  });

  it('fails a member add on a group the organization lost meanwhile instead of blaming an account that is there', async () => {
    const group = orgGroup();
    const grace = accountOf('grace@example.com');
    if (!group || !grace) throw new Error('no org group or account');
    group.members.delete(grace.accountId);
    // The group is deleted between the comparison that found it and the add.
    beforeRequest = (url, method) => {
      if (method === 'POST' && url.endsWith('/memberships')) emulators.admin.state.groups.delete(group.id);
    };
    const report = await processGroup();
    expect(report).toMatchObject({ failed: 1, enqueuedMore: false });
    expect(await sync.links.get(`Group.${groupId}`)).toMatchObject({
      state: 'failed',
      lastComparison: 'different',
      difference: '1 member missing',
      lastError: expect.stringContaining('404'),
    });
    expect(await sync.links.get(`User.${userIds[1]}`)).toMatchObject({ state: 'synced', accountId: grace.accountId });
    expect(await pending()).toEqual([]);
  });

  it('counts with the circuit breaker only the deactivations a job starts: users the budget leaves over are counted once, by the job that takes them', async () => {
    for (const id of userIds) {
      const stored = await store.get('User', id);
      if (!stored) throw new Error('no user');
      await store.replace('User', id, { ...stored.resource, active: false }, undefined);
    }
    const entries = (await pending()).filter((e) => e.key.startsWith('User.'));
    expect(entries).toHaveLength(3);
    const counted = async (): Promise<number> =>
      (await sync.breaker.state()).recent.reduce((sum, bucket) => sum + bucket.count, 0);
    const report = await withinBudget(
      { calls: 30, millis: 60_000 },
      { now: () => fixture.clock.ms, sleep: async () => undefined },
      () => sync.engine.process(entries),
    );
    expect(report.leftover.length).toBeGreaterThan(0);
    expect(await counted()).toBe(entries.length - report.leftover.length);
    await store.enqueue(report.leftover);
    await runUntilIdle();
    expect(await counted()).toBe(3);
    expect(orgGroup()?.members.size).toBe(0);
  });
});
