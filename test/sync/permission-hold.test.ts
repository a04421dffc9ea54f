/**
 * A permission run waits for the app groups whose own sync is pending when a grant to them failed
 * (src/sync/permission-hold.ts): after the organization lost a group, a run that comes before the group's job
 * (permission sync has a lane of its own) finds the slug gone, counts no failure, keeps the group's recorded grants,
 * compares the other groups, keeps its entry pending and asks to look again; a look with nothing new ready reads
 * nothing from Bitbucket; once the group's job recreated it, the next run grants to it and calls the grants synced.
 * Past MAX_HOLD_MS a failed grant is a failure again. Runs the engine as composed for Forge over the in-process
 * emulators.
 */
import { slugifyGroupName, type LinkedEmulators } from '../../emulators';
import type { SyncParts } from '../../src/app/create-sync';
import type { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import type { SyncEntry } from '../../src/sync/jobs';
import {
  failedGrantSlugs,
  MAX_HOLD_MS,
  pendingGroups,
  readyDigest,
  recheckSeconds,
  withHeld,
  withoutHeld,
} from '../../src/sync/permission-hold';
import { emulatedSync, pendingEntries, runUntilIdle as runUntilIdleOf } from '../support/emulated-sync';
import { kvsPerTest } from '../support/kvs-per-test';

const ENG = slugifyGroupName('scim-engineering');
const DESIGN = slugifyGroupName('scim-design');

describe('permission hold: the pure parts', () => {
  const record = { 'project:PLAT': { [ENG]: 'write', [DESIGN]: 'read' }, 'project:WEB': { [ENG]: 'read' } };

  it('takes the held slugs out of the record and puts the earlier ones back after a run', () => {
    const held = new Set([ENG]);
    expect(withoutHeld(record, held)).toEqual({ 'project:PLAT': { [DESIGN]: 'read' } });
    // The run changed Design's grant and knows nothing of Engineering's: Engineering's come back as they were.
    expect(withHeld({ 'project:PLAT': { [DESIGN]: 'admin' } }, record, held)).toEqual({
      'project:PLAT': { [DESIGN]: 'admin', [ENG]: 'write' },
      'project:WEB': { [ENG]: 'read' },
    });
  });

  it('looks again after the quiet time at first, then a quarter of the hold, at most five minutes', () => {
    expect(recheckSeconds(0, 0)).toBe(1);
    expect(recheckSeconds(0, 30)).toBe(30);
    expect(recheckSeconds(8 * 60_000, 30)).toBe(120);
    expect(recheckSeconds(59 * 60_000, 30)).toBe(300);
  });

  it('finds the group slugs of failed grant changes, and the pending groups among those it is asked about', async () => {
    const audit = [
      {
        action: 'put-grant' as const,
        resourceKey: 'Permissions.project:PLAT',
        display: `${ENG} on project PLAT`,
        outcome: 'failed' as const,
      },
      {
        action: 'put-grant' as const,
        resourceKey: 'Permissions.repository:web-app',
        display: `${ENG} on repository web-app`,
        outcome: 'failed' as const,
      },
      {
        action: 'put-grant' as const,
        resourceKey: 'Permissions.project:WEB',
        display: `${DESIGN} on project WEB`,
        outcome: 'applied' as const,
      },
    ];
    expect([...failedGrantSlugs(audit)]).toEqual([[ENG, 2]]);
    const groups = [
      { id: 'g1', displayName: 'Engineering', groupSlug: ENG },
      { id: 'g2', displayName: 'Design', groupSlug: DESIGN },
      { id: 'g3', displayName: 'Unnamed', groupSlug: 'scim-unnamed' },
    ];
    const asked: string[][] = [];
    const store = {
      pendingVersions: async (keys: readonly string[]) => {
        asked.push([...keys]);
        return new Map(keys.filter((key) => key !== 'Group.g2').map((key) => [key, 1]));
      },
    };
    expect(await pendingGroups(store, groups, (g) => g.groupSlug !== 'scim-unnamed')).toEqual([groups[0]]);
    expect(asked).toEqual([['Group.g1', 'Group.g2']]);
    expect(await pendingGroups(store, groups, () => false)).toEqual([]);
    expect(asked).toHaveLength(1);
  });

  it('digests what a waiting run compares against, whatever the order of the groups', () => {
    const rules = [{ id: 'r', group: 'engineering', projects: ['PLAT'], repositories: [], level: 'write' as const }];
    const ready = [
      { id: 'g2', displayName: 'Design', groupSlug: DESIGN },
      { id: 'g3', displayName: 'Unnamed', groupSlug: 'scim-unnamed' },
    ];
    const all = [{ id: 'g1', displayName: 'Engineering', groupSlug: ENG }, ...ready];
    expect(readyDigest(rules, false, ready)).toBe(readyDigest(rules, false, [...ready].reverse()));
    expect(readyDigest(rules, false, ready)).not.toBe(readyDigest(rules, false, all));
    expect(readyDigest(rules, false, ready)).not.toBe(readyDigest(rules, true, ready));
    expect(readyDigest(rules, false, ready)).not.toBe(readyDigest([], false, ready));
  });
});

describe('permission hold: a run before the lost group is synced again', () => {
  const fixture = kvsPerTest();
  let emulators: LinkedEmulators;
  let store: KvsDirectoryStore;
  let sync: SyncParts;
  const groupIds = new Map<string, string>();
  let bitbucketRequests: string[];

  beforeEach(async () => {
    bitbucketRequests = [];
    ({ emulators, store, sync } = await emulatedSync(fixture, {
      fetch: (toEmulators) => (url, init) => {
        if (url.includes('/2.0/')) bitbucketRequests.push(`${init.method} ${new URL(url).pathname}`);
        return toEmulators(url, init);
      },
      sync: { permissionQuietSeconds: 0 },
      settings: {
        rules: [
          { id: 'eng-plat', group: 'Engineering', projects: ['PLAT'], repositories: [], level: 'write' },
          { id: 'design-web', group: 'Design', projects: ['WEB'], repositories: [], level: 'read' },
        ],
      },
    }));
    const ada = (await store.create('User', { userName: 'ada@example.com', active: true })).id;
    for (const name of ['Engineering', 'Design'])
      groupIds.set(name, (await store.create('Group', { displayName: name }, [{ value: ada, type: 'User' }])).id);
    await runUntilIdleOf({ store, sync });
    expect(grant('PLAT', ENG)).toBe('write');
    expect(grant('WEB', DESIGN)).toBe('read');
  });

  function grant(project: string, slug: string): string | undefined {
    return emulators.bitbucket.state.permissions.get(`project:${project}:${slug}`)?.permission;
  }

  /** Someone deletes Engineering's org group, and Bitbucket drops its grants with it; Design's grant is taken too. */
  function loseEngineering(): void {
    const group = [...emulators.admin.state.groups.values()].find((g) => g.name === 'scim-engineering');
    if (!group) throw new Error('no org group');
    emulators.admin.state.groups.delete(group.id);
    for (const [key, held] of emulators.bitbucket.state.permissions)
      if (held.groupSlug === ENG || held.groupSlug === DESIGN) emulators.bitbucket.state.permissions.delete(key);
  }

  async function entry(key: string): Promise<SyncEntry> {
    const found = (await pendingEntries(store)).find((e) => e.key === key);
    if (!found) throw new Error(`${key} is not pending`);
    return found;
  }

  it('waits for the lost group without failing, looks again without Bitbucket, and grants once the group is back', async () => {
    loseEngineering();
    // "Sync now": the groups and the Permissions entry are queued together; the permission lane runs first.
    await store.enqueue([`Group.${groupIds.get('Engineering')}`, `Group.${groupIds.get('Design')}`, 'Permissions.all']);
    // Design is synced first (its group is whole); Engineering's job has not run yet.
    await sync.engine.process([await entry(`Group.${groupIds.get('Design')}`)]);
    bitbucketRequests = [];
    const first = await sync.engine.process([await entry('Permissions.all')]);
    // The grant to the slug that is gone was refused; it counts as no failure, and the run looks again in a second.
    expect(bitbucketRequests.filter((r) => r.startsWith('PUT') && r.includes(ENG))).toHaveLength(1);
    expect(first).toMatchObject({ failed: 0, drainAfterSeconds: 1 });
    expect(grant('WEB', DESIGN)).toBe('read');
    const link = await sync.links.get('Permissions.all');
    expect(link).toMatchObject({
      state: 'pending',
      lastComparison: 'different',
      detail: '1 group waits for its own sync before its grants are written',
      heldSince: new Date(fixture.clock.ms).toISOString(),
      heldGroups: [groupIds.get('Engineering')],
    });
    expect(link?.grants?.['project:PLAT']).toEqual({ [ENG]: 'write' });
    expect((await pendingEntries(store)).map((e) => e.key)).toContain('Permissions.all');

    // Looking again with nothing new ready reads nothing from Bitbucket and waits again, a little longer.
    fixture.clock.ms += 8_000;
    bitbucketRequests = [];
    const again = await sync.engine.process([await entry('Permissions.all')]);
    expect(bitbucketRequests).toEqual([]);
    expect(again).toMatchObject({ failed: 0, drainAfterSeconds: 2 });

    // Engineering's job creates the org group again; the next run grants to it and calls the grants synced.
    await sync.engine.process([await entry(`Group.${groupIds.get('Engineering')}`)]);
    const last = await sync.engine.process([await entry('Permissions.all')]);
    expect(last.drainAfterSeconds).toBeUndefined();
    expect(grant('PLAT', ENG)).toBe('write');
    expect(await sync.links.get('Permissions.all')).toMatchObject({ state: 'synced', lastComparison: 'repaired' });
    expect((await sync.links.get('Permissions.all'))?.heldSince).toBeUndefined();
    expect((await sync.links.get('Permissions.all'))?.heldGroups).toBeUndefined();
    expect((await pendingEntries(store)).map((e) => e.key)).not.toContain('Permissions.all');
  });

  it('leaves a waited-for group alone without its grants or its record, while other groups change', async () => {
    loseEngineering();
    await store.enqueue([`Group.${groupIds.get('Engineering')}`, 'Permissions.all']);
    await sync.engine.process([await entry('Permissions.all')]);
    // A rule for Design changes the desired grants: the next run compares Design again, and not Engineering.
    const settings = await sync.settings.get();
    await sync.settings.save({
      ...settings,
      rules: settings.rules.map((rule) => (rule.group === 'Design' ? { ...rule, level: 'write' as const } : rule)),
    });
    bitbucketRequests = [];
    await store.enqueue(['Permissions.all']);
    await sync.engine.process([await entry('Permissions.all')]);
    expect(grant('WEB', DESIGN)).toBe('write');
    expect(bitbucketRequests.filter((r) => r.includes(ENG))).toEqual([]);
    expect((await sync.links.get('Permissions.all'))?.grants?.['project:PLAT']).toEqual({ [ENG]: 'write' });
  });

  it('makes permission sync due again when a job of groups finishes while runs hold groups back', async () => {
    loseEngineering();
    await store.enqueue([`Group.${groupIds.get('Engineering')}`, `Group.${groupIds.get('Design')}`, 'Permissions.all']);
    await sync.engine.process([await entry('Permissions.all')]);
    const held = await sync.links.get('Permissions.all');
    // Design's job changes no app group, yet the held run must look again: its entry is queued anew.
    fixture.clock.ms += 1_000;
    const report = await sync.engine.process([await entry(`Group.${groupIds.get('Design')}`)]);
    expect(report.enqueuedMore).toBe(true);
    expect((await sync.links.get('Permissions.all'))?.groupsChangedAt).not.toBe(held?.groupsChangedAt);
    await runUntilIdleOf({ store, sync });
    expect(grant('PLAT', ENG)).toBe('write');
    expect(await sync.links.get('Permissions.all')).toMatchObject({ state: 'synced' });
  });

  it('fails as before once runs have waited for MAX_HOLD_MS, to be retried with the backoff', async () => {
    loseEngineering();
    await store.enqueue([`Group.${groupIds.get('Engineering')}`, 'Permissions.all']);
    await sync.engine.process([await entry('Permissions.all')]);
    expect((await sync.links.get('Permissions.all'))?.heldSince).toBeDefined();
    fixture.clock.ms += MAX_HOLD_MS;
    bitbucketRequests = [];
    const report = await sync.engine.process([await entry('Permissions.all')]);
    expect(bitbucketRequests.filter((r) => r.startsWith('PUT') && r.includes(ENG))).toHaveLength(1);
    expect(report.failed).toBe(1);
    expect(await sync.links.get('Permissions.all')).toMatchObject({ state: 'failed', attempts: 1 });
    expect((await sync.links.get('Permissions.all'))?.heldSince).toBeUndefined();
  });
});
