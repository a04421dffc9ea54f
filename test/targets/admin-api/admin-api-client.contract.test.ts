import { findGroupByName, findUserByEmail } from '../../../emulators/admin-api/admin-state';
import { stringResponse } from '../../../emulators/emulator-fetch';
import { EMULATED_ADMIN, EMULATED_BITBUCKET_RESOURCE_ID, EMULATED_DIRECTORY_ID } from '../../../emulators/seed';
import { ADMIN_API_OPERATIONS } from '../../../src/targets/admin-api/admin-api-operations';
import type { TargetFetch } from '../../../src/targets/http/target-fetch';
import { TargetError } from '../../../src/targets/ports';
import { seedDirectoryUser, seedGroup } from '../../support/admin-seeds';
import { rejectionOf } from '../../support/outcomes';
import { adminHarness, checkedAfterEach } from '../support/harness';

const OPS = ADMIN_API_OPERATIONS;
const USER_ROLE = 'atlassian/user';

const harness = checkedAfterEach(adminHarness);

describe('AdminApiClient against the Admin API emulator: directories and users', () => {
  it('lists directories, following cursors page by page', async () => {
    const { emulator, client, recorder } = harness({ client: { pageSize: 1 } });
    emulator.state.directories.push({ directoryId: 'second-directory', name: 'Second' });
    expect(await client.listDirectories()).toEqual([
      { directoryId: EMULATED_DIRECTORY_ID, name: 'Emulated directory' },
      { directoryId: 'second-directory', name: 'Second' },
    ]);
    expect(recorder.count(OPS.listDirectories.key)).toBe(2);
  });

  it('finds accounts by exact email in batches of at most 100, ignoring duplicates and case', async () => {
    const { emulator, client, recorder } = harness();
    const emails = Array.from({ length: 150 }, (_, i) => `user${i}@corp.example`);
    emails.forEach((email, i) => seedDirectoryUser(emulator, `712020:user-${i}`, email));
    const asked = [...emails, 'USER0@corp.example', 'nobody@corp.example', EMULATED_ADMIN.email];
    const found = await client.findAccountsByEmail(asked);
    expect(found).toHaveLength(151);
    expect(found).toContainEqual({
      accountId: '712020:user-7',
      email: 'user7@corp.example',
      status: 'active',
      managementSource: 'invited',
    });
    expect(found).toContainEqual({
      accountId: EMULATED_ADMIN.accountId,
      email: EMULATED_ADMIN.email,
      status: 'active',
      managementSource: null,
    });
    expect(recorder.count(OPS.searchUsers.key)).toBe(2);
  });

  it('reports status and management source as the directory has them', async () => {
    const { emulator, client } = harness();
    seedDirectoryUser(emulator, '712020:suspended', 'suspended@corp.example', { membershipStatus: 'suspended' });
    seedDirectoryUser(emulator, '712020:synced', 'synced@corp.example', {
      managementSource: 'synced',
      accountStatus: 'inactive',
    });
    const found = await client.findAccountsByEmail(['suspended@corp.example', 'synced@corp.example']);
    expect(found).toEqual(
      expect.arrayContaining([
        {
          accountId: '712020:suspended',
          email: 'suspended@corp.example',
          status: 'suspended',
          managementSource: 'invited',
        },
        { accountId: '712020:synced', email: 'synced@corp.example', status: 'deactivated', managementSource: 'synced' },
      ]),
    );
  });

  it('sends no request for an empty list of emails', async () => {
    const { client, recorder } = harness();
    expect(await client.findAccountsByEmail([])).toEqual([]);
    expect(recorder.exchanges).toEqual([]);
  });

  it('lists a group members page by page, accepting the group ID in ARI form', async () => {
    const { emulator, client, recorder } = harness({ client: { pageSize: 2 } });
    const ids = ['a', 'b', 'c', 'd', 'e'].map(
      (n) => seedDirectoryUser(emulator, `712020:${n}`, `${n}@corp.example`).accountId,
    );
    seedDirectoryUser(emulator, '712020:outsider', 'outsider@corp.example');
    seedGroup(emulator, '11111111-1111-4111-8111-111111111111', 'scim-devs', { members: ids });
    expect(
      (await client.listGroupMembers('ari:cloud:identity::group/11111111-1111-4111-8111-111111111111')).sort(),
    ).toEqual(ids);
    expect(recorder.count(OPS.searchUsers.key)).toBe(3);
    // Filters on the first page only, then cursor and limit (notes section 2); the ID without its ARI prefix.
    const bodies = recorder.exchanges.map((e) => JSON.parse(e.body ?? '{}') as Record<string, unknown>);
    expect(bodies[0]).toEqual({ groupIds: ['11111111-1111-4111-8111-111111111111'], limit: 2 });
    expect(bodies.slice(1).map((b) => Object.keys(b).sort())).toEqual([
      ['cursor', 'limit'],
      ['cursor', 'limit'],
    ]);
  });

  it('reads a group members one page at a time, each from the cursor the one before gave', async () => {
    const { emulator, client, recorder } = harness({ client: { pageSize: 2 } });
    const ids = ['a', 'b', 'c', 'd', 'e'].map(
      (n) => seedDirectoryUser(emulator, `712020:${n}`, `${n}@corp.example`).accountId,
    );
    seedGroup(emulator, 'g-paged', 'scim-paged', { members: ids });
    const seen: string[] = [];
    const first = await client.listGroupMembersPage('g-paged');
    expect(first.accountIds).toHaveLength(2);
    seen.push(...first.accountIds);
    let cursor = first.cursor;
    while (cursor !== undefined) {
      const page = await client.listGroupMembersPage('g-paged', cursor);
      seen.push(...page.accountIds);
      cursor = page.cursor;
    }
    expect(seen.sort()).toEqual(ids);
    // One request a page: filters on the first only, then cursor and limit (notes section 2).
    expect(recorder.count(OPS.searchUsers.key)).toBe(3);
    const bodies = recorder.exchanges.map((e) => JSON.parse(e.body ?? '{}') as Record<string, unknown>);
    expect(bodies[0]).toEqual({ groupIds: ['g-paged'], limit: 2 });
    expect(Object.keys(bodies[2] ?? {}).sort()).toEqual(['cursor', 'limit']);
  });

  it('suspends, restores and removes a user in the directory', async () => {
    const { emulator, client } = harness();
    const user = seedDirectoryUser(emulator, '712020:life', 'life@corp.example');
    seedGroup(emulator, 'g-life', 'scim-life', { members: [user.accountId] });
    await client.suspendUser(user.accountId);
    expect(user.membershipStatus).toBe('suspended');
    await client.restoreUser(user.accountId);
    expect(user.membershipStatus).toBe('active');
    await client.removeUser(user.accountId);
    expect(user.directoryId).toBeUndefined();
    expect(emulator.state.groups.get('g-life')?.members.size).toBe(0);
  });

  it('reports an unknown user as not-found without retrying', async () => {
    const { emulator, client } = harness();
    const error = await rejectionOf(client.suspendUser('712020:nobody'));
    expect(error).toMatchObject({ kind: 'not-found', details: { status: 404, operation: OPS.suspendUser.key } });
    expect(emulator.writeLog).toHaveLength(1);
  });
});

