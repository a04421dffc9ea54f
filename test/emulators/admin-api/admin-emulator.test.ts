import { AdminApiEmulator } from '../../../emulators/admin-api/admin-emulator';
import { findGroupByName, findUserByEmail, hasAccess } from '../../../emulators/admin-api/admin-state';
import type { JsonValue } from '../../../emulators/openapi/openapi-types';
import {
  EMULATED_ADMIN,
  EMULATED_BITBUCKET_RESOURCE_ID,
  EMULATED_DIRECTORY_ID,
  EMULATED_ORG_ID,
} from '../../../emulators/seed';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { seedDirectoryUser } from '../../support/admin-seeds';
import { OperationTally, adminRequest, at, exchange, list, text } from '../support/exchange';

const ORG = `/v2/orgs/${EMULATED_ORG_ID}`;
const DIR = `${ORG}/directories/${EMULATED_DIRECTORY_ID}`;
const tally = new OperationTally();

function setup(options: ConstructorParameters<typeof AdminApiEmulator>[0] = {}) {
  const clock = new VirtualClock();
  const emulator = new AdminApiEmulator({ clock, ...options });
  const call = (method: string, path: string, body?: JsonValue, query: Record<string, string[]> = {}) =>
    exchange(emulator, 'admin-organization', adminRequest(method, path, body, query), tally);
  const createGroup = async (name: string): Promise<string> => {
    expect((await call('POST', `${DIR}/groups`, { name })).status).toBe(201);
    return text((await call('POST', `${DIR}/groups/search`, { groupNames: [name] })).json, 'data', 0, 'id');
  };
  const invite = async (email: string, extra: Record<string, JsonValue> = {}): Promise<string> => {
    const response = await call('POST', `${ORG}/users/invite`, { emails: [email], ...extra });
    return text(response.json, 'data', 0, 'id');
  };
  return { clock, emulator, call, createGroup, invite };
}

describe('Admin API emulator: directories', () => {
  it('lists the seeded directory and filters by search term', async () => {
    const { call } = setup();
    const all = await call('GET', `${ORG}/directories`);
    expect(all.status).toBe(200);
    expect(list(all.json, 'data')).toEqual([{ directoryId: EMULATED_DIRECTORY_ID, name: 'Emulated directory' }]);
    const none = await call('GET', `${ORG}/directories`, undefined, { searchTerm: ['nothing like it'] });
    expect(list(none.json, 'data')).toEqual([]);
  });

  it('answers an unknown organization with 401, the only failure the operation documents for it', async () => {
    const { call } = setup();
    expect((await call('GET', '/v2/orgs/another-org/directories')).status).toBe(401);
  });
});

