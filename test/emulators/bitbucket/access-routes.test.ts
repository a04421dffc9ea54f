import {
  ISSUE_17_WORKSPACE,
  planAccessWorkspace,
  seedAccessLayout,
  seedHandMadeAccess,
  seedIdpAccounts,
} from '../../../emulators/access-workspace';
import { ACCESS_ROUTE_KEYS } from '../../../emulators/bitbucket/access-routes';
import { BitbucketEmulator } from '../../../emulators/bitbucket/bitbucket-emulator';
import { permissionKey, slugifyGroupName, userPermissionKey } from '../../../emulators/bitbucket/bitbucket-state';
import { createLinkedEmulators } from '../../../emulators/linked-emulators';
import type { JsonValue } from '../../../emulators/openapi/openapi-types';
import { EMULATED_ADMIN, EMULATED_WORKSPACE_SLUG } from '../../../emulators/seed';
import { VirtualClock } from '../../../emulators/virtual-clock';
import type { CheckedEmulator } from '../support/exchange';
import { OperationTally, bitbucketRequest, exchange, list, text } from '../support/exchange';

const WS = EMULATED_WORKSPACE_SLUG;
const tally = new OperationTally();
const DEV_1 = {
  accountId: '712020:dev-1',
  uuid: '{00000000-0000-4000-8000-000000000001}',
  displayName: 'Dev One',
  nickname: 'dev1',
  email: 'dev1@corp.example',
};
const DEV_2 = {
  accountId: '712020:dev-2',
  uuid: '{00000000-0000-4000-8000-000000000002}',
  displayName: 'Dev Two',
  nickname: 'dev2',
  email: 'dev2@corp.example',
};

function caller(emulator: CheckedEmulator) {
  return (method: string, path: string, body?: JsonValue, query: Record<string, string[]> = {}) =>
    exchange(emulator, 'bitbucket-cloud', bitbucketRequest(method, `/2.0${path}`, body, query), tally);
}

function setup() {
  const emulator = new BitbucketEmulator({ clock: new VirtualClock(), rateLimit: false });
  emulator.state.members.push({ ...DEV_1 }, { ...DEV_2 });
  emulator.state.groups.push({ slug: 'developers', name: 'Developers', members: [DEV_1.accountId] });
  return { emulator, call: caller(emulator) };
}

function pageQuery(link: string): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [name, value] of new URL(link).searchParams) (query[name] ??= []).push(value);
  return query;
}

function effective(json: JsonValue | undefined): string[] {
  return list(json, 'values').map(
    (v) =>
      `${text(v, 'repository', 'full_name').split('/')[1] ?? ''} ${text(v, 'user', 'account_id')} ${text(v, 'permission')}`,
  );
}