describe('AdminApiClient: invitations', () => {
  it('invites new users with the Bitbucket role and groups (200)', async () => {
    const { emulator, client } = harness();
    seedGroup(emulator, 'g-devs', 'scim-devs');
    const outcomes = await client.inviteUsers(['new@corp.example'], {
      resourceId: EMULATED_BITBUCKET_RESOURCE_ID,
      roleId: USER_ROLE,
      groupIds: ['g-devs'],
    });
    const user = findUserByEmail(emulator.state, 'new@corp.example');
    expect(outcomes).toEqual([{ email: 'new@corp.example', accountId: user?.accountId, failedGroupIds: [] }]);
    expect(user?.roles).toEqual([{ resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: USER_ROLE }]);
    expect(emulator.state.groups.get('g-devs')?.members.has(user?.accountId ?? '')).toBe(true);
    expect(emulator.writeLog.map((w) => w.status)).toEqual([200]);
  });

  it('maps a partial success (206) per email: failed group assignments and failed role assignments', async () => {
    const { emulator, client } = harness();
    seedGroup(emulator, 'g-devs', 'scim-devs');
    seedGroup(emulator, 'g-synced', 'Synced from IdP', { externalSynced: true });
    seedDirectoryUser(emulator, '712020:inactive', 'inactive@corp.example', { accountStatus: 'inactive' });
    const outcomes = await client.inviteUsers(['ok@corp.example', 'inactive@corp.example'], {
      resourceId: EMULATED_BITBUCKET_RESOURCE_ID,
      roleId: USER_ROLE,
      groupIds: ['g-devs', 'ari:cloud:identity::group/g-synced'],
    });
    expect(emulator.writeLog.map((w) => w.status)).toEqual([206]);
    expect(JSON.parse(emulator.writeLog[0]?.body ?? '{}')).toEqual({
      emails: ['ok@corp.example', 'inactive@corp.example'],
      permissionRules: [{ resource: EMULATED_BITBUCKET_RESOURCE_ID, role: USER_ROLE }],
      additionalGroups: ['g-devs', 'g-synced'],
      sendNotification: false,
    });
    expect(outcomes).toEqual([
      {
        email: 'ok@corp.example',
        accountId: findUserByEmail(emulator.state, 'ok@corp.example')?.accountId,
        failedGroupIds: ['g-synced'],
      },
      {
        email: 'inactive@corp.example',
        accountId: '712020:inactive',
        failedGroupIds: ['g-devs', 'g-synced'],
        error: `${USER_ROLE} on ${EMULATED_BITBUCKET_RESOURCE_ID}: The user is inactive.`,
      },
    ]);
  });

  it('invites at most 25 emails per request and keeps the order of the emails asked for', async () => {
    const { emulator, client, recorder } = harness();
    const emails = Array.from({ length: 30 }, (_, i) => `invitee${i}@corp.example`);
    const outcomes = await client.inviteUsers(emails, {
      resourceId: EMULATED_BITBUCKET_RESOURCE_ID,
      roleId: USER_ROLE,
      groupIds: [],
    });
    expect(outcomes.map((o) => o.email)).toEqual(emails);
    expect(
      outcomes.every((o) => o.accountId !== undefined && o.failedGroupIds.length === 0 && o.error === undefined),
    ).toBe(true);
    expect(recorder.count(OPS.inviteUsers.key)).toBe(2);
    expect(emulator.writeLog.map((w) => (JSON.parse(w.body ?? '{}') as { emails: string[] }).emails.length)).toEqual([
      25, 5,
    ]);
  });

  it('reports an organization without a paid subscription as payment-required, once', async () => {
    const { emulator, client } = harness();
    emulator.state.paidSubscription = false;
    const error = await rejectionOf(
      client.inviteUsers(['x@corp.example'], {
        resourceId: EMULATED_BITBUCKET_RESOURCE_ID,
        roleId: USER_ROLE,
        groupIds: [],
      }),
    );
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ kind: 'payment-required', details: { status: 402 } });
    expect(emulator.writeLog).toHaveLength(1);
  });
});