describe('Admin API emulator: users', () => {
  it('finds users by exact email, case-insensitively, and not by partial email', async () => {
    const { call } = setup();
    const found = await call('POST', `${DIR}/users/search`, { emails: [EMULATED_ADMIN.email.toUpperCase()] });
    expect(list(found.json, 'data').map((u) => text(u, 'accountId'))).toEqual([EMULATED_ADMIN.accountId]);
    expect(text(found.json, 'data', 0, 'status')).toBe('active');
    const partial = await call('POST', `${DIR}/users/search`, { emails: ['admin@emulated'] });
    expect(list(partial.json, 'data')).toEqual([]);
  });

  it('refuses emails together with searchTerm (400)', async () => {
    const { call } = setup();
    expect((await call('POST', `${DIR}/users/search`, { emails: ['a@b.example'], searchTerm: 'a' })).status).toBe(400);
  });

  it('pages with a cursor that keeps the first request filters', async () => {
    const { emulator, call } = setup();
    for (let i = 0; i < 5; i++)
      seedDirectoryUser(emulator, `712020:user-${i}`, `user${i}@corp.example`, {
        name: `user${i}@corp.example`,
        nickname: `user${i}@corp.example`,
      });
    const first = await call('POST', `${DIR}/users/search`, { emailDomains: ['corp.example'], limit: 2 });
    expect(list(first.json, 'data')).toHaveLength(2);
    const ids = list(first.json, 'data').map((u) => text(u, 'accountId'));
    let cursor = text(first.json, 'links', 'next');
    for (;;) {
      const next = await call('POST', `${DIR}/users/search`, { cursor, limit: 2 });
      ids.push(...list(next.json, 'data').map((u) => text(u, 'accountId')));
      const links = at(next.json, 'links');
      if (typeof links !== 'object' || links === null || Array.isArray(links) || typeof links.next !== 'string') break;
      cursor = links.next;
    }
    expect(ids).toEqual([0, 1, 2, 3, 4].map((i) => `712020:user-${i}`));
  });

  it('reads one user by account ID', async () => {
    const { call } = setup();
    const response = await call('GET', `${DIR}/users/${encodeURIComponent(EMULATED_ADMIN.accountId)}`);
    expect(text(response.json, 'data', 'email')).toBe(EMULATED_ADMIN.email);
    expect((await call('GET', `${DIR}/users/712020:nobody`)).status).toBe(404);
  });

  it('invites a new user into the directory with Bitbucket access and a group (200)', async () => {
    const { emulator, call, createGroup } = setup();
    const groupId = await createGroup('bitbucket-developers');
    const response = await call('POST', `${ORG}/users/invite`, {
      emails: ['new.person@corp.example'],
      permissionRules: [{ resource: EMULATED_BITBUCKET_RESOURCE_ID, role: 'atlassian/user' }],
      additionalGroups: [groupId],
      sendNotification: false,
    });
    expect(response.status).toBe(200);
    const accountId = text(response.json, 'data', 0, 'id');
    expect(at(response.json, 'data', 0, 'results', 0)).toEqual({
      roleAssignmentResult: [
        { resource: EMULATED_BITBUCKET_RESOURCE_ID, role: 'atlassian/user', status: 'INVITED', statusReason: null },
      ],
      groupAssignmentResult: [{ group: groupId, status: 'INVITED', statusReason: null }],
    });
    const user = emulator.state.users.get(accountId);
    expect(user).toMatchObject({
      email: 'new.person@corp.example',
      directoryId: EMULATED_DIRECTORY_ID,
      membershipStatus: 'active',
    });
    expect(user !== undefined && hasAccess(emulator.state, user, EMULATED_BITBUCKET_RESOURCE_ID)).toBe(true);
    expect(emulator.state.groups.get(groupId)?.members.has(accountId)).toBe(true);
  });

  it('reuses the existing account when the email is already known', async () => {
    const { emulator, invite } = setup();
    expect(await invite(EMULATED_ADMIN.email)).toBe(EMULATED_ADMIN.accountId);
    expect(emulator.state.users.size).toBe(1);
  });

  it('answers 206 item by item when a group assignment fails', async () => {
    const { emulator, call, createGroup } = setup();
    const okGroup = await createGroup('ok-group');
    const syncedGroup = await createGroup('idp-synced-group');
    const synced = emulator.state.groups.get(syncedGroup);
    if (synced === undefined) throw new Error('group missing');
    synced.externalSynced = true;
    const response = await call('POST', `${ORG}/users/invite`, {
      emails: ['a@corp.example', 'b@corp.example'],
      additionalGroups: [okGroup, syncedGroup],
    });
    expect(response.status).toBe(206);
    for (const item of list(response.json, 'data')) {
      expect(list(item, 'results', 0, 'groupAssignmentResult').map((r) => text(r, 'status'))).toEqual([
        'INVITED',
        'ERROR',
      ]);
    }
    expect(emulator.state.groups.get(okGroup)?.members.size).toBe(2);
    expect(synced.members.size).toBe(0);
  });

  it('answers 402 without a paid subscription, 409 over the seat limit, 400 above 25 emails', async () => {
    const { emulator, call } = setup();
    const bitbucket = { permissionRules: [{ resource: EMULATED_BITBUCKET_RESOURCE_ID, role: 'atlassian/user' }] };
    emulator.state.paidSubscription = false;
    expect((await call('POST', `${ORG}/users/invite`, { emails: ['x@corp.example'], ...bitbucket })).status).toBe(402);
    emulator.state.paidSubscription = true;
    const resource = emulator.state.resources[0];
    if (resource === undefined) throw new Error('resource missing');
    resource.capacity = 1;
    const full = await call('POST', `${ORG}/users/invite`, { emails: ['x@corp.example'], ...bitbucket });
    expect(full.status).toBe(409);
    expect(findUserByEmail(emulator.state, 'x@corp.example')).toBeUndefined();
    const many = Array.from({ length: 26 }, (_, i) => `p${i}@corp.example`);
    expect((await call('POST', `${ORG}/users/invite`, { emails: many })).status).toBe(400);
  });

  it('suspends and restores a user, keeping group memberships', async () => {
    const { emulator, call, createGroup, invite } = setup();
    const groupId = await createGroup('keepers');
    const accountId = await invite('s@corp.example', { additionalGroups: [groupId] });
    expect((await call('POST', `${DIR}/users/${accountId}/suspend`)).status).toBe(204);
    expect(emulator.state.users.get(accountId)?.membershipStatus).toBe('suspended');
    const suspended = await call('POST', `${DIR}/users/search`, { accountIds: [accountId] });
    expect(text(suspended.json, 'data', 0, 'status')).toBe('suspended');
    expect((await call('POST', `${DIR}/users/${accountId}/restore`)).status).toBe(204);
    expect(emulator.state.users.get(accountId)?.membershipStatus).toBe('active');
    expect(emulator.state.groups.get(groupId)?.members.has(accountId)).toBe(true);
  });

  it('removes a user from the directory with their roles and memberships; a second remove is 404', async () => {
    const { emulator, call, createGroup, invite } = setup();
    const groupId = await createGroup('leavers');
    const accountId = await invite('r@corp.example', {
      additionalGroups: [groupId],
      permissionRules: [{ resource: EMULATED_BITBUCKET_RESOURCE_ID, role: 'atlassian/user' }],
    });
    expect((await call('DELETE', `${DIR}/users/${accountId}`)).status).toBe(204);
    expect(emulator.state.users.get(accountId)).toMatchObject({
      membershipStatus: 'no_membership',
      directoryId: undefined,
      roles: [],
    });
    expect(emulator.state.groups.get(groupId)?.members.has(accountId)).toBe(false);
    expect((await call('DELETE', `${DIR}/users/${accountId}`)).status).toBe(404);
  });

  it('refuses writes on the "all directories" ID, which only reads document', async () => {
    const { call } = setup();
    expect((await call('POST', `${ORG}/directories/-/groups`, { name: 'x' })).status).toBe(400);
  });
});