describe('Bitbucket emulator: explicit user permissions (permissions-config/users)', () => {
  it('grants, reads, lists and removes a direct permission on a repository and on a project', async () => {
    const { emulator, call } = setup();
    const repoUser = `/repositories/${WS}/web-app/permissions-config/users/${DEV_1.accountId}`;
    expect(text((await call('PUT', repoUser, { permission: 'write' })).json, 'type')).toBe(
      'repository_user_permission',
    );
    expect(text((await call('GET', repoUser)).json, 'permission')).toBe('write');
    // By UUID in braces too, as the path parameter's description allows.
    expect(
      text(
        (await call('GET', `/repositories/${WS}/web-app/permissions-config/users/${encodeURIComponent(DEV_1.uuid)}`))
          .json,
        'user',
        'account_id',
      ),
    ).toBe(DEV_1.accountId);
    const projectUser = `/workspaces/${WS}/projects/PLAT/permissions-config/users/${DEV_2.accountId}`;
    expect(text((await call('PUT', projectUser, { permission: 'create-repo' })).json, 'type')).toBe(
      'project_user_permission',
    );
    expect(
      list((await call('GET', `/workspaces/${WS}/projects/PLAT/permissions-config/users`)).json, 'values').map((v) =>
        text(v, 'permission'),
      ),
    ).toEqual(['create-repo']);
    expect(text((await call('GET', projectUser)).json, 'project', 'key')).toBe('PLAT');
    expect((await call('DELETE', repoUser)).status).toBe(204);
    expect((await call('GET', repoUser)).status).toBe(404);
    expect((await call('DELETE', projectUser)).status).toBe(204);
    expect((await call('DELETE', projectUser)).status).toBe(204);
    expect(emulator.state.userPermissions.size).toBe(0);
  });

  it('answers 404 for an account it does not know, yet lists and removes a grant that outlived its membership', async () => {
    const { emulator, call } = setup();
    expect(
      (
        await call('PUT', `/repositories/${WS}/web-app/permissions-config/users/712020:stranger`, {
          permission: 'read',
        })
      ).status,
    ).toBe(404);
    emulator.state.userPermissions.set(userPermissionKey('repository', 'web-app', DEV_2.accountId), {
      kind: 'repository',
      target: 'web-app',
      accountId: DEV_2.accountId,
      permission: 'admin',
    });
    emulator.state.members.splice(
      emulator.state.members.findIndex((m) => m.accountId === DEV_2.accountId),
      1,
    );
    // The lingering grant still lists, with what Bitbucket knows of the account.
    expect(
      list((await call('GET', `/repositories/${WS}/web-app/permissions-config/users`)).json, 'values').map((v) =>
        text(v, 'user', 'account_id'),
      ),
    ).toEqual([DEV_2.accountId]);
    expect(
      (await call('DELETE', `/repositories/${WS}/web-app/permissions-config/users/${DEV_2.accountId}`)).status,
    ).toBe(204);
    expect(emulator.state.userPermissions.size).toBe(0);
  });

  it('pages a repository with 250 direct grants in pages of at most 100, following the next links', async () => {
    const { emulator, call } = setup();
    for (let i = 0; i < 250; i++) {
      const accountId = `712020:user-${String(i).padStart(3, '0')}`;
      emulator.state.userPermissions.set(userPermissionKey('repository', 'platform-api', accountId), {
        kind: 'repository',
        target: 'platform-api',
        accountId,
        permission: 'read',
      });
    }
    const seen: string[] = [];
    let query: Record<string, string[]> = { pagelen: ['100'] };
    for (let pages = 1; ; pages++) {
      const page = await call('GET', `/repositories/${WS}/platform-api/permissions-config/users`, undefined, query);
      const values = list(page.json, 'values');
      expect(values.length).toBeLessThanOrEqual(100);
      seen.push(...values.map((v) => text(v, 'user', 'account_id')));
      const next = (page.json as Record<string, JsonValue>).next;
      if (typeof next !== 'string') {
        expect(pages).toBe(3);
        break;
      }
      query = pageQuery(next);
    }
    expect(new Set(seen).size).toBe(250);
  });
});

describe('Bitbucket emulator: user permissions with a linked Admin API', () => {
  it('refuses a grant to a known account without workspace access (400: "must be a member of the workspace")', async () => {
    const linked = createLinkedEmulators({ bitbucket: { rateLimit: false } });
    const plan = planAccessWorkspace({
      ...ISSUE_17_WORKSPACE,
      repositories: 4,
      projects: 2,
      people: 3,
      appGroups: 1,
      foreignGroups: 0,
      orphans: 0,
      userGrants: 0,
    });
    seedAccessLayout(linked.bitbucket.state, plan);
    seedIdpAccounts(linked, plan);
    const [first] = [...linked.admin.state.users.values()].filter((u) => u.email.startsWith('person-'));
    if (first === undefined) throw new Error('no person');
    first.membershipStatus = 'suspended';
    const call = caller(linked.bitbucket);
    const path = `/repositories/${WS}/${plan.repositories[0]?.slug ?? ''}/permissions-config/users/${first.accountId}`;
    expect((await call('PUT', path, { permission: 'read' })).status).toBe(400);
    first.membershipStatus = 'active';
    expect((await call('PUT', path, { permission: 'read' })).status).toBe(200);
  });
});