describe('AdminApiClient: groups', () => {
  it('finds a group by exact, case-insensitive name, and nothing for a partial name', async () => {
    const { emulator, client } = harness();
    seedGroup(emulator, 'g-devs', 'scim-devs');
    seedGroup(emulator, 'g-synced', 'IdP Group', { externalSynced: true });
    expect(await client.findGroupByName('SCIM-Devs')).toEqual({
      id: 'g-devs',
      name: 'scim-devs',
      externalSynced: false,
      deletable: true,
    });
    expect(await client.findGroupByName('idp group')).toEqual({
      id: 'g-synced',
      name: 'IdP Group',
      externalSynced: true,
      deletable: false,
    });
    expect(await client.findGroupByName('scim')).toBeUndefined();
  });

  it('creates a group (201, no body) and looks its ID up by name', async () => {
    const { emulator, client, recorder } = harness();
    const group = await client.createGroup('scim-platform', 'Created by SCIM sync');
    const stored = findGroupByName(emulator.state, 'scim-platform');
    expect(group).toEqual({
      id: stored?.id,
      name: 'scim-platform',
      externalSynced: false,
      deletable: true,
      existed: false,
    });
    expect(stored?.description).toBe('Created by SCIM sync');
    expect(emulator.writeLog.map((w) => w.status)).toEqual([201]);
    expect(recorder.count(OPS.searchGroups.key)).toBe(1);
  });

  it('keeps looking a new group up while the search does not show it yet', async () => {
    const { emulator, client, clock, recorder } = harness({ emulator: { behaviour: { groupSearchDelayMs: 5_000 } } });
    const start = clock.now();
    const group = await client.createGroup('scim-eventual');
    expect(group.id).toBe(findGroupByName(emulator.state, 'scim-eventual')?.id);
    expect(group.existed).toBe(false);
    expect(clock.now() - start).toBeGreaterThanOrEqual(5_000);
    expect(recorder.count(OPS.searchGroups.key)).toBeGreaterThan(1);
  });

  it('reports a created group that never shows up as transient, after the lookup budget', async () => {
    const { client, clock } = harness({
      emulator: { behaviour: { groupSearchDelayMs: 3_600_000 } },
      client: { groupLookupBudgetMs: 10_000 },
    });
    const start = clock.now();
    const error = await rejectionOf(client.createGroup('scim-invisible'));
    expect(error).toMatchObject({ kind: 'transient', details: { status: 201, operation: OPS.createGroup.key } });
    expect(clock.now() - start).toBe(10_000);
  });

  it('resolves a 409 on create by looking the group up, as existed', async () => {
    const { emulator, client } = harness();
    seedGroup(emulator, 'g-old', 'scim-existing');
    expect(await client.createGroup('SCIM-Existing')).toEqual({
      id: 'g-old',
      name: 'scim-existing',
      externalSynced: false,
      deletable: true,
      existed: true,
    });
    expect(emulator.writeLog.map((w) => w.status)).toEqual([409]);
    expect(emulator.state.groups.size).toBe(1);
  });

  it('deletes a group, and takes a group that is already gone as deleted after a search confirms it', async () => {
    const { emulator, client, recorder } = harness();
    seedGroup(emulator, 'g-doomed', 'scim-doomed');
    await client.deleteGroup('ari:cloud:identity::group/g-doomed');
    expect(emulator.state.groups.has('g-doomed')).toBe(false);
    await client.deleteGroup('g-doomed');
    expect(emulator.writeLog.map((w) => [w.path, w.status])).toEqual([
      [`/v2/orgs/emulated-org/directories/${EMULATED_DIRECTORY_ID}/groups/g-doomed`, 204],
      [`/v2/orgs/emulated-org/directories/${EMULATED_DIRECTORY_ID}/groups/g-doomed`, 404],
    ]);
    expect(recorder.count(OPS.searchGroups.key)).toBe(1);
  });

  it('does not retry a refused delete of a group synced from an IdP (403)', async () => {
    const { emulator, client } = harness();
    seedGroup(emulator, 'g-synced', 'IdP Group', { externalSynced: true });
    expect(await rejectionOf(client.deleteGroup('g-synced'))).toMatchObject({
      kind: 'forbidden',
      details: { status: 403 },
    });
    expect(emulator.writeLog).toHaveLength(1);
  });
});

