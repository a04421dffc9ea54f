/**
 * Repair after the organization lost what the app made (issue 13, item 1): the in-memory emulators restarted, or
 * someone deleted a group in admin.atlassian.com. One "Sync now" (the admin resolver), then the queue runs until it is
 * idle — no scheduled reconcile, no further drains — and the organization must be exactly what the directory implies:
 * accounts, groups, members, Bitbucket role and the grants of a permission rule. While that sync runs, Status must
 * never call a resource synced when its last comparison with the organization was made after the loss and the
 * organization does not hold it whole.
 */
import type { LinkedEmulators } from '../../emulators';
import { seedAdminState, slugifyGroupName } from '../../emulators';
import type { SyncItemView } from '../../src/shared/admin-api';
import type { PermissionRule } from '../../src/sync/settings';
import { orgGroupNameFor } from '../../src/targets/group-slug';
import { adminCaller } from '../support/admin-harness';
import { actualGrants, expectedGrants } from '../support/grant-state';
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';
import { actualState, directoryFromStore, expectedState, GROUP_PREFIX, isAppliedWrite, PATCH_OP, scimOverHttp, type OrgState, type ScimCall } from '../support/sync-state';

const TOKEN = 'repair-after-loss-token';
const CONTEXT = { accountId: '557058:repair-admin', installContext: 'ari:cloud:bitbucket::workspace/5f8a1c2e-1111-4222-8333-944455556666' };
const RULES: PermissionRule[] = [
  { id: 'team0-plat', group: 'Team 0', projects: ['PLAT'], repositories: ['web-app'], level: 'write' },
  { id: 'team1-read', group: 'Team 1', projects: [], repositories: ['platform-*'], level: 'read' },
];
const USERS = 30;
const GROUPS = 4;

