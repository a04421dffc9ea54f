import { permissionKey } from '../../../emulators/bitbucket/bitbucket-state';
import { stringResponse } from '../../../emulators/emulator-fetch';
import { EMULATED_ADMIN, EMULATED_REPOSITORIES } from '../../../emulators/seed';
import { BITBUCKET_OPERATIONS } from '../../../src/targets/bitbucket/bitbucket-client';
import type { TargetFetch } from '../../../src/targets/http/target-fetch';
import { TargetError } from '../../../src/targets/ports';
import { rejectionOf } from '../../support/outcomes';
import { bitbucketHarness, checkedAfterEach, type BitbucketHarnessOptions } from '../support/harness';

const OPS = BITBUCKET_OPERATIONS;
const REPO_PUT = { method: 'PUT', pathTemplate: OPS.putRepositoryGroupPermission.pathTemplate };

const harness = checkedAfterEach((options?: BitbucketHarnessOptions) => {
  const built = bitbucketHarness(options);
  built.emulator.state.groups.push({ slug: 'developers', name: 'Developers' }, { slug: 'scim-ops', name: 'scim-ops' });
  return built;
});

describe('BitbucketClient against the Bitbucket emulator: workspace contents', () => {
  it('lists every project, following next links', async () => {
    const { client, recorder } = harness({ client: { pageLength: 1 } });
    expect(await client.listProjects()).toEqual([
      { key: 'PLAT', name: 'Platform' },
      { key: 'WEB', name: 'Web' },
    ]);
    expect(recorder.count(OPS.listProjects.key)).toBe(2);
  });

  it('lists every repository with its project key, following next links', async () => {
    const { emulator, client, recorder } = harness({ client: { pageLength: 2 } });
    const loose = {
      ...emulator.state.repositories[0],
      slug: 'loose',
      uuid: '{7a0e9d42-6b1c-4d8a-9f3e-1c2b3a4d5e09}',
      projectKey: 'GONE',
    };
    emulator.state.repositories.push(loose as (typeof emulator.state.repositories)[number]);
    expect(await client.listRepositories()).toEqual([
      ...EMULATED_REPOSITORIES.map((r) => ({ slug: r.slug, projectKey: r.projectKey })),
      { slug: 'loose', projectKey: undefined },
    ]);
    expect(recorder.count(OPS.listRepositories.key)).toBe(2);
  });

  it('finds workspace members by email, at most 90 per query, with the email asked back', async () => {
    const { emulator, client, recorder } = harness();
    const emails = Array.from({ length: 120 }, (_, i) => `member${i}@corp.example`);
    emails.forEach((email, i) =>
      emulator.state.members.push({
        accountId: `712020:m-${i}`,
        uuid: `{m-${i}}`,
        displayName: `M ${i}`,
        nickname: `m${i}`,
        email,
      }),
    );
    emulator.state.members.push({
      accountId: '712020:quoted',
      uuid: '{quoted}',
      displayName: 'Q',
      nickname: 'q',
      email: '"q\\uote"@corp.example',
    });
    const found = await client.findMembersByEmail([
      ...emails,
      'MEMBER3@corp.example',
      'stranger@corp.example',
      '"q\\uote"@corp.example',
    ]);
    expect(found).toHaveLength(121);
    expect(found).toContainEqual({ accountId: '712020:m-3', email: 'member3@corp.example' });
    expect(found).toContainEqual({ accountId: '712020:quoted', email: '"q\\uote"@corp.example' });
    expect(recorder.count(OPS.listWorkspaceMembers.key)).toBe(2);
    const queries = recorder.exchanges.map((e) => new URL(e.url).searchParams.get('q') ?? '');
    expect(queries.map((q) => q.split('@corp.example"').length - 1)).toEqual([90, 32]);
  });
});