describe('AdminApiClient: memberships', () => {
  it('adds a member, and reads a 409 back as already-member', async () => {
    const { emulator, client } = harness();
    const user = seedDirectoryUser(emulator, '712020:m', 'm@corp.example');
    seedGroup(emulator, 'g-m', 'scim-m');
    expect(await client.addMember('g-m', user.accountId)).toBe('added');
    expect(await client.addMember('ari:cloud:identity::group/g-m', user.accountId)).toBe('already-member');
    expect(emulator.writeLog.map((w) => w.status)).toEqual([204, 409]);
    expect(emulator.writeLog.every((w) => w.path.endsWith('/groups/g-m/memberships'))).toBe(true);
  });

  it('reads a 409 back as a seat limit when the user is not a member', async () => {
    const { emulator, client } = harness();
    const resource = emulator.state.resources.find((r) => r.id === EMULATED_BITBUCKET_RESOURCE_ID);
    if (resource === undefined) throw new Error('seed changed');
    // The workspace admin already uses the only seat.
    resource.capacity = 1;
    const group = seedGroup(emulator, 'g-paid', 'scim-paid');
    group.roles.push({ resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: USER_ROLE });
    const user = seedDirectoryUser(emulator, '712020:late', 'late@corp.example');
    const error = await rejectionOf(client.addMember('g-paid', user.accountId));
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ kind: 'conflict', details: { status: 409, operation: OPS.addMembership.key } });
    expect((error as Error).message).toContain('seat limit');
    expect(emulator.writeLog).toHaveLength(1);
  });

  it('removes a member, and reads a 404 back as not-member', async () => {
    const { emulator, client } = harness();
    const user = seedDirectoryUser(emulator, '712020:r', 'r@corp.example');
    seedGroup(emulator, 'g-r', 'scim-r', { members: [user.accountId] });
    expect(await client.removeMember('g-r', user.accountId)).toBe('removed');
    expect(await client.removeMember('g-r', user.accountId)).toBe('not-member');
    expect(emulator.writeLog.map((w) => w.status)).toEqual([204, 404]);
  });

  it('reports a membership add to a group that does not exist as not-found, once', async () => {
    const { emulator, client } = harness();
    const user = seedDirectoryUser(emulator, '712020:n', 'n@corp.example');
    expect(await rejectionOf(client.addMember('no-such-group', user.accountId))).toMatchObject({ kind: 'not-found' });
    expect(emulator.writeLog).toHaveLength(1);
  });
});

