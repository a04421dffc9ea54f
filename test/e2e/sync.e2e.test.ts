/**
 * The sync engine end to end: SCIM requests over HTTP into the local host, jobs through the local Forge runtime's queue,
 * real HTTP clients against the emulated Atlassian APIs. After each phase the emulated organization must equal
 * the state the SCIM directory implies, exactly, and the number of applied remote writes must equal the
 * minimum the changes need (nothing lost, nothing duplicated).
 */
import type { LocalHost } from '../../src/local/local-host';
import type { DeliveryOptions } from '../../src/local/forge-runtime';
import type { PermissionRule } from '../../src/sync/settings';
import { slugifyGroupName } from '../../emulators';
import { orgGroupNameFor } from '../../src/targets/group-slug';
import { actualGrants, expectedGrants } from '../support/grant-state';
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';
import { actualState, appliedChanges, directoryFromStore, expectedState, GROUP_PREFIX, populate, scimOverHttp, seeded, type OrgState, type Populated, type ScimCall } from '../support/sync-state';

const TOKEN = 'sync-e2e-token';

/** Rules over the populated teams and the emulated workspace (projects PLAT and WEB; platform-api, platform-infra, web-app). */
const RULES: PermissionRule[] = [
  { id: 'team0-read-all', group: 'Team 0', projects: [], repositories: ['*'], level: 'read' },
  { id: 'team0-write-platform', group: 'team 0', projects: [], repositories: ['platform-*'], level: 'write' },
  { id: 'team1-plat', group: 'Team 1', projects: ['PLAT'], repositories: [], level: 'create-repo' },
  { id: 'team2-web', group: 'Team 2', projects: ['web'], repositories: ['web-?pp'], level: 'admin' },
  { id: 'team10-renamed-later', group: 'Team 10', projects: ['WEB'], repositories: ['platform-api'], level: 'write' },
  { id: 'team15-deleted-later', group: 'Team 15', projects: [], repositories: ['*-infra'], level: 'admin' },
  { id: 'nobody', group: 'Not pushed by the IdP', projects: ['PLAT'], repositories: ['*'], level: 'admin' },
];

interface Harness {
  started: InProcessHost;
  host: LocalHost;
  call: ScimCall;
  /** SCIM group id -> the displayName it had when its org group was created (renames keep the org name). */
  originalNames: Map<string, string>;
}

async function start(options: { seed?: number; queue?: DeliveryOptions; rules?: PermissionRule[] } = {}): Promise<Harness> {
  const started = await startInProcessHost({
    bearerToken: TOKEN,
    ...(options.seed !== undefined ? { emulatorSeed: options.seed } : {}),
    ...(options.queue ? { queue: options.queue } : {}),
  });
  if (options.rules) await started.host.sync.settings.save({ ...(await started.host.sync.settings.get()), rules: options.rules });
  return {
    started,
    host: started.host,
    originalNames: new Map(),
    call: scimOverHttp(started.host.scimBaseUrl, TOKEN),
  };
}

async function stop(h: Harness): Promise<void> {
  await h.started.stop();
}

/** The grants the rules imply for the directory now, and the grants the Bitbucket emulator holds. */
async function grants(h: Harness, rules: readonly PermissionRule[]): Promise<{ expected: Map<string, string>; actual: Map<string, string> }> {
  const emulators = h.host.emulators;
  if (!emulators) throw new Error('no emulators');
  const live = [...emulators.admin.state.groups.values()].map((g) => g.name);
  return { expected: expectedGrants(rules, await directoryFromStore(h.host.app.store), h.originalNames), actual: actualGrants(emulators.bitbucket.state.permissions, live) };
}

/** Waits until the outbox is empty and the queue idle, draining again where needed; bounded. */
async function converge(h: Harness): Promise<void> {
  for (let round = 0; round < 60; round += 1) {
    await h.host.runtime.idle();
    const pending = await h.host.app.store.pendingChanges(1);
    if (pending.entries.length === 0) {
      await h.host.runtime.idle();
      if ((await h.host.app.store.pendingChanges(1)).entries.length === 0) return;
    }
    // Work pending while the queue is idle is what an admin's retry or the hourly reconcile picks up: a sweep. A plain
    // drain skips entries behind the drain watermark, which can leave one waiting until the watermark expires.
    await h.host.sync.dispatcher.drain({ sweep: true });
  }
  throw new Error('The sync did not converge within 60 rounds');
}

