import { ACCESS_ROUTE_KEYS } from '../../../emulators/bitbucket/access-routes';
import { BitbucketEmulator } from '../../../emulators/bitbucket/bitbucket-emulator';
import { permissionKey } from '../../../emulators/bitbucket/bitbucket-state';
import type { JsonValue } from '../../../emulators/openapi/openapi-types';
import { EMULATED_ADMIN, EMULATED_WORKSPACE_SLUG, EMULATED_WORKSPACE_UUID } from '../../../emulators/seed';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { OperationTally, at, bitbucketRequest, exchange, list, text } from '../support/exchange';

const WS = EMULATED_WORKSPACE_SLUG;
const tally = new OperationTally();

function setup(options: ConstructorParameters<typeof BitbucketEmulator>[0] = {}) {
  const emulator = new BitbucketEmulator({ clock: new VirtualClock(), ...options });
  emulator.state.groups.push(
    { slug: 'developers', name: 'Developers' },
    { slug: 'release-managers', name: 'Release Managers' },
  );
  emulator.state.members.push(
    {
      accountId: '712020:dev-1',
      uuid: '{00000000-0000-4000-8000-000000000001}',
      displayName: 'Dev One',
      nickname: 'dev1',
      email: 'dev1@corp.example',
    },
    {
      accountId: '712020:dev-2',
      uuid: '{00000000-0000-4000-8000-000000000002}',
      displayName: 'Dev Two',
      nickname: 'dev2',
      email: 'dev2@corp.example',
    },
  );
  const call = (method: string, path: string, body?: JsonValue, query: Record<string, string[]> = {}) =>
    exchange(emulator, 'bitbucket-cloud', bitbucketRequest(method, `/2.0${path}`, body, query), tally);
  return { emulator, call };
}

/** Turns an absolute `next` link back into a request, as a client following it would. */
function follow(link: string): { path: string; query: Record<string, string[]> } {
  const url = new URL(link);
  expect(url.origin).toBe('https://api.bitbucket.org');
  const query: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) (query[name] ??= []).push(value);
  return { path: url.pathname.replace(/^\/2\.0/, ''), query };
}

describe('Bitbucket emulator: the workspace', () => {
  it('reads the workspace by slug or by UUID in braces, and 404s another UUID', async () => {
    const { call } = setup();
    const bySlug = await call('GET', `/workspaces/${WS}`);
    expect(text(bySlug.json, 'uuid')).toBe(EMULATED_WORKSPACE_UUID);
    const byUuid = await call('GET', `/workspaces/${encodeURIComponent(EMULATED_WORKSPACE_UUID)}`);
    expect(text(byUuid.json, 'slug')).toBe(WS);
    expect(
      (await call('GET', `/workspaces/${encodeURIComponent('{00000000-0000-4000-8000-000000000009}')}`)).status,
    ).toBe(404);
  });
});

describe('Bitbucket emulator: workspace members', () => {
  it('lists members and filters them by email, showing only the filtered addresses on request', async () => {
    const { call } = setup();
    const all = await call('GET', `/workspaces/${WS}/members`);
    expect(list(all.json, 'values')).toHaveLength(3);
    expect(JSON.stringify(all.json)).not.toContain('@corp.example');

    const q = 'user.email IN ("DEV1@corp.example","nobody@corp.example")';
    const filtered = await call('GET', `/workspaces/${WS}/members`, undefined, {
      q: [q],
      fields: ['+values.user.email'],
    });
    expect(list(filtered.json, 'values').map((m) => text(m, 'user', 'account_id'))).toEqual(['712020:dev-1']);
    expect(text(filtered.json, 'values', 0, 'user', 'email')).toBe('dev1@corp.example');
    expect(text(filtered.json, 'values', 0, 'type')).toBe('workspace_membership');

    const onlyIds = await call('GET', `/workspaces/${WS}/members`, undefined, {
      q: [q],
      fields: ['values.user.email,values.user.account_id'],
    });
    expect(onlyIds.json).toEqual({ values: [{ user: { email: 'dev1@corp.example', account_id: '712020:dev-1' } }] });
  });

  it('refuses an email filter with more than 90 addresses (400)', async () => {
    const { call } = setup();
    const emails = Array.from({ length: 91 }, (_, i) => `"p${i}@corp.example"`).join(',');
    expect(
      (await call('GET', `/workspaces/${WS}/members`, undefined, { q: [`user.email IN (${emails})`] })).status,
    ).toBe(400);
  });

  it('reads one member by UUID or account ID, and 404s a non-member', async () => {
    const { call } = setup();
    const byUuid = await call('GET', `/workspaces/${WS}/members/${encodeURIComponent(EMULATED_ADMIN.uuid)}`);
    expect(text(byUuid.json, 'user', 'account_id')).toBe(EMULATED_ADMIN.accountId);
    const byAccount = await call(
      'GET',
      `/workspaces/${encodeURIComponent(EMULATED_WORKSPACE_UUID)}/members/712020:dev-2`,
    );
    expect(text(byAccount.json, 'user', 'nickname')).toBe('dev2');
    expect((await call('GET', `/workspaces/${WS}/members/712020:stranger`)).status).toBe(404);
  });
});