describe('AdminApiClient: product access (group role assignments)', () => {
  it('assigns, reads and revokes a role, skipping a repeat of either', async () => {
    const { emulator, client, recorder } = harness();
    const group = seedGroup(emulator, 'g-access', 'scim-access');
    await client.assignGroupRole('g-access', EMULATED_BITBUCKET_RESOURCE_ID, USER_ROLE);
    expect(group.roles).toEqual([{ resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: USER_ROLE }]);
    await client.assignGroupRole('g-access', EMULATED_BITBUCKET_RESOURCE_ID, USER_ROLE);
    expect(await client.getGroupRoles('ari:cloud:identity::group/g-access')).toEqual([
      { resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roles: [USER_ROLE] },
    ]);
    await client.revokeGroupRole('g-access', EMULATED_BITBUCKET_RESOURCE_ID, USER_ROLE);
    await client.revokeGroupRole('g-access', EMULATED_BITBUCKET_RESOURCE_ID, USER_ROLE);
    expect(group.roles).toEqual([]);
    expect(recorder.count(OPS.assignGroupRole.key)).toBe(1);
    expect(recorder.count(OPS.revokeGroupRole.key)).toBe(1);
  });

  it('reports a role the resource does not accept as invalid, without retrying', async () => {
    const { emulator, client } = harness();
    seedGroup(emulator, 'g-x', 'scim-x');
    expect(
      await rejectionOf(client.assignGroupRole('g-x', EMULATED_BITBUCKET_RESOURCE_ID, 'atlassian/viewer')),
    ).toMatchObject({ kind: 'invalid', details: { status: 400 } });
    expect(emulator.writeLog).toHaveLength(1);
  });

  it('reports a 409 on assign as a conflict (the seat limit)', async () => {
    const { emulator, client } = harness();
    const resource = emulator.state.resources.find((r) => r.id === EMULATED_BITBUCKET_RESOURCE_ID);
    if (resource === undefined) throw new Error('seed changed');
    resource.capacity = 1;
    const user = seedDirectoryUser(emulator, '712020:s', 's@corp.example');
    seedGroup(emulator, 'g-s', 'scim-s', { members: [user.accountId] });
    expect(await rejectionOf(client.assignGroupRole('g-s', EMULATED_BITBUCKET_RESOURCE_ID, USER_ROLE))).toMatchObject({
      kind: 'conflict',
      details: { status: 409 },
    });
  });
});

describe('AdminApiClient: credentials and response shapes', () => {
  it('sends nothing without an API key', async () => {
    const { client, recorder } = harness({ client: { credentials: () => ({ apiKey: ' ' }) } });
    expect(await rejectionOf(client.listDirectories())).toMatchObject({ kind: 'unauthorized' });
    expect(recorder.exchanges).toEqual([]);
  });

  it('uses a rotated key from the next request on', async () => {
    const keys = ['first-key', 'second-key'];
    const seen: string[] = [];
    const { client } = harness({
      client: { credentials: () => ({ apiKey: keys.shift() ?? 'spent' }) },
      wrap:
        (inner): TargetFetch =>
        (url, init) => {
          seen.push(init.headers.authorization ?? '');
          return inner(url, init);
        },
    });
    await client.listDirectories();
    await client.listDirectories();
    expect(seen).toEqual(['Bearer first-key', 'Bearer second-key']);
  });

  it('reports a 2xx body without the expected shape as unexpected-response', async () => {
    const corrupt =
      (inner: TargetFetch): TargetFetch =>
      async (url, init) => {
        const response = await inner(url, init);
        const body = JSON.parse(await response.text()) as { data: Array<Record<string, unknown>> };
        for (const user of body.data) delete user.accountId;
        return stringResponse(response.status, { 'content-type': 'application/json' }, JSON.stringify(body));
      };
    const { client, recorder } = harness({ wrap: corrupt });
    const error = await rejectionOf(client.findAccountsByEmail([EMULATED_ADMIN.email]));
    expect(error).toMatchObject({
      kind: 'unexpected-response',
      details: { status: 200, operation: OPS.searchUsers.key },
    });
    expect((error as Error).message).toContain('body.data[0].accountId is missing');
    expect(recorder.count(OPS.searchUsers.key)).toBe(1);
  });
});
