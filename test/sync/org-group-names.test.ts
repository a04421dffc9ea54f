/**
 * Org group names an admin recognises: the IdP displayName as a slug after the prefix, a hash only when that name
 * is taken (by another SCIM group's claim or by any org group, hand-made ones included), and the first group to
 * claim a name keeps it for good.
 */
import { hashedOrgGroupNameFor, orgGroupNameFor } from '../../src/targets/group-slug';
import { OrgGroupNames } from '../../src/sync/org-group-names';
import { seedGroup } from '../support/admin-seeds';
import { inProcessHostPerTest, scimCallTo } from '../support/in-process-host';
import { adminCaller, adminContext, convergeHost } from '../support/admin-harness';
import { kvsPerTest } from '../support/kvs-per-test';
import { patchOp } from '../support/scim-bodies';

const HASHED = /-h[0-9a-f]{10}$/;

describe('OrgGroupNames', () => {
  const fixture = kvsPerTest();

  it('gives the readable name first, a hashed one when it is claimed or taken in the org, and the same name again later', async () => {
    const names = new OrgGroupNames(fixture.kvs);
    const orgGroups = new Set(['scim-unicode-ops']);
    const taken = async (name: string): Promise<boolean> => orgGroups.has(name);
    const first = await names.nameFor({ id: 'g1', displayName: 'Engineering Team' }, 'scim-', taken);
    const second = await names.nameFor({ id: 'g2', displayName: 'engineering-team' }, 'scim-', taken);
    const third = await names.nameFor({ id: 'g3', displayName: 'Ünïcode Ops' }, 'scim-', taken);
    expect(first).toBe('scim-engineering-team');
    expect(second).toBe(hashedOrgGroupNameFor('engineering-team', 'scim-'));
    expect(second).toMatch(/^scim-engineering-team-h[0-9a-f]{10}$/);
    expect(third).toMatch(/^scim-unicode-ops-h[0-9a-f]{10}$/);
    // Kept for good: once the hand-made group is gone, the hashed name stays; a claim is never given away.
    orgGroups.clear();
    expect(await names.nameFor({ id: 'g3', displayName: 'Ünïcode Ops' }, 'scim-', taken)).toBe(third);
    expect(await names.nameFor({ id: 'g2', displayName: 'engineering-team' }, 'scim-', taken)).toBe(second);
    expect(await names.nameFor({ id: 'g1', displayName: 'Engineering Team' }, 'scim-', async () => true)).toBe(first);
  });

  it('never gives one name to two groups that claim it at once', async () => {
    const names = new OrgGroupNames(fixture.kvs);
    const got = await Promise.all(
      ['a', 'b', 'c', 'd'].map((id) => names.nameFor({ id, displayName: 'Ops' }, 'scim-', async () => false)),
    );
    expect(new Set(got).size).toBe(4);
    expect(got.filter((name) => name === 'scim-ops')).toHaveLength(1);
  });

  it('names a group by its slug without a hash, and hashes only a displayName without any slug-safe character', () => {
    expect(orgGroupNameFor('Platform Team', 'scim-')).toBe('scim-platform-team');
    expect(orgGroupNameFor('Équipe Données', 'scim-')).toBe('scim-equipe-donnees');
    expect(orgGroupNameFor('日本語', 'scim-')).toMatch(HASHED);
  });
});

describe('org group names in the sync', () => {
  const TOKEN = 'org-group-names-token';
  const started = inProcessHostPerTest({ bearerToken: TOKEN });
  const scim = scimCallTo(() => started.host, TOKEN);

  const converge = (): Promise<void> => convergeHost(started.host);

  it('gives "Engineering Team", "engineering-team" and "Ünïcode Ops" readable or hashed names, and leaves a hand-made scim-unicode-ops alone', async () => {
    const emulators = started.host.emulators;
    if (!emulators) throw new Error('no emulators');
    const handMade = 'hand-made-group-id';
    seedGroup(emulators.admin, handMade, 'scim-unicode-ops', { description: 'made by hand' });
    const user = await scim('POST', '/Users', { userName: 'ada@example.com', active: true });
    expect(user.status).toBe(201);
    const ids: string[] = [];
    for (const displayName of ['Engineering Team', 'engineering-team', 'Ünïcode Ops']) {
      const created = await scim('POST', '/Groups', { displayName });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
      await converge();
    }
    const patch = await scim(
      'PATCH',
      `/Groups/${ids[2]}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: user.body.id }] }),
    );
    expect(patch.status).toBe(204);
    await converge();

    const names = [...emulators.admin.state.groups.values()].map((g) => g.name).sort();
    const links = await started.host.sync.links.getMany(ids.map((id) => `Group.${id}`));
    const nameOf = (id: string | undefined): string | undefined => links.get(`Group.${id}`)?.orgGroupName;
    expect(nameOf(ids[0])).toBe('scim-engineering-team');
    expect(nameOf(ids[1])).toMatch(/^scim-engineering-team-h[0-9a-f]{10}$/);
    expect(nameOf(ids[2])).toMatch(/^scim-unicode-ops-h[0-9a-f]{10}$/);
    expect(names).toEqual([nameOf(ids[0]), nameOf(ids[1]), 'scim-unicode-ops', nameOf(ids[2])].sort());
    const original = emulators.admin.state.groups.get(handMade);
    expect(original).toMatchObject({ name: 'scim-unicode-ops', description: 'made by hand', roles: [] });
    expect(original?.members.size).toBe(0);
    const unicode = [...emulators.admin.state.groups.values()].find((g) => g.name === nameOf(ids[2]));
    expect(unicode?.members.size).toBe(1);

    // The page's mapping names each IdP group's org group.
    const mapping = await adminCaller(() => started.host, adminContext('a'))('groups/list', {});
    expect(mapping.total).toBe(3);
    expect(mapping.groups.map((g) => [g.displayName, g.orgGroupName, g.state])).toEqual([
      ['Engineering Team', 'scim-engineering-team', 'synced'],
      ['engineering-team', nameOf(ids[1]), 'synced'],
      ['Ünïcode Ops', nameOf(ids[2]), 'synced'],
    ]);
  });
});