describe('BitbucketClient: permissions-config for groups', () => {
  it('grants, lists, changes and removes a group permission on a repository', async () => {
    const { emulator, client } = harness();
    await client.putRepositoryGroupPermission('platform-api', 'developers', 'write');
    expect(emulator.state.permissions.get(permissionKey('repository', 'platform-api', 'developers'))?.permission).toBe(
      'write',
    );
    expect(await client.listRepositoryGroupPermissions('platform-api')).toEqual([
      { groupSlug: 'developers', permission: 'write' },
    ]);
    await client.putRepositoryGroupPermission('platform-api', 'developers', 'admin');
    expect(await client.listRepositoryGroupPermissions('platform-api')).toEqual([
      { groupSlug: 'developers', permission: 'admin' },
    ]);
    await client.deleteRepositoryGroupPermission('platform-api', 'developers');
    expect(await client.listRepositoryGroupPermissions('platform-api')).toEqual([]);
    expect(JSON.parse(emulator.writeLog[0]?.body ?? '')).toEqual({ permission: 'write' });
  });

  it('grants, lists and removes group permissions on a project, create-repo included', async () => {
    const { emulator, client } = harness({ client: { pageLength: 1 } });
    await client.putProjectGroupPermission('PLAT', 'developers', 'create-repo');
    await client.putProjectGroupPermission('PLAT', 'scim-ops', 'read');
    expect(await client.listProjectGroupPermissions('PLAT')).toEqual([
      { groupSlug: 'developers', permission: 'create-repo' },
      { groupSlug: 'scim-ops', permission: 'read' },
    ]);
    await client.deleteProjectGroupPermission('PLAT', 'developers');
    await client.deleteProjectGroupPermission('PLAT', 'developers');
    expect(await client.listProjectGroupPermissions('PLAT')).toEqual([{ groupSlug: 'scim-ops', permission: 'read' }]);
    expect(emulator.writeLog.map((w) => w.status)).toEqual([200, 200, 204, 204]);
  });

  it('reports an unknown group as not-found, once', async () => {
    const { emulator, client } = harness();
    expect(
      await rejectionOf(client.putRepositoryGroupPermission('platform-api', 'no-such-group', 'read')),
    ).toMatchObject({
      kind: 'not-found',
      details: { status: 404, operation: OPS.putRepositoryGroupPermission.key },
    });
    expect(emulator.writeLog).toHaveLength(1);
  });

  it("reports the plan's user limit as payment-required, once", async () => {
    const { emulator, client } = harness();
    emulator.state.planUserLimitReached = true;
    const error = await rejectionOf(client.putProjectGroupPermission('WEB', 'developers', 'write'));
    expect(error).toBeInstanceOf(TargetError);
    expect(error).toMatchObject({ kind: 'payment-required', details: { status: 402 } });
    expect(emulator.writeLog).toHaveLength(1);
  });

  it('authenticates with the admin email and a freshly asked API token on every request', async () => {
    const tokens = ['token-1', 'token-2'];
    const seen: string[] = [];
    const { client } = harness({
      client: { credentials: () => ({ email: EMULATED_ADMIN.email, apiToken: tokens.shift() ?? 'spent' }) },
      wrap:
        (inner): TargetFetch =>
        (url, init) => {
          seen.push(Buffer.from((init.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8'));
          return inner(url, init);
        },
    });
    await client.putRepositoryGroupPermission('web-app', 'developers', 'read');
    await client.deleteRepositoryGroupPermission('web-app', 'developers');
    expect(seen).toEqual([`${EMULATED_ADMIN.email}:token-1`, `${EMULATED_ADMIN.email}:token-2`]);
  });

  it('reports a PUT answer that is not the grant just written as unexpected-response', async () => {
    const corrupt =
      (inner: TargetFetch): TargetFetch =>
      async (url, init) => {
        const response = await inner(url, init);
        const body = JSON.parse(await response.text()) as Record<string, unknown>;
        return stringResponse(
          response.status,
          { 'content-type': 'application/json' },
          JSON.stringify({ ...body, permission: 'read' }),
        );
      };
    const { client, emulator } = harness({ wrap: corrupt });
    expect(await rejectionOf(client.putRepositoryGroupPermission('web-app', 'developers', 'admin'))).toMatchObject({
      kind: 'unexpected-response',
      details: { status: 200, operation: OPS.putRepositoryGroupPermission.key },
    });
    expect(emulator.writeLog).toHaveLength(1);
  });

  it('reports a collection without values as unexpected-response', async () => {
    const corrupt =
      (inner: TargetFetch): TargetFetch =>
      async (url, init) => {
        await inner(url, init);
        return stringResponse(200, { 'content-type': 'application/json' }, JSON.stringify({ pagelen: 10, size: 0 }));
      };
    const { client } = harness({ wrap: corrupt });
    expect(await rejectionOf(client.listProjects())).toMatchObject({
      kind: 'unexpected-response',
      message: expect.stringContaining('body.values is missing'),
    });
  });
});

describe('BitbucketClient under injected faults', () => {
  it('waits out a 429 for the Retry-After time on the virtual clock, then succeeds', async () => {
    const { emulator, client } = harness({ emulator: { retryAfterHeader: true } });
    emulator.faults.add({
      match: REPO_PUT,
      onCalls: [1],
      fault: { kind: 'status', status: 429, retryAfterSeconds: 30 },
    });
    await client.putRepositoryGroupPermission('platform-api', 'developers', 'read');
    const [refused, accepted] = emulator.writeLog;
    expect([refused?.status, accepted?.status]).toEqual([429, 200]);
    expect((accepted?.time ?? 0) - (refused?.time ?? 0)).toBe(30_000);
  });

  it('backs off exponentially on a 429 that names no wait, and gives up with rate-limited', async () => {
    const { emulator, client } = harness({ emulator: { rateLimit: { limit: 1, windowMs: 3_600_000 } } });
    await client.putRepositoryGroupPermission('platform-api', 'developers', 'read');
    const error = await rejectionOf(client.putRepositoryGroupPermission('platform-api', 'developers', 'write'));
    expect(error).toMatchObject({ kind: 'rate-limited', details: { status: 429 } });
    const refused = emulator.writeLog.slice(1);
    expect(refused.map((w) => w.status)).toEqual([429, 429, 429, 429, 429]);
    expect(refused.slice(1).map((w, i) => w.time - (refused[i]?.time ?? 0))).toEqual([750, 1_500, 3_000, 6_000]);
  });

  it('retries a 5xx on a read and then succeeds', async () => {
    const { emulator, client, recorder } = harness();
    emulator.faults.add({
      match: { pathTemplate: OPS.listProjects.pathTemplate },
      onCalls: [1],
      fault: { kind: 'status', status: 502 },
    });
    expect(await client.listProjects()).toHaveLength(2);
    expect(recorder.exchanges.map((e) => e.status)).toEqual([502, 200]);
  });

  it('never repeats a grant write whose outcome is unknown (a 5xx or a lost answer): the next permission run reads it back', async () => {
    const { emulator, client } = harness();
    emulator.faults.add({ match: REPO_PUT, onCalls: [1], fault: { kind: 'status', status: 502 } });
    expect(await rejectionOf(client.putRepositoryGroupPermission('platform-api', 'developers', 'read'))).toMatchObject({
      kind: 'transient',
    });
    expect(emulator.writeLog.map((w) => w.status)).toEqual([502]);
    emulator.faults.add({ match: { method: 'DELETE' }, fault: { kind: 'drop' } });
    expect(await rejectionOf(client.deleteProjectGroupPermission('PLAT', 'developers'))).toMatchObject({
      kind: 'transient',
    });
    expect(emulator.writeLog.map((w) => w.status)).toEqual([502, 'dropped']);
  });

  it('reports a connection that keeps dropping as transient, after the attempt budget', async () => {
    const { emulator, client, recorder } = harness({ client: { retry: { maxAttempts: 3 } } });
    emulator.faults.add({ match: { pathTemplate: OPS.listProjects.pathTemplate }, fault: { kind: 'drop' } });
    expect(await rejectionOf(client.listProjects())).toMatchObject({ kind: 'transient' });
    expect(recorder.exchanges.map((e) => e.status)).toEqual(['failed', 'failed', 'failed']);
  });

  it('retries a read whose connection dropped once', async () => {
    const { emulator, client, recorder } = harness();
    emulator.faults.add({
      match: { pathTemplate: OPS.listProjects.pathTemplate },
      onCalls: [1],
      fault: { kind: 'drop' },
    });
    expect(await client.listProjects()).toHaveLength(2);
    expect(recorder.exchanges.map((e) => e.status)).toEqual(['failed', 200]);
  });
});
