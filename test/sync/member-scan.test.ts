/**
 * A group too large to compare in one job is compared in steps (src/sync/member-scan.ts): each job stays within its
 * call budget, keeps where it stopped, and the last one applies what the comparison found. At 10,000 members,
 * comparing at once took about 600 requests in one invocation (bench:forge, issue 11). Runs the engine as composed
 * for Forge over the in-process emulators, the directory store's requests counted against each job's budget.
 */
import type { LinkedEmulators } from '../../emulators';
import type { SyncParts } from '../../src/app/create-sync';
import type { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { withinBudget } from '../../src/sync/call-budget';
import { SCAN_MIN_MEMBERS } from '../../src/sync/member-scan';
import { seedDirectoryUser } from '../support/admin-seeds';
import { emulatedSync, pendingEntries, runBudgetedJobs } from '../support/emulated-sync';
import { kvsPerTest } from '../support/kvs-per-test';

/** A Forge job's share of its 100 requests (src/sync/call-budget.ts). */
const BUDGET = 78;
const MEMBERS = SCAN_MIN_MEMBERS + 300;

describe('sync engine: a huge group compared in steps', () => {
  const fixture = kvsPerTest();
  let emulators: LinkedEmulators;
  let store: KvsDirectoryStore;
  let sync: SyncParts;
  let groupId: string;
  let groupKey: string;
  let userIds: string[];

  /** Runs jobs of what is pending, each within BUDGET, until the outbox is empty; what each job spent. */
  async function runJobs(maxJobs = 400): Promise<{ spent: number[]; withGroup: number }> {
    const { spent, watched } = await runBudgetedJobs({ store, sync }, fixture, {
      budget: BUDGET,
      watch: groupKey,
      maxJobs,
    });
    return { spent, withGroup: watched };
  }

  const orgGroup = () => [...emulators.admin.state.groups.values()].find((g) => g.name === 'scim-everyone');
  /** The accounts the users were linked to, in order (read in batches, as the KVS allows). */
  const accountsOf = async (ids: readonly string[]): Promise<string[]> => {
    const links = await sync.links.getMany(ids.map((id) => `User.${id}`));
    return ids.map((id) => {
      const accountId = links.get(`User.${id}`)?.accountId;
      if (!accountId) throw new Error(`user ${id} has no account`);
      return accountId;
    });
  };

  beforeEach(async () => {
    ({ emulators, store, sync } = await emulatedSync(fixture, {
      meteredStore: true,
      sync: { permissionQuietSeconds: 0 },
    }));
    userIds = [];
    for (let i = 0; i < MEMBERS + 10; i += 1) {
      userIds.push((await store.create('User', { userName: `member${i}@example.com`, active: true })).id);
      // As an IdP's requests come: the local KVS holds the installation to Forge's rates.
      fixture.clock.ms += 100;
    }
    const members = userIds.slice(0, MEMBERS).map((value) => ({ value, type: 'User' as const }));
    const group = await store.create('Group', { displayName: 'Everyone' }, members.slice(0, 1_000));
    await store.updateGroup(group.id, undefined, [{ kind: 'add', members: members.slice(1_000) }]);
    groupId = group.id;
    groupKey = `Group.${group.id}`;
    const first = await runJobs();
    expect(Math.max(...first.spent)).toBeLessThanOrEqual(BUDGET);
    expect(orgGroup()?.members.size).toBe(MEMBERS);
    expect(await sync.links.get(groupKey)).toMatchObject({ state: 'synced', memberCount: MEMBERS });
  }, 120_000);

  it('repairs the org group over several jobs, each within its budget: missing members added, the app accounts it does not want removed, outsiders kept', async () => {
    const org = orgGroup();
    if (!org) throw new Error('no org group');
    const wanted = await accountsOf(userIds.slice(0, MEMBERS));
    const dropped = wanted.filter((_, i) => i % 10 === 7);
    for (const account of dropped) org.members.delete(account);
    const strays = await accountsOf(userIds.slice(MEMBERS));
    for (const account of strays) org.members.add(account);
    const outsiders = ['712020:outsider-1', '712020:outsider-2'];
    for (const account of outsiders) {
      seedDirectoryUser(emulators.admin, account, `${account.slice(7)}@elsewhere.example`);
      org.members.add(account);
    }

    await store.enqueue([groupKey]);
    const clock = { now: () => fixture.clock.ms, sleep: async () => undefined };
    const [entry] = await pendingEntries(store);
    await withinBudget({ calls: BUDGET, millis: 600_000 }, clock, () => sync.engine.process(entry ? [entry] : []));
    // The first job compared part of the group and kept its place.
    expect(await fixture.kvs.get(`scan:${groupKey}`)).toBeDefined();
    expect(org.members.size).toBe(MEMBERS - dropped.length + strays.length + outsiders.length);
    await store.enqueue([groupKey]);

    const { spent, withGroup } = await runJobs();
    expect(Math.max(...spent)).toBeLessThanOrEqual(BUDGET);
    expect(withGroup).toBeGreaterThan(1);
    expect([...org.members].sort()).toEqual([...wanted, ...outsiders].sort());
    expect(await fixture.kvs.get(`scan:${groupKey}`)).toBeUndefined();
    expect(await sync.links.get(groupKey)).toMatchObject({ state: 'synced', memberCount: MEMBERS });
  }, 120_000);

  it('compares again a change made while a comparison ran, whether it came before or after where the comparison stood', async () => {
    await store.enqueue([groupKey]);
    const clock = { now: () => fixture.clock.ms, sleep: async () => undefined };
    const [entry] = await pendingEntries(store);
    await withinBudget({ calls: BUDGET, millis: 600_000 }, clock, () => sync.engine.process(entry ? [entry] : []));
    expect(await fixture.kvs.get(`scan:${groupKey}`)).toBeDefined();
    // Members on both ends of the listing leave the group in the directory while the comparison runs.
    const leaving = [userIds[0], userIds[MEMBERS - 1]].filter((id): id is string => id !== undefined);
    const accounts = await accountsOf(leaving);
    await store.updateGroup(groupId, undefined, [{ kind: 'remove', values: leaving }]);

    const { spent } = await runJobs();
    expect(Math.max(...spent)).toBeLessThanOrEqual(BUDGET);
    const org = orgGroup();
    for (const account of accounts) expect(org?.members.has(account)).toBe(false);
    expect(org?.members.size).toBe(MEMBERS - leaving.length);
    expect(await sync.links.get(groupKey)).toMatchObject({ state: 'synced', memberCount: MEMBERS - leaving.length });
  }, 120_000);

  it('takes a deleted group apart in steps: the org group goes when only app accounts are in it, otherwise they leave it', async () => {
    const org = orgGroup();
    if (!org) throw new Error('no org group');
    const outsider = '712020:outsider-keeps';
    seedDirectoryUser(emulators.admin, outsider, 'keeps@elsewhere.example');
    org.members.add(outsider);
    await store.delete('Group', groupId);
    const { spent, withGroup } = await runJobs();
    expect(Math.max(...spent)).toBeLessThanOrEqual(BUDGET);
    expect(withGroup).toBeGreaterThan(1);
    // An outsider is there: the app's accounts left, the group stays.
    expect([...org.members]).toEqual([outsider]);
    expect(orgGroup()).toBeDefined();
    expect(await fixture.kvs.get(`scan:${groupKey}`)).toBeUndefined();

    // Once only the app's accounts are in it, the next deletion takes the org group away.
    const accounts = await accountsOf(userIds.slice(0, MEMBERS));
    org.members.clear();
    for (const account of accounts) org.members.add(account);
    await store.enqueue([groupKey]);
    const again = await runJobs();
    expect(Math.max(...again.spent)).toBeLessThanOrEqual(BUDGET);
    expect(orgGroup()).toBeUndefined();
  }, 120_000);
});
