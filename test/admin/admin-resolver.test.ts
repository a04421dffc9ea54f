/** The admin resolver: only workspace admins manage tokens; inputs are validated on the server; issued tokens work. */
import { makeAdminHandlers } from '../../src/forge/admin-resolver';
import { workspaceUuidOf, type WorkspacePermissionLookup } from '../../src/admin/workspace-admin';
import { startTestScim, type TestScim } from '../support/test-scim';

const WORKSPACE = '5f8a1c2e-1111-4222-8333-944455556666';
const ADMIN_CONTEXT = { accountId: '557058:admin', installContext: `ari:cloud:bitbucket::workspace/${WORKSPACE}` };

describe('admin resolver', () => {
  let scim: TestScim;
  let permission: { status: number; permission?: string } | Error;
  let asked: string[];

  const lookup: WorkspacePermissionLookup = async (workspace) => {
    asked.push(workspace);
    if (permission instanceof Error) throw permission;
    return permission;
  };

  function handlers() {
    return makeAdminHandlers({ getApp: async () => scim.app, getBaseUrl: async () => 'https://example.invalid/x1/abc', lookupPermission: lookup });
  }

  beforeEach(async () => {
    scim = await startTestScim();
    permission = { status: 200, permission: 'owner' };
    asked = [];
  });

  afterEach(async () => {
    await scim.close();
  });

  it('reads the workspace from installContext only', () => {
    expect(workspaceUuidOf(`ari:cloud:bitbucket::workspace/${WORKSPACE}`)).toBe(WORKSPACE);
    expect(workspaceUuidOf(`ari:cloud:bitbucket::workspace/{${WORKSPACE.toUpperCase()}}`)).toBe(WORKSPACE);
    expect(workspaceUuidOf('ari:cloud:jira::site/123')).toBeUndefined();
    expect(workspaceUuidOf(undefined)).toBeUndefined();
  });

  it.each([
    ['a member', { status: 200, permission: 'member' }, 'not-admin'],
    ['a collaborator', { status: 200, permission: 'collaborator' }, 'not-admin'],
    ['someone without access', { status: 403 }, 'not-admin'],
    ['someone who has not granted access', { status: 401 }, 'grant-required'],
  ])('refuses %s', async (_who, answer, reason) => {
    permission = answer;
    await expect(handlers()['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT })).rejects.toMatchObject({ reason });
    expect(asked).toEqual([WORKSPACE]);
  });

  it('refuses calls without a user or without a Bitbucket workspace, without asking Bitbucket', async () => {
    await expect(handlers()['tokens/list']({ payload: undefined, context: { installContext: ADMIN_CONTEXT.installContext } })).rejects.toMatchObject({ reason: 'not-signed-in' });
    await expect(
      handlers()['tokens/issue']({ payload: {}, context: { accountId: 'x', installContext: 'ari:cloud:jira::site/1', workspaceId: WORKSPACE } }),
    ).rejects.toMatchObject({ reason: 'no-workspace' });
    expect(asked).toEqual([]);
  });

  it('turns a failed lookup into a grant-required refusal', async () => {
    permission = new Error('401 from requestBitbucket');
    await expect(handlers()['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT })).rejects.toMatchObject({ reason: 'grant-required' });
  });

  it('lets an admin issue a token that the SCIM endpoint accepts, list it without its value, and revoke it', async () => {
    const h = handlers();
    const issued = await h['tokens/issue']({ payload: { label: 'Entra', expiresInDays: 365 }, context: ADMIN_CONTEXT });
    expect(issued.view).toMatchObject({ label: 'Entra', suffix: issued.token.slice(-4) });
    const withToken = await scim.app.handleScim({
      method: 'GET',
      path: '/Users',
      query: {},
      headers: { authorization: [`Bearer ${issued.token}`] },
      body: undefined,
      baseUrl: 'https://scim.test',
    });
    expect(withToken.status).toBe(200);
    const listed = await h['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT });
    expect(listed.map((t) => t.id)).toContain(issued.view.id);
    expect(JSON.stringify(listed)).not.toContain(issued.token);
    expect(await h['tokens/revoke']({ payload: { id: issued.view.id }, context: ADMIN_CONTEXT })).toEqual({ revoked: true });
    expect((await h['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT })).map((t) => t.id)).not.toContain(issued.view.id);
  });

  it('rotates with an overlap during which both tokens are accepted', async () => {
    const h = handlers();
    const rotated = await h['tokens/rotate']({ payload: { overlapHours: 2 }, context: ADMIN_CONTEXT });
    const views = await h['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT });
    expect(views).toHaveLength(2);
    const old = views.find((v) => v.id !== rotated.view.id);
    expect(old?.expiresAt).toBeDefined();
    expect(Date.parse(old?.expiresAt ?? '') - Date.now()).toBeGreaterThan(7000 * 1000);
  });

  it.each([
    ['tokens/issue', { label: 'x'.repeat(81) }],
    ['tokens/issue', { expiresInDays: -1 }],
    ['tokens/issue', 'not an object'],
    ['tokens/rotate', {}],
    ['tokens/rotate', { overlapHours: 'soon' }],
    ['tokens/revoke', { id: '../../etc' }],
  ] as const)('validates %s input %j on the server', async (key, payload) => {
    const h = handlers() as unknown as Record<string, (request: { payload: unknown; context: unknown }) => Promise<unknown>>;
    await expect(h[key]?.({ payload, context: ADMIN_CONTEXT })).rejects.toMatchObject({ reason: 'invalid-input' });
  });

  it('answers status without an admin check and gives admins the SCIM base URL', async () => {
    expect(await handlers()['status/get']({ payload: undefined, context: {} })).toMatchObject({ ready: false });
    expect(await handlers()['scim/get-base-url']({ payload: undefined, context: ADMIN_CONTEXT })).toEqual({ url: 'https://example.invalid/x1/abc' });
  });
});