/**
 * Remote changes made so far: writes answered 2xx, and lost replies whose handler answered 2xx (the emulators' write
 * logs), with each membership an invite carried counted as a change of its own.
 */
function hostWrites(h: Harness): number {
  const emulators = h.host.emulators;
  if (!emulators) throw new Error('no emulators');
  return appliedChanges(emulators.admin.writeLog, emulators.bitbucket.writeLog);
}

/** The organization the SCIM directory implies (see expectedState in test/support/sync-state.ts). */
async function expected(h: Harness, deletedEmails: Set<string>): Promise<OrgState> {
  return expectedState(await directoryFromStore(h.host.app.store), h.originalNames, deletedEmails);
}

function actual(h: Harness): OrgState {
  const state = h.host.emulators?.admin.state;
  if (!state) throw new Error('no emulators');
  return actualState({ users: state.users.values(), groups: state.groups.values() });
}

function populateHost(h: Harness, users: number, groups: number, seed: number): Promise<Populated> {
  return populate(h.call, h.originalNames, users, groups, seed);
}

describe('sync engine against the emulated organization', () => {
  let h: Harness;

  afterEach(async () => {
    if (h) await stop(h);
  });

  it('converges 500 users, 50 groups and permission rules exactly with the minimum of remote writes, then follows every kind of change', async () => {
    h = await start({ rules: RULES });
    const { userIds, groupIds, memberships } = await populateHost(h, 500, 50, 7);
    await converge(h);
    expect(actual(h)).toEqual(await expected(h, new Set()));
    const initial = await grants(h, RULES);
    expect(initial.actual).toEqual(initial.expected);
    // The rules give 3 + 1 + 2 + 2 + 1 grants (the highest level wins where two rules meet); none for a group never pushed.
    expect(initial.expected.size).toBe(9);
    // 500 invites, 50 group creates, 50 Bitbucket role grants, one add per membership, one write per grant.
    expect(hostWrites(h)).toBe(500 + 50 + 50 + memberships + initial.expected.size);
    expect(await h.host.sync.links.countByState()).toMatchObject({ counts: { failed: 0, pending: 0 }, capped: [] });
    // A bounded count stops at its page limit and says which states it cut short.
    expect(await h.host.sync.links.countByState(2)).toEqual({ counts: { pending: 0, synced: 40, failed: 0, skipped: 0 }, capped: ['synced'] });
    const extension = 'urn:scim:schemas:extension:bitbucket-scim-sync:2.0:User';
    const someone = await h.call('GET', `/Users/${userIds[42]}`);
    const account = [...(h.host.emulators?.admin.state.users.values() ?? [])].find((u) => u.email === 'user42@example.com');
    expect(someone.body[extension]).toEqual({ accountId: account?.accountId, syncState: 'synced' });
    expect(someone.body.schemas).toContain(extension);
    const listed = await h.call('GET', '/Users?count=3');
    expect(listed.body.Resources.every((r: Record<string, { syncState?: string }>) => r[extension]?.syncState === 'synced')).toBe(true);

    const before = hostWrites(h);
    const patchUser = (id: string, active: boolean) =>
      h.call('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'active', value: active ? 'True' : 'False' }] });
    for (const id of userIds.slice(0, 30)) expect((await patchUser(id, false)).status).toBe(204);
    for (const id of userIds.slice(0, 5)) expect((await patchUser(id, true)).status).toBe(204);
    for (const groupId of groupIds.slice(0, 10)) {
      const group = await h.call('GET', `/Groups/${groupId}`);
      const victims = (group.body.members ?? []).slice(0, 2).map((m: { value: string }) => m.value);
      if (victims.length > 0) {
        await h.call('PATCH', `/Groups/${groupId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Remove', path: 'members', value: victims.map((value: string) => ({ value })) }] });
      }
    }
    for (const groupId of groupIds.slice(10, 15)) {
      expect((await h.call('PATCH', `/Groups/${groupId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { id: groupId, displayName: `Renamed ${groupId}` } }] })).status).toBe(204);
    }
    for (const groupId of groupIds.slice(15, 20)) expect((await h.call('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    const deleted = new Set<string>();
    for (const [index, id] of userIds.slice(400, 405).entries()) {
      expect((await h.call('DELETE', `/Users/${id}`)).status).toBe(204);
      deleted.add(`user${400 + index}@example.com`);
    }
    await converge(h);
    expect(actual(h)).toEqual(await expected(h, deleted));
    expect(hostWrites(h)).toBeGreaterThan(before);
    // The renamed team no longer matches its rule and the deleted one is gone: their grants are revoked.
    const changed = await grants(h, RULES);
    expect(changed.actual).toEqual(changed.expected);
    expect(changed.expected.size).toBe(6);
    // A grant somebody made by hand on an app group is never touched, even by a rule change that revokes the app's own.
    const team3 = slugifyGroupName(orgGroupNameFor('Team 3', GROUP_PREFIX));
    const handMadeKey = `repository:web-app:${team3}`;
    h.host.emulators?.bitbucket.state.permissions.set(handMadeKey, { kind: 'repository', target: 'web-app', groupSlug: team3, permission: 'read' });
    const narrower = RULES.filter((rule) => rule.id !== 'team2-web');
    await h.host.sync.settings.save({ ...(await h.host.sync.settings.get()), rules: narrower });
    await h.host.app.store.enqueue(['Permissions.all']);
    await converge(h);
    const narrowed = await grants(h, narrower);
    expect(narrowed.actual).toEqual(new Map([...narrowed.expected, [handMadeKey, 'read']]));

    // Replaying everything (the hourly reconcile) finds nothing to change.
    const settled = hostWrites(h);
    await h.host.sync.dispatcher.reconcile();
    await converge(h);
    expect(hostWrites(h)).toBe(settled);
    expect(actual(h)).toEqual(await expected(h, deleted));
    const reconciled = await grants(h, narrower);
    expect(reconciled.actual).toEqual(new Map([...reconciled.expected, [handMadeKey, 'read']]));
  }, 300_000);

  it('gives a reactivated user back the group memberships its revoke-access deactivation took away', async () => {
    h = await start();
    const { userIds } = await populateHost(h, 20, 2, 5);
    await converge(h);
    const memberCount = (): number => [...actual(h).groups.values()].reduce((sum, members) => sum + members.filter((m) => m === 'user0@example.com').length, 0);
    const before = memberCount();
    expect(before).toBeGreaterThan(0);
    const patchUser = (active: boolean) =>
      h.call('PATCH', `/Users/${userIds[0]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: active }] });
    expect((await patchUser(false)).status).toBe(204);
    await converge(h);
    expect(memberCount()).toBe(0);
    expect((await patchUser(true)).status).toBe(204);
    await converge(h);
    expect(memberCount()).toBe(before);
    expect(actual(h)).toEqual(await expected(h, new Set()));
  }, 60_000);

  it.each([1, 2, 3, 4, 5])('converges with 20%% injected faults (seed %i), with no lost and no duplicated writes', async (seed) => {
    h = await start({ seed, rules: RULES });
    const emulators = h.host.emulators;
    if (!emulators) throw new Error('no emulators');
    for (const emulator of [emulators.admin, emulators.bitbucket]) {
      emulator.faults.add({ fault: { kind: 'status', status: 503 }, probability: 0.07 });
      emulator.faults.add({ fault: { kind: 'status', status: 429, retryAfterSeconds: 2 }, probability: 0.05 });
      emulator.faults.add({ fault: { kind: 'drop', when: 'before-handling' }, probability: 0.04 });
      emulator.faults.add({ fault: { kind: 'drop', when: 'after-handling' }, probability: 0.04 });
    }
    const { memberships } = await populateHost(h, 60, 6, seed);
    await converge(h);
    expect(actual(h)).toEqual(await expected(h, new Set()));
    const { expected: wanted, actual: held } = await grants(h, RULES);
    expect(held).toEqual(wanted);
    expect(hostWrites(h)).toBe(60 + 6 + 6 + memberships + wanted.size);
  }, 120_000);

  it('delivers every job twice and out of order without a second remote write', async () => {
    h = await start({ queue: { duplicateProbability: 1, shuffle: true, random: seeded(11) }, rules: RULES });
    const { memberships } = await populateHost(h, 80, 8, 3);
    await converge(h);
    expect(actual(h)).toEqual(await expected(h, new Set()));
    const { expected: wanted, actual: held } = await grants(h, RULES);
    expect(held).toEqual(wanted);
    expect(hostWrites(h)).toBe(80 + 8 + 8 + memberships + wanted.size);
    expect(h.host.runtime.stats().events.deliveries % 2).toBe(0);
    expect(h.host.runtime.stats().events.deliveries).toBeGreaterThan(0);
  }, 120_000);
});