describe('Bitbucket emulator: projects and repositories', () => {
  it('pages projects with absolute next links that a client can follow', async () => {
    const { call } = setup();
    const first = await call('GET', `/workspaces/${WS}/projects`, undefined, { pagelen: ['1'] });
    expect(list(first.json, 'values').map((p) => text(p, 'key'))).toEqual(['PLAT']);
    const next = follow(text(first.json, 'next'));
    const second = await call('GET', next.path, undefined, next.query);
    expect(list(second.json, 'values').map((p) => text(p, 'key'))).toEqual(['WEB']);
    expect(at(second.json, 'previous')).toBeDefined();
    expect((second.json as { next?: string }).next).toBeUndefined();
  });

  it('reads a project and 404s an unknown key', async () => {
    const { call } = setup();
    expect(text((await call('GET', `/workspaces/${WS}/projects/WEB`)).json, 'name')).toBe('Web');
    expect((await call('GET', `/workspaces/${WS}/projects/NOPE`)).status).toBe(404);
  });

  it('lists repositories with BBQL filtering and sorting, and reads one by slug or UUID', async () => {
    const { emulator, call } = setup();
    const plat = await call('GET', `/repositories/${WS}`, undefined, { q: ['project.key = "PLAT"'], sort: ['-slug'] });
    expect(list(plat.json, 'values').map((r) => text(r, 'slug'))).toEqual(['platform-infra', 'platform-api']);
    const uuid = emulator.state.repositories[2]?.uuid ?? '';
    expect(text((await call('GET', `/repositories/${WS}/${encodeURIComponent(uuid)}`)).json, 'full_name')).toBe(
      `${WS}/web-app`,
    );
    expect((await call('GET', `/repositories/${WS}/missing`)).status).toBe(404);
  });
});