describe('Admin API emulator: groups', () => {
  it('creates a group with 201 and no body; the ID is then found by name', async () => {
    const { emulator, call } = setup();
    const created = await call('POST', `${DIR}/groups`, { name: 'Platform Team', description: 'from SCIM' });
    expect(created.status).toBe(201);
    expect(created.body).toBeUndefined();
    const found = await call('POST', `${DIR}/groups/search`, { groupNames: ['platform team'] });
    expect(list(found.json, 'data')).toHaveLength(1);
    expect(text(found.json, 'data', 0, 'id')).toBe(findGroupByName(emulator.state, 'Platform Team')?.id);
    expect(text(found.json, 'data', 0, 'name')).toBe('Platform Team');
  });

  it('answers 409 for a name that exists in the directory', async () => {
    const { call } = setup();
    await call('POST', `${DIR}/groups`, { name: 'dup' });
    expect((await call('POST', `${DIR}/groups`, { name: 'DUP' })).status).toBe(409);
  });

  it('hides a new group from search until the configured delay has passed on the clock', async () => {
    const { clock, call } = setup({ behaviour: { groupSearchDelayMs: 5_000 } });
    await call('POST', `${DIR}/groups`, { name: 'slow' });
    expect(list((await call('POST', `${DIR}/groups/search`, { groupNames: ['slow'] })).json, 'data')).toHaveLength(0);
    await clock.advance(5_000);
    expect(list((await call('POST', `${DIR}/groups/search`, { groupNames: ['slow'] })).json, 'data')).toHaveLength(1);
  });

  it('refuses groupNames with searchTerm or groupIds (400)', async () => {
    const { call } = setup();
    expect((await call('POST', `${DIR}/groups/search`, { groupNames: ['a'], searchTerm: 'a' })).status).toBe(400);
    expect((await call('POST', `${DIR}/groups/search`, { groupNames: ['a'], groupIds: ['b'] })).status).toBe(400);
  });

  it('reads a group with counts and deletes it', async () => {
    const { emulator, call, createGroup, invite } = setup();
    const groupId = await createGroup('to-delete');
    await invite('d@corp.example', { additionalGroups: [groupId] });
    const read = await call('GET', `${DIR}/groups/${groupId}`);
    expect(at(read.json, 'data', 'counts')).toEqual({ users: 1, resources: 0 });
    expect((await call('DELETE', `${DIR}/groups/${groupId}`)).status).toBe(204);
    expect(emulator.state.groups.has(groupId)).toBe(false);
    expect((await call('DELETE', `${DIR}/groups/${groupId}`)).status).toBe(404);
    expect((await call('GET', `${DIR}/groups/${groupId}`)).status).toBe(404);
  });

  it('adds a member with 204; adding again is the documented 409; removing twice gives 404', async () => {
    const { emulator, call, createGroup } = setup();
    const groupId = await createGroup('members');
    const path = `${DIR}/groups/${groupId}/memberships`;
    expect((await call('POST', path, { accountId: EMULATED_ADMIN.accountId })).status).toBe(204);
    expect(emulator.state.groups.get(groupId)?.members.has(EMULATED_ADMIN.accountId)).toBe(true);
    expect((await call('POST', path, { accountId: EMULATED_ADMIN.accountId })).status).toBe(409);
    const members = await call('POST', `${DIR}/users/search`, { groupIds: [groupId] });
    expect(list(members.json, 'data').map((u) => text(u, 'accountId'))).toEqual([EMULATED_ADMIN.accountId]);
    expect((await call('DELETE', `${path}/${encodeURIComponent(EMULATED_ADMIN.accountId)}`)).status).toBe(204);
    expect((await call('DELETE', `${path}/${encodeURIComponent(EMULATED_ADMIN.accountId)}`)).status).toBe(404);
  });

  it('refuses members from outside the directory (404) and changes to IdP-synced groups (403)', async () => {
    const { emulator, call, createGroup } = setup();
    const groupId = await createGroup('guarded');
    expect((await call('POST', `${DIR}/groups/${groupId}/memberships`, { accountId: '712020:stranger' })).status).toBe(
      404,
    );
    const group = emulator.state.groups.get(groupId);
    if (group === undefined) throw new Error('group missing');
    group.externalSynced = true;
    expect(
      (await call('POST', `${DIR}/groups/${groupId}/memberships`, { accountId: EMULATED_ADMIN.accountId })).status,
    ).toBe(403);
  });

  it('answers 409 for a new member when the group grants an app that is at its user limit', async () => {
    const { emulator, call, createGroup, invite } = setup();
    const groupId = await createGroup('licensed');
    await call('POST', `${DIR}/groups/${groupId}/role-assignments/assign`, {
      resourceId: EMULATED_BITBUCKET_RESOURCE_ID,
      roleId: 'atlassian/user',
    });
    const accountId = await invite('late@corp.example');
    const resource = emulator.state.resources[0];
    if (resource === undefined) throw new Error('resource missing');
    resource.capacity = 1;
    expect((await call('POST', `${DIR}/groups/${groupId}/memberships`, { accountId })).status).toBe(409);
    expect(emulator.state.groups.get(groupId)?.members.has(accountId)).toBe(false);
    resource.capacity = 2;
    expect((await call('POST', `${DIR}/groups/${groupId}/memberships`, { accountId })).status).toBe(204);
  });

  it('lists expanded groups of a user with ARI group IDs, as in the spec example', async () => {
    const { call, createGroup } = setup();
    const groupId = await createGroup('expanded');
    await call('POST', `${DIR}/groups/${groupId}/memberships`, { accountId: EMULATED_ADMIN.accountId });
    const response = await call('POST', `${DIR}/users/search`, {
      accountIds: [EMULATED_ADMIN.accountId],
      expand: ['groups'],
    });
    expect(list(response.json, 'data', 0, 'groups')).toEqual([
      { id: `ari:cloud:identity::group/${groupId}`, name: 'expanded' },
    ]);
  });
});

