/**
 * A permission run over more projects and repositories than one invocation can read is compared over several jobs,
 * each within its call budget (src/sync/call-budget.ts: 78 of Forge's 100 requests), its place kept between them
 * (src/sync/permission-pass.ts). Reading each target's group permissions is one Bitbucket request: past about 70
 * targets a run in one job made more than 100 requests (issue 11). Runs the engine as composed for Forge over the
 * in-process emulators, the directory store's requests counted against each job's budget.
 */
import { permissionKey, type LinkedEmulators } from '../../emulators';
import type { SyncParts } from '../../src/app/create-sync';
import type { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { CONSUMER_BUDGET } from '../../src/sync/call-budget';
import { PERMISSIONS_KEY } from '../../src/sync/jobs';
import { emulatedSync, pendingEntries, runBudgetedJobs } from '../support/emulated-sync';
import { kvsPerTest } from '../support/kvs-per-test';

/** A Forge job's share of its 100 requests. */
const BUDGET = CONSUMER_BUDGET.calls;
const REPOSITORIES = 150;
const APP_GROUP = 'scim-engineering';
const slugOf = (i: number): string => `bulk-${String(i).padStart(3, '0')}`;

describe('permission sync: a run over many repositories, within each job budget', () => {
  const fixture = kvsPerTest();
  let emulators: LinkedEmulators;
  let store: KvsDirectoryStore;
  let sync: SyncParts;

  /** Runs jobs of what is pending, each within BUDGET, until the outbox is empty; what each job spent. */
  async function runJobs(maxJobs = 60): Promise<{ spent: number[]; withPermissions: number }> {
    const options = { budget: BUDGET, watch: PERMISSIONS_KEY, maxJobs };
    const { spent, watched } = await runBudgetedJobs({ store, sync }, fixture, options);
    return { spent, withPermissions: watched };
  }

  /** Bitbucket's group grants on the bulk repositories, as `slug|group` -> level. */
  function grants(): Map<string, string> {
    return new Map(
      [...emulators.bitbucket.state.permissions.values()]
        .filter((p) => p.kind === 'repository' && p.target.startsWith('bulk-'))
        .map((p): [string, string] => [`${p.target}|${p.groupSlug}`, p.permission]),
    );
  }

  /** What a test expects: `level` for the app group on each of `slugs`, and the grants made by hand. */
  function expected(slugs: readonly string[], level: string): Map<string, string> {
    const out = new Map(slugs.map((slug): [string, string] => [`${slug}|${APP_GROUP}`, level]));
    // Made by hand: the app group's admin grant on bulk-010 is not the app's, nor is any grant of another group.
    out.set(`bulk-010|${APP_GROUP}`, 'admin');
    for (const slug of ['bulk-003', 'bulk-077', 'bulk-149']) out.set(`${slug}|hand-made`, 'write');
    return new Map([...out].sort());
  }

  beforeEach(async () => {
    ({ emulators, store, sync } = await emulatedSync(fixture, {
      meteredStore: true,
      sync: { permissionQuietSeconds: 0 },
      settings: {
        rules: [{ id: 'bulk', group: 'Engineering', projects: [], repositories: ['bulk-*'], level: 'write' }],
      },
    }));
    const template = emulators.bitbucket.state.repositories[0];
    if (!template) throw new Error('no seeded repository');
    for (let i = 0; i < REPOSITORIES; i += 1)
      emulators.bitbucket.state.repositories.push({
        ...template,
        slug: slugOf(i),
        name: slugOf(i),
        uuid: `{00000000-0000-4000-8000-${String(i).padStart(12, '0')}}`,
      });
    emulators.bitbucket.state.groups.push({ slug: 'hand-made', name: 'Hand made' });
    const handMade = [
      { target: 'bulk-010', groupSlug: APP_GROUP, permission: 'admin' as const },
      ...['bulk-003', 'bulk-077', 'bulk-149'].map((target) => ({
        target,
        groupSlug: 'hand-made',
        permission: 'write' as const,
      })),
    ];
    for (const grant of handMade)
      emulators.bitbucket.state.permissions.set(permissionKey('repository', grant.target, grant.groupSlug), {
        kind: 'repository',
        ...grant,
      });
  });

  it('grants every repository over several jobs of at most 78 requests, then narrows them, never touching a grant made by hand', async () => {
    const members = [];
    for (let i = 0; i < 2; i += 1)
      members.push({
        value: (await store.create('User', { userName: `eng${i}@example.com`, active: true })).id,
        type: 'User' as const,
      });
    await store.create('Group', { displayName: 'Engineering' }, members);
    const all = Array.from({ length: REPOSITORIES }, (_, i) => slugOf(i));

    const first = await runJobs();
    expect(Math.max(...first.spent)).toBeLessThanOrEqual(BUDGET);
    expect(first.withPermissions).toBeGreaterThan(2);
    expect(new Map([...grants()].sort())).toEqual(expected(all, 'write'));
    expect(await sync.links.get(PERMISSIONS_KEY)).toMatchObject({ state: 'synced', lastComparison: 'repaired' });
    expect(await fixture.kvs.get('pass:Permissions.all')).toBeUndefined();

    // The rules narrow to bulk-000 to bulk-099, read: 100 grants lowered, 50 removed, over several jobs again.
    await sync.settings.save({
      ...(await sync.settings.get()),
      rules: [{ id: 'bulk', group: 'Engineering', projects: [], repositories: ['bulk-0*'], level: 'read' }],
    });
    await store.enqueue([PERMISSIONS_KEY]);
    const second = await runJobs();
    expect(Math.max(...second.spent)).toBeLessThanOrEqual(BUDGET);
    expect(second.withPermissions).toBeGreaterThan(2);
    expect(new Map([...grants()].sort())).toEqual(expected(all.slice(0, 100), 'read'));
    expect(await sync.links.get(PERMISSIONS_KEY)).toMatchObject({ state: 'synced', lastComparison: 'repaired' });

    // Nothing left to change: one more run compares every repository again and finds them equal.
    await store.enqueue([PERMISSIONS_KEY]);
    const third = await runJobs();
    expect(Math.max(...third.spent)).toBeLessThanOrEqual(BUDGET);
    expect(await sync.links.get(PERMISSIONS_KEY)).toMatchObject({ state: 'synced', lastComparison: 'equal' });
    expect(new Map([...grants()].sort())).toEqual(expected(all.slice(0, 100), 'read'));
  }, 120_000);
  it('reads the groups the rules name, not every app group: 1,200 other groups cost a run no job', async () => {
    const engineering = await store.create('Group', { displayName: 'Engineering' });
    // 1,200 app groups no rule names, linked as group sync leaves them (their outbox entries done). Reading every
    // group and its link was 96 batch reads at this size; at 5,000 groups, 425 requests in one job (issue 11).
    for (let i = 0; i < 1_200; i += 1) {
      // Within Forge's 4,000 write units a minute, as the local KVS holds the test to.
      if (i % 100 === 99) fixture.clock.ms += 60_000;
      const group = await store.create('Group', { displayName: `Other ${i}` });
      await store.acknowledge(`Group.${group.id}`, group.version);
      await sync.links.put({ key: `Group.${group.id}`, state: 'synced', attempts: 0, groupSlug: `scim-other-${i}` });
    }
    const all = Array.from({ length: REPOSITORIES }, (_, i) => slugOf(i));
    const first = await runJobs();
    expect(await sync.links.get(`Group.${engineering.id}`)).toMatchObject({ groupSlug: APP_GROUP });
    expect(Math.max(...first.spent)).toBeLessThanOrEqual(BUDGET);
    // As many jobs as without the other groups (five, measured). Reading them all, the run never finished: each job
    // spent its budget on the groups and compared the same first 59 repositories again.
    expect(first.withPermissions).toBeLessThanOrEqual(5);
    expect(new Map([...grants()].sort())).toEqual(expected(all, 'write'));
    expect(await sync.links.get(PERMISSIONS_KEY)).toMatchObject({ state: 'synced', lastComparison: 'repaired' });
  }, 120_000);
  it('reads the named groups again after a group change, even when a job writes back an older Permissions link', async () => {
    await sync.settings.save({
      ...(await sync.settings.get()),
      rules: [
        { id: 'eng', group: 'Engineering', projects: [], repositories: ['bulk-00?'], level: 'write' },
        { id: 'ops', group: 'Ops', projects: [], repositories: ['bulk-01?'], level: 'read' },
      ],
    });
    await store.create('Group', { displayName: 'Engineering' });
    await runJobs();
    const first = Array.from({ length: 10 }, (_, i) => slugOf(i));
    // The app group's grants on bulk-000 to bulk-009, beside the admin grant on bulk-010 made by hand.
    const engineering = [...grants().keys()].filter((k) => k.includes(APP_GROUP)).sort();
    expect(engineering).toEqual([...first, 'bulk-010'].map((slug) => `${slug}|${APP_GROUP}`));
    // The Permissions link as a permission job reads it, before Ops is there.
    const read = await sync.links.get(PERMISSIONS_KEY);
    if (!read) throw new Error('no Permissions link');
    await store.create('Group', { displayName: 'Ops' });
    const ops = (await pendingEntries(store)).filter((e) => e.key.startsWith('Group.'));
    await sync.engine.process(ops);
    // A permission job that read the link before writes it back whole after Ops arrived (its groupsChangedAt too).
    await sync.links.put(read);
    await store.enqueue([PERMISSIONS_KEY]);
    await runJobs();
    const opsGrants = [...grants()].filter(([k]) => k.endsWith('|scim-ops'));
    expect(opsGrants).toEqual(Array.from({ length: 10 }, (_, i): [string, string] => [`bulk-01${i}|scim-ops`, 'read']));
  }, 120_000);
});