describe('Bitbucket emulator: permissions-config for groups', () => {
  it('grants a repository permission with PUT, returns it from GET and the list, and removes it with DELETE', async () => {
    const { emulator, call } = setup();
    const path = `/repositories/${WS}/platform-api/permissions-config/groups/developers`;
    const put = await call('PUT', path, { permission: 'write' });
    expect(put.status).toBe(200);
    expect(text(put.json, 'type')).toBe('repository_group_permission');
    expect(at(put.json, 'group')).toEqual({
      type: 'group',
      name: 'Developers',
      slug: 'developers',
      full_slug: `${WS}:developers`,
    });
    expect(emulator.state.permissions.get(permissionKey('repository', 'platform-api', 'developers'))?.permission).toBe(
      'write',
    );

    expect(text((await call('GET', path)).json, 'permission')).toBe('write');
    await call('PUT', path, { permission: 'admin' });
    const listed = await call('GET', `/repositories/${WS}/platform-api/permissions-config/groups`);
    expect(list(listed.json, 'values').map((v) => [text(v, 'group', 'slug'), text(v, 'permission')])).toEqual([
      ['developers', 'admin'],
    ]);

    expect((await call('DELETE', path)).status).toBe(204);
    expect(emulator.state.permissions.size).toBe(0);
    expect((await call('GET', path)).status).toBe(404);
    expect((await call('DELETE', path)).status).toBe(204);
  });

  it('grants project permissions, including create-repo', async () => {
    const { call } = setup();
    const path = `/workspaces/${WS}/projects/PLAT/permissions-config/groups/release-managers`;
    const put = await call('PUT', path, { permission: 'create-repo' });
    expect(text(put.json, 'type')).toBe('project_group_permission');
    expect(text(put.json, 'project', 'key')).toBe('PLAT');
    expect(text((await call('GET', path)).json, 'permission')).toBe('create-repo');
    const listed = await call('GET', `/workspaces/${WS}/projects/PLAT/permissions-config/groups`);
    expect(list(listed.json, 'values')).toHaveLength(1);
    expect((await call('DELETE', path)).status).toBe(204);
    expect(
      list((await call('GET', `/workspaces/${WS}/projects/PLAT/permissions-config/groups`)).json, 'values'),
    ).toEqual([]);
  });

  it('answers "none" for a group without a permission when so configured', async () => {
    const { call } = setup({ behaviour: { unsetGroupPermission: 'none' } });
    const response = await call('GET', `/repositories/${WS}/web-app/permissions-config/groups/developers`);
    expect(text(response.json, 'permission')).toBe('none');
  });

  it('answers 404 for an unknown group, 402 at the plan limit, 403 to a bearer token on writes', async () => {
    const { emulator, call } = setup();
    expect(
      (await call('PUT', `/repositories/${WS}/web-app/permissions-config/groups/ghosts`, { permission: 'read' }))
        .status,
    ).toBe(404);
    emulator.state.planUserLimitReached = true;
    expect(
      (await call('PUT', `/repositories/${WS}/web-app/permissions-config/groups/developers`, { permission: 'read' }))
        .status,
    ).toBe(402);
    emulator.state.planUserLimitReached = false;
    const bearer = {
      ...bitbucketRequest('PUT', `/2.0/repositories/${WS}/web-app/permissions-config/groups/developers`, {
        permission: 'read',
      }),
    };
    const forge = await exchange(emulator, 'bitbucket-cloud', {
      ...bearer,
      headers: { ...bearer.headers, authorization: ['Bearer forge-token'] },
    });
    expect(forge.status).toBe(403);
    const read = bitbucketRequest('GET', `/2.0/repositories/${WS}/web-app/permissions-config/groups`);
    expect(
      (
        await exchange(emulator, 'bitbucket-cloud', {
          ...read,
          headers: { ...read.headers, authorization: ['Bearer forge-token'] },
        })
      ).status,
    ).toBe(200);
    expect(emulator.state.permissions.size).toBe(0);
  });

  it('records an invalid permission value as a request violation and answers 400', async () => {
    const emulator = new BitbucketEmulator();
    emulator.state.groups.push({ slug: 'developers', name: 'Developers' });
    const response = await emulator.handle(
      bitbucketRequest('PUT', `/2.0/repositories/${WS}/web-app/permissions-config/groups/developers`, {
        permission: 'owner',
      }),
    );
    expect(response.status).toBe(400);
    expect(emulator.violations).toHaveLength(1);
    expect(emulator.violations[0]?.messages.join(' ')).toMatch(/permission/);
    expect(emulator.state.permissions.size).toBe(0);
  });

  it('records undocumented query parameters, such as BBQL on a list that does not support it', async () => {
    const emulator = new BitbucketEmulator();
    await emulator.handle(
      bitbucketRequest('GET', `/2.0/repositories/${WS}/web-app/permissions-config/groups`, undefined, {
        q: ['permission="admin"'],
      }),
    );
    expect(emulator.violations[0]?.messages.join(' ')).toMatch(/query parameter q/);
  });

  it('logs the writes and nothing else', async () => {
    const { emulator, call } = setup();
    await call('GET', `/repositories/${WS}`);
    await call('PUT', `/repositories/${WS}/web-app/permissions-config/groups/developers`, { permission: 'read' });
    await call('DELETE', `/repositories/${WS}/web-app/permissions-config/groups/developers`);
    expect(emulator.writeLog.map((w) => `${w.method} ${w.status}`)).toEqual(['PUT 200', 'DELETE 204']);
    expect(emulator.writeLog[0]?.path).toBe(`/2.0/repositories/${WS}/web-app/permissions-config/groups/developers`);
  });

  it('tells onWrite of the writes, and keeps none in the log when told not to', async () => {
    const told: string[] = [];
    const { emulator, call } = setup({
      keepWriteLog: false,
      onWrite: (entry) => told.push(`${entry.method} ${entry.status}`),
    });
    await call('GET', `/repositories/${WS}`);
    await call('PUT', `/repositories/${WS}/web-app/permissions-config/groups/developers`, { permission: 'read' });
    expect(told).toEqual(['PUT 200']);
    expect(emulator.writeLog).toEqual([]);
  });
});

describe('Bitbucket emulator: coverage of this file', () => {
  it('exercised every operation the emulator serves (the access-review reads have their own file)', () => {
    const elsewhere = new Set<string>(ACCESS_ROUTE_KEYS);
    expect([...tally.seen].sort()).toEqual(
      new BitbucketEmulator()
        .servedOperations()
        .filter((key) => !elsewhere.has(key))
        .sort(),
    );
  });
});