describe('Admin API emulator: product access', () => {
  it('assigns the Bitbucket role to a group (200, no body), lists it, and revokes it (204)', async () => {
    const { emulator, call, createGroup, invite } = setup();
    const groupId = await createGroup('bb-users');
    const accountId = await invite('m@corp.example', { additionalGroups: [groupId] });
    const user = emulator.state.users.get(accountId);
    if (user === undefined) throw new Error('user missing');
    expect(hasAccess(emulator.state, user, EMULATED_BITBUCKET_RESOURCE_ID)).toBe(false);
    const body = { resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: 'atlassian/user' };
    const assigned = await call('POST', `${DIR}/groups/${groupId}/role-assignments/assign`, body);
    expect(assigned.status).toBe(200);
    expect(assigned.body).toBeUndefined();
    expect(hasAccess(emulator.state, user, EMULATED_BITBUCKET_RESOURCE_ID)).toBe(true);
    expect((await call('POST', `${DIR}/groups/${groupId}/role-assignments/assign`, body)).status).toBe(200);
    const roles = await call('GET', `${DIR}/groups/${groupId}/role-assignments`);
    expect(list(roles.json, 'data')).toEqual([
      {
        resourceId: EMULATED_BITBUCKET_RESOURCE_ID,
        resourceOwner: 'bitbucket',
        roles: ['atlassian/user'],
        defaultRole: null,
      },
    ]);
    expect((await call('POST', `${DIR}/groups/${groupId}/role-assignments/revoke`, body)).status).toBe(204);
    expect(hasAccess(emulator.state, user, EMULATED_BITBUCKET_RESOURCE_ID)).toBe(false);
  });

  it('answers 409 when the assignment would exceed the seat limit, and 400 for a role the resource lacks', async () => {
    const { emulator, call, createGroup, invite } = setup();
    const groupId = await createGroup('too-many');
    await invite('one@corp.example', { additionalGroups: [groupId] });
    await invite('two@corp.example', { additionalGroups: [groupId] });
    const resource = emulator.state.resources[0];
    if (resource === undefined) throw new Error('resource missing');
    resource.capacity = 2;
    const path = `${DIR}/groups/${groupId}/role-assignments/assign`;
    expect(
      (await call('POST', path, { resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: 'atlassian/user' })).status,
    ).toBe(409);
    expect(emulator.state.groups.get(groupId)?.roles).toEqual([]);
    expect(
      (await call('POST', path, { resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: 'atlassian/customer' })).status,
    ).toBe(400);
  });

  it('finds the Bitbucket workspace resource with the workspaces search', async () => {
    const { call } = setup();
    const response = await call('POST', `${ORG}/workspaces`, {
      query: { field: { name: 'attributes.type', values: ['bitbucket'] } },
    });
    expect(list(response.json, 'data').map((w) => text(w, 'id'))).toEqual([EMULATED_BITBUCKET_RESOURCE_ID]);
    const none = await call('POST', `${ORG}/workspaces`, {
      query: { field: { name: 'attributes.type', values: ['confluence'] } },
    });
    expect(list(none.json, 'data')).toEqual([]);
  });
});