describe('Bitbucket emulator: workspace roles and effective permissions', () => {
  it('lists members with their role and filters the owners', async () => {
    const { emulator, call } = setup();
    emulator.state.workspaceAdmins.add(DEV_2.accountId);
    const all = await call('GET', `/workspaces/${WS}/permissions`);
    expect(
      list(all.json, 'values')
        .map((v) => `${text(v, 'user', 'account_id')} ${text(v, 'permission')}`)
        .sort(),
    ).toEqual([`${EMULATED_ADMIN.accountId} owner`, `${DEV_1.accountId} member`, `${DEV_2.accountId} owner`].sort());
    const owners = await call('GET', `/workspaces/${WS}/permissions`, undefined, { q: ['permission="owner"'] });
    expect(
      list(owners.json, 'values')
        .map((v) => text(v, 'user', 'account_id'))
        .sort(),
    ).toEqual([EMULATED_ADMIN.accountId, DEV_2.accountId].sort());
  });

  it('derives the highest level per person: admins everywhere, project grants on its repositories, groups through their members', async () => {
    const { emulator, call } = setup();
    const s = emulator.state;
    s.permissions.set(permissionKey('project', 'PLAT', 'developers'), {
      kind: 'project',
      target: 'PLAT',
      groupSlug: 'developers',
      permission: 'create-repo',
    });
    s.userPermissions.set(userPermissionKey('repository', 'platform-api', DEV_1.accountId), {
      kind: 'repository',
      target: 'platform-api',
      accountId: DEV_1.accountId,
      permission: 'read',
    });
    s.userPermissions.set(userPermissionKey('repository', 'web-app', DEV_2.accountId), {
      kind: 'repository',
      target: 'web-app',
      accountId: DEV_2.accountId,
      permission: 'admin',
    });
    const all = await call('GET', `/workspaces/${WS}/permissions/repositories`, undefined, { pagelen: ['100'] });
    expect(effective(all.json).sort()).toEqual(
      [
        `platform-api ${EMULATED_ADMIN.accountId} admin`,
        `platform-infra ${EMULATED_ADMIN.accountId} admin`,
        `web-app ${EMULATED_ADMIN.accountId} admin`,
        // create-repo on the project is write on its repositories, above the direct read.
        `platform-api ${DEV_1.accountId} write`,
        `platform-infra ${DEV_1.accountId} write`,
        `web-app ${DEV_2.accountId} admin`,
      ].sort(),
    );
    const one = await call('GET', `/workspaces/${WS}/permissions/repositories/web-app`);
    expect(effective(one.json).sort()).toEqual(
      [`web-app ${EMULATED_ADMIN.accountId} admin`, `web-app ${DEV_2.accountId} admin`].sort(),
    );
    const aboveWrite = await call('GET', `/workspaces/${WS}/permissions/repositories`, undefined, {
      q: ['permission>"write"'],
      pagelen: ['100'],
    });
    expect(effective(aboveWrite.json).every((line) => line.endsWith(' admin'))).toBe(true);
    expect(effective(aboveWrite.json)).toHaveLength(4);
  });
});

describe('Bitbucket emulator: the issue-17 workspace, linked to the Admin API', () => {
  it('seeds 200 repositories in 20 projects, 50 groups (10 not the app’s), 500 people, 3 admins and two public repositories', async () => {
    const linked = createLinkedEmulators({ bitbucket: { rateLimit: false } });
    const plan = planAccessWorkspace(ISSUE_17_WORKSPACE);
    seedAccessLayout(linked.bitbucket.state, plan);
    seedIdpAccounts(linked, plan, 'scim-');
    seedHandMadeAccess(linked, plan, (name) => slugifyGroupName(`scim-${name}`));
    expect(linked.bitbucket.state.repositories).toHaveLength(200);
    expect(new Set(linked.bitbucket.state.repositories.map((r) => r.projectKey)).size).toBe(20);
    expect(linked.bitbucket.state.repositories.filter((r) => !r.isPrivate)).toHaveLength(2);
    expect(linked.admin.state.groups.size).toBe(50);
    expect(plan.people).toHaveLength(500);
    expect(plan.leavers).toHaveLength(10);
    const call = caller(linked.bitbucket);

    const owners = await call('GET', `/workspaces/${WS}/permissions`, undefined, {
      q: ['permission="owner"'],
      pagelen: ['100'],
    });
    expect(list(owners.json, 'values')).toHaveLength(3);
    const members = await call('GET', `/workspaces/${WS}/members`, undefined, { pagelen: ['100'], page: ['6'] });
    // 500 people, 5 without an IdP identity and the seeded admin: 506 members, 6 on the sixth page.
    expect(list(members.json, 'values')).toHaveLength(6);

    // A member of a group the app did not make reaches what that group was granted.
    const grant = plan.foreignGroupGrants.find(
      (g) => g.kind === 'repository' && (plan.foreignGroups.find((f) => f.name === g.group)?.members.length ?? 0) > 0,
    );
    if (grant === undefined) throw new Error('the plan has no repository grant to a non-app group');
    const member = plan.foreignGroups.find((f) => f.name === grant.group)?.members[0] ?? '';
    const accountId = [...linked.admin.state.users.values()].find((u) => u.email === member)?.accountId ?? '';
    const listing = await call('GET', `/workspaces/${WS}/permissions/repositories/${grant.target}`, undefined, {
      pagelen: ['100'],
    });
    expect(effective(listing.json).some((line) => line.startsWith(`${grant.target} ${accountId} `))).toBe(true);

    const repoGroups = await call('GET', `/repositories/${WS}/${grant.target}/permissions-config/groups`, undefined, {
      pagelen: ['100'],
    });
    expect(list(repoGroups.json, 'values').map((v) => text(v, 'group', 'slug'))).toContain(
      slugifyGroupName(grant.group),
    );
  });
});

describe('Bitbucket emulator: coverage of the access-review reads', () => {
  it('exercised every access-review operation', () => {
    expect([...tally.seen].filter((key) => ACCESS_ROUTE_KEYS.includes(key)).sort()).toEqual(
      [...ACCESS_ROUTE_KEYS].sort(),
    );
  });
});