describe('repair after the organization lost the app\'s groups and accounts', () => {
  let started: InProcessHost;
  let scim: ScimCall;
  const originalNames = new Map<string, string>();
  const call = adminCaller(() => started.host, CONTEXT);

  beforeEach(async () => {
    started = await startInProcessHost({ bearerToken: TOKEN });
    scim = scimOverHttp(started.host.scimBaseUrl, TOKEN);
    originalNames.clear();
    await started.host.sync.settings.save({ ...(await started.host.sync.settings.get()), rules: RULES });
  });
  afterEach(async () => {
    await started.stop();
  });

  function emulators(): LinkedEmulators {
    const found = started.host.emulators;
    if (!found) throw new Error('no emulators');
    return found;
  }

  /** 30 users and 4 groups of 6 (user i is in group i mod 5; users 4, 9, … are in none). */
  async function push(): Promise<void> {
    const ids: string[] = [];
    for (let i = 0; i < USERS; i += 1) {
      const created = await scim('POST', '/Users', { userName: `user${i}@example.com`, active: true });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    for (let g = 0; g < GROUPS; g += 1) {
      const created = await scim('POST', '/Groups', { displayName: `Team ${g}` });
      expect(created.status).toBe(201);
      originalNames.set(created.body.id, `Team ${g}`);
      const members = ids.filter((_id, i) => i % 5 === g).map((value) => ({ value }));
      expect((await scim('PATCH', `/Groups/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: members }] })).status).toBe(204);
    }
  }

  /** The first convergence: sweeps while work is pending and the queue idle, as an admin's retry would. */
  async function converge(): Promise<void> {
    for (let round = 0; round < 60; round += 1) {
      await started.host.runtime.idle();
      if ((await started.host.app.store.pendingChanges(1)).entries.length === 0) return;
      await started.host.sync.dispatcher.drain({ sweep: true });
    }
    throw new Error('no convergence');
  }

  async function expected(): Promise<OrgState> {
    return expectedState(await directoryFromStore(started.host.app.store), originalNames, new Set());
  }

  function actual(): OrgState {
    return actualState({ users: emulators().admin.state.users.values(), groups: emulators().admin.state.groups.values() });
  }

  async function grants(): Promise<{ expected: Map<string, string>; actual: Map<string, string> }> {
    const live = [...emulators().admin.state.groups.values()].map((g) => g.name);
    return { expected: expectedGrants(RULES, await directoryFromStore(started.host.app.store), originalNames), actual: actualGrants(emulators().bitbucket.state.permissions, live) };
  }

  /** Every resource the Status lists in `state`, all pages. */
  async function items(state: SyncItemView['state']): Promise<SyncItemView[]> {
    const out: SyncItemView[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('sync/items', { state, limit: 20, ...(cursor ? { cursor } : {}) });
      out.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  /**
   * Watches Status until `done` settles: a resource it calls synced must say when it was last compared, and when that
   * comparison was made since `lossAt`, the resource must be whole in the organization read right after (the repair
   * only adds, so what is missing then was missing when Status answered). Returns the contradictions, and the
   * resources Status showed, not synced, with a difference found since the loss.
   */
  async function watchStatus(lossAt: string, wanted: OrgState, wantedGrants: Map<string, string>, done: Promise<unknown>): Promise<{ contradictions: string[]; differencesShown: Map<string, SyncItemView> }> {
    let finished = false;
    void done.finally(() => (finished = true));
    const contradictions: string[] = [];
    const differencesShown = new Map<string, SyncItemView>();
    const look = async (): Promise<void> => {
      const synced = await items('synced');
      const others = [...(await items('pending')), ...(await items('failed'))];
      const status = await call('sync/status', undefined);
      const org = actualState({ users: emulators().admin.state.users.values(), groups: [...emulators().admin.state.groups.values()].filter((g) => g.roles.length > 0) });
      const live = [...emulators().admin.state.groups.values()].map((g) => g.name);
      const held = actualGrants(emulators().bitbucket.state.permissions, live);
      for (const item of synced) {
        if (item.lastComparedAt === undefined) contradictions.push(`${item.display} synced, with no time of its last comparison`);
        if (item.lastComparedAt === undefined || item.lastComparedAt < lossAt) continue;
        if (item.kind === 'User' && org.accounts.get(item.display) !== 'active') contradictions.push(`${item.display} synced without an account`);
        if (item.kind === 'Group') {
          const name = orgGroupNameFor(item.display, GROUP_PREFIX);
          if (JSON.stringify(org.groups.get(name)) !== JSON.stringify(wanted.groups.get(name))) contradictions.push(`${item.display} synced with ${JSON.stringify(org.groups.get(name))}`);
        }
      }
      const permissions = status.permissions;
      if (permissions?.state === 'synced' && permissions.lastComparedAt !== undefined && permissions.lastComparedAt >= lossAt && JSON.stringify([...held].sort()) !== JSON.stringify([...wantedGrants].sort())) {
        contradictions.push(`permissions synced with ${held.size} of ${wantedGrants.size} grants`);
      }
      for (const item of others) if (item.lastComparison === 'different' && (item.lastComparedAt ?? '') >= lossAt) differencesShown.set(item.key, item);
    };
    while (!finished) {
      await look();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await look();
    return { contradictions, differencesShown };
  }

  it('restores accounts, groups, members, role and grants with one "Sync now", and Status never calls a damaged resource synced', async () => {
    await push();
    await converge();
    const wanted = await expected();
    expect(actual()).toEqual(wanted);
    const before = await grants();
    expect(before.expected.size).toBe(4);
    expect(before.actual).toEqual(before.expected);
    expect((await call('sync/status', undefined)).counts).toMatchObject({ synced: USERS + GROUPS, failed: 0, pending: 0 });

    // The emulators restart: the organization is back to its seed, without the app's accounts, groups and grants.
    const lossAt = new Date().toISOString();
    const { admin, bitbucket } = emulators();
    const writesBefore = admin.writeLog.length;
    admin.state.users.clear();
    for (const [id, user] of seedAdminState().users) admin.state.users.set(id, user);
    admin.state.groups.clear();
    bitbucket.state.permissions.clear();
    // Invitations and memberships take a moment each, so Status is read while the repair is under way.
    admin.faults.add({ fault: { kind: 'latency', ms: 30, timer: 'real' }, match: { method: 'POST', path: /\/groups\/[^/]+\/memberships$/ } });
    admin.faults.add({ fault: { kind: 'latency', ms: 30, timer: 'real' }, match: { method: 'POST', path: /\/users\/invite$/ } });

    expect(await call('sync/run', undefined)).toEqual({ queued: 1 });
    const { contradictions, differencesShown } = await watchStatus(lossAt, wanted, before.expected, started.host.runtime.idle());
    expect((await started.host.app.store.pendingChanges(1)).entries).toEqual([]);
    expect(actual()).toEqual(wanted);
    const after = await grants();
    expect(after.actual).toEqual(after.expected);
    expect(contradictions).toEqual([]);
    // The loss was visible while the repair ran: users and groups compared since the loss, found different, not synced.
    const shown = [...differencesShown.values()];
    expect(shown.find((item) => item.kind === 'User')).toMatchObject({ state: 'pending', difference: 'no account in the organization' });
    expect(shown.find((item) => item.kind === 'Group')).toMatchObject({ difference: expect.stringContaining('the org group is missing') });

    // Afterwards every resource says when it was last compared and that the repair holds.
    const status = await call('sync/status', undefined);
    expect(status.counts).toMatchObject({ synced: USERS + GROUPS, failed: 0, pending: 0 });
    expect(status.permissions).toMatchObject({ state: 'synced', grants: 4 });
    expect(Date.parse(status.permissions?.lastComparedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(lossAt));
    const synced = (await items('synced')).filter((item) => item.kind !== 'Permissions');
    expect(synced).toHaveLength(USERS + GROUPS);
    for (const item of synced) {
      expect(Date.parse(item.lastComparedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(lossAt));
      expect(['equal', 'repaired']).toContain(item.lastComparison);
    }
    // Every user lost its account and was invited again, once; every group was created again, once.
    const writes = emulators().admin.writeLog.slice(writesBefore).filter(isAppliedWrite);
    expect(writes.filter((w) => w.path.endsWith('/users/invite'))).toHaveLength(USERS);
    expect(writes.filter((w) => w.method === 'POST' && w.path.endsWith('/groups'))).toHaveLength(GROUPS);
  }, 120_000);

  it('restores one group deleted by hand (members, role, grants) and one account removed by hand, with one "Sync now"', async () => {
    await push();
    await converge();
    const wanted = await expected();
    const { admin, bitbucket } = emulators();
    // Someone deletes Team 0 in admin.atlassian.com (Bitbucket drops its grants) and removes user6's account (in Team 1).
    const team0 = orgGroupNameFor('Team 0', GROUP_PREFIX);
    const group = [...admin.state.groups.values()].find((g) => g.name === team0);
    if (!group) throw new Error('Team 0 is not in the organization');
    admin.state.groups.delete(group.id);
    for (const [key, grant] of bitbucket.state.permissions) if (grant.groupSlug === slugifyGroupName(team0)) bitbucket.state.permissions.delete(key);
    const user6 = [...admin.state.users.values()].find((u) => u.email === 'user6@example.com');
    if (!user6) throw new Error('user6 has no account');
    admin.state.users.delete(user6.accountId);
    for (const other of admin.state.groups.values()) other.members.delete(user6.accountId);

    await call('sync/run', undefined);
    await started.host.runtime.idle();
    expect((await started.host.app.store.pendingChanges(1)).entries).toEqual([]);
    expect(actual()).toEqual(wanted);
    const after = await grants();
    expect(after.actual).toEqual(after.expected);
    expect(after.expected.size).toBe(4);
    const status = await call('sync/status', undefined);
    expect(status.counts).toMatchObject({ synced: USERS + GROUPS, failed: 0, pending: 0 });
    const shown = new Map((await items('synced')).map((item) => [item.display, item.lastComparison]));
    expect(shown.get('Team 0')).toBe('repaired');
    expect(shown.get('user6@example.com')).toBe('repaired');
    // Team 1 got user6 back: repaired, or found equal by a later comparison once the repair held.
    expect(['repaired', 'equal']).toContain(shown.get('Team 1'));
    expect(shown.get('Team 2')).toBe('equal');
    expect(shown.get('user7@example.com')).toBe('equal');
  }, 120_000);
});