describe('Admin API emulator: domains', () => {
  it("lists the organization's domains with their claim status, paged by a cursor in the next link (v1, current in the spec)", async () => {
    const { call, emulator } = setup();
    for (let i = 0; i < 25; i += 1)
      emulator.state.domains.push({
        id: `d5c3a1e0-0000-4000-8000-1000000000${String(i).padStart(2, '0')}`,
        name: `d${i}.example`,
        status: 'unverified',
      });
    const first = await call('GET', `/v1/orgs/${EMULATED_ORG_ID}/domains`);
    expect(first.status).toBe(200);
    const items = list(first.json, 'data');
    expect(items).toHaveLength(20);
    expect(items[0]).toMatchObject({
      type: 'domains',
      attributes: { name: 'example.com', claim: { status: 'verified' } },
    });
    const next = new URL(text(first.json, 'links', 'next')).searchParams.get('cursor') ?? '';
    const second = await call('GET', `/v1/orgs/${EMULATED_ORG_ID}/domains`, undefined, { cursor: [next] });
    expect(list(second.json, 'data')).toHaveLength(7);
    expect((await call('GET', '/v1/orgs/another-org/domains')).status).toBe(401);
  });
});

describe('Admin API emulator: validation and the write log', () => {
  it('records a request the spec does not describe and answers 400', async () => {
    const emulator = new AdminApiEmulator();
    const response = await emulator.handle(
      adminRequest('POST', `${DIR}/users/search`, { emails: ['a@b.example'], limit: 500 }),
    );
    expect(response.status).toBe(400);
    expect(emulator.violations).toHaveLength(1);
    expect(emulator.violations[0]).toMatchObject({
      side: 'request',
      operation: `POST /v2/orgs/{orgId}/directories/{directoryId}/users/search`,
    });
  });

  it('records a request without the org key as a violation and answers 401', async () => {
    const emulator = new AdminApiEmulator();
    const response = await emulator.handle({ ...adminRequest('GET', `${ORG}/directories`), headers: {} });
    expect(response.status).toBe(401);
    expect(emulator.violations.map((v) => v.side)).toEqual(['request']);
  });

  it('records its own response as a violation when state it serves breaks the schema', async () => {
    const emulator = new AdminApiEmulator();
    const user = emulator.state.users.get(EMULATED_ADMIN.accountId);
    if (user === undefined) throw new Error('seed missing');
    Object.assign(user, { accountStatus: 'bogus' });
    await emulator.handle(adminRequest('POST', `${DIR}/users/search`, {}));
    expect(emulator.violations.map((v) => v.side)).toEqual(['response']);
    expect(emulator.violations[0]?.messages.join(' ')).toMatch(/accountStatus/);
  });

  it('logs every mutating call with its body, time and outcome, and no reads', async () => {
    const { clock, emulator, call } = setup();
    await call('POST', `${DIR}/groups/search`, {});
    await call('POST', `${DIR}/groups`, { name: 'logged' });
    await clock.advance(1_000);
    await call('POST', `${DIR}/groups`, { name: 'logged' });
    expect(
      emulator.writeLog.map((w) => [w.operation, w.status, w.applied, w.time - (emulator.writeLog[0]?.time ?? 0)]),
    ).toEqual([
      ['POST /v2/orgs/{orgId}/directories/{directoryId}/groups', 201, true, 0],
      ['POST /v2/orgs/{orgId}/directories/{directoryId}/groups', 409, true, 1_000],
    ]);
    expect(emulator.writeLog[0]?.body).toBe(JSON.stringify({ name: 'logged' }));
  });

  it('tells onWrite of every mutating call, and keeps none in the log when told not to', async () => {
    const told: [string, number | 'dropped'][] = [];
    const { emulator, call } = setup({
      keepWriteLog: false,
      onWrite: (entry) => told.push([entry.operation, entry.status]),
    });
    await call('POST', `${DIR}/groups/search`, {});
    await call('POST', `${DIR}/groups`, { name: 'counted' });
    await call('POST', `${DIR}/groups`, { name: 'counted' });
    expect(told).toEqual([
      ['POST /v2/orgs/{orgId}/directories/{directoryId}/groups', 201],
      ['POST /v2/orgs/{orgId}/directories/{directoryId}/groups', 409],
    ]);
    expect(emulator.writeLog).toEqual([]);
  });
});

describe('Admin API emulator: coverage of this file', () => {
  it('exercised every operation the emulator serves', () => {
    expect([...tally.seen].sort()).toEqual(new AdminApiEmulator().servedOperations().sort());
  });
});
