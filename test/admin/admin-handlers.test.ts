/**
 * The admin resolvers over the in-process local host (production store, sync and emulated Atlassian APIs):
 * only workspace admins get answers, every input is validated on the server, secrets never come back, and
 * each call does what the page expects of it.
 */
import type { Handlers } from '@forge/resolver';
import { invokeAdmin, makeAdminHandlers } from '../../src/admin/admin-handlers';
import { workspaceUuidOf, type WorkspacePermissionLookup } from '../../src/admin/workspace-admin';
import type { LocalHost } from '../../src/local/local-host';
import type { AdminApi } from '../../src/shared/admin-api';
import { createLocalKvs } from '../../src/storage/local-kvs';
import { MAX_ROLE_ID_LENGTH } from '../../src/sync/settings';
import { adminContext, TEST_WORKSPACE } from '../support/admin-harness';
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';
import { scimGroup, scimUser, USER_SCHEMA } from '../support/scim-bodies';
import { scimOverHttp, type ScimCall } from '../support/sync-state';

const WORKSPACE = TEST_WORKSPACE;
const ADMIN_CONTEXT = adminContext('557058:admin');
const TOKEN = 'admin-handlers-token';

describe('admin handlers', () => {
  let started: InProcessHost;
  let host: LocalHost;
  let scim: ScimCall;
  let permission: { status: number; permission?: string } | Error;
  let asked: string[];
  let logged: string[];

  const lookup: WorkspacePermissionLookup = async (workspace) => {
    asked.push(workspace);
    if (permission instanceof Error) throw permission;
    return permission;
  };

  function handlers(): Handlers<AdminApi> {
    return makeAdminHandlers({
      getApp: async () => host.app,
      getSync: async () => host.sync,
      getBaseUrl: async () => 'https://example.invalid/x1/abc',
      lookupPermission: lookup,
      kvs: createLocalKvs(host.kvs),
      emulated: true,
    });
  }

  async function call<K extends keyof AdminApi>(
    key: K,
    payload?: Parameters<AdminApi[K]>[0],
  ): Promise<ReturnType<AdminApi[K]>> {
    const handler = handlers()[key] as unknown as (request: {
      payload: unknown;
      context: unknown;
    }) => Promise<ReturnType<AdminApi[K]>>;
    return handler({ payload, context: ADMIN_CONTEXT });
  }

  async function converge(): Promise<void> {
    for (let round = 0; round < 40; round += 1) {
      await host.runtime.idle();
      if ((await host.app.store.pendingChanges(1)).entries.length === 0) return;
      await host.sync.dispatcher.drain();
    }
    throw new Error('no convergence');
  }

  beforeEach(async () => {
    logged = [];
    started = await startInProcessHost({
      bearerToken: TOKEN,
      logger: { error: (code: string) => void logged.push(code) },
    });
    host = started.host;
    scim = scimOverHttp(host.scimBaseUrl, TOKEN);
    permission = { status: 200, permission: 'owner' };
    asked = [];
  });

  afterEach(async () => {
    await started.stop();
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
    ['someone Bitbucket does not know in the workspace', { status: 404 }, 'not-admin'],
    ['someone who has not granted access', { status: 401 }, 'grant-required'],
    ['anyone while Bitbucket is rate limiting', { status: 429 }, 'check-failed'],
    ['anyone while Bitbucket fails', { status: 503 }, 'check-failed'],
  ])('refuses %s', async (_who, answer, reason) => {
    permission = answer;
    await expect(handlers()['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT })).rejects.toMatchObject({
      reason,
    });
    expect(asked).toEqual([WORKSPACE]);
  });

  it('refuses calls without a user or without a Bitbucket workspace, without asking Bitbucket', async () => {
    await expect(
      handlers()['tokens/list']({ payload: undefined, context: { installContext: ADMIN_CONTEXT.installContext } }),
    ).rejects.toMatchObject({ reason: 'not-signed-in' });
    await expect(
      handlers()['tokens/issue']({
        payload: {},
        context: { accountId: 'x', installContext: 'ari:cloud:jira::site/1', workspaceId: WORKSPACE },
      }),
    ).rejects.toMatchObject({ reason: 'no-workspace' });
    expect(asked).toEqual([]);
  });

  it('turns a lookup that throws into a check-failed refusal that keeps the error as its cause, not into grant-required', async () => {
    permission = new TypeError('fetch failed');
    const refusal = handlers()['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT });
    await expect(refusal).rejects.toMatchObject({ reason: 'check-failed', cause: permission });
    const answer = await invokeAdmin(
      handlers(),
      'tokens/list',
      { payload: undefined, context: ADMIN_CONTEXT },
      { error: (code) => void logged.push(code) },
    );
    expect(answer).toEqual({ error: { reason: 'check-failed', message: expect.stringContaining('try again') } });
    expect(logged).toEqual(['ADMIN-E502']);
  });

  it('throws unchanged the error that options.propagate picks out of a failure, and answers every other failure', async () => {
    const signal = new Error('the runtime must see this');
    permission = signal;
    const propagate = (error: unknown): Error | undefined =>
      error instanceof Error && error.cause === signal ? signal : undefined;
    await expect(
      invokeAdmin(
        handlers(),
        'tokens/list',
        { payload: undefined, context: ADMIN_CONTEXT },
        { error: () => undefined },
        { propagate },
      ),
    ).rejects.toBe(signal);
    permission = { status: 403 };
    expect(
      await invokeAdmin(
        handlers(),
        'tokens/list',
        { payload: undefined, context: ADMIN_CONTEXT },
        { error: () => undefined },
        { propagate },
      ),
    ).toMatchObject({ error: { reason: 'not-admin' } });
  });

  it('lets an admin issue a token that the SCIM endpoint accepts, list it without its value, and revoke it', async () => {
    const h = handlers();
    const issued = await h['tokens/issue']({ payload: { label: 'Entra', expiresInDays: 365 }, context: ADMIN_CONTEXT });
    expect(issued.view).toMatchObject({ label: 'Entra', suffix: issued.token.slice(-4) });
    const withToken = await host.app.handleScim({
      method: 'GET',
      path: '/Users',
      query: {},
      headers: { authorization: [`Bearer ${issued.token}`] },
      body: undefined,
      baseUrl: 'https://scim.test',
    });
    expect(withToken.status).toBe(200);
    const listed = await h['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT });
    expect(listed.map((t: { id: string }) => t.id)).toContain(issued.view.id);
    expect(JSON.stringify(listed)).not.toContain(issued.token);
    expect(await h['tokens/revoke']({ payload: { id: issued.view.id }, context: ADMIN_CONTEXT })).toMatchObject({
      revoked: true,
      token: { id: issued.view.id },
    });
    expect(
      (await h['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT })).map((t: { id: string }) => t.id),
    ).not.toContain(issued.view.id);
  });

  it('rotates with an overlap during which both tokens are accepted', async () => {
    const h = handlers();
    const rotated = await h['tokens/rotate']({ payload: { overlapHours: 2 }, context: ADMIN_CONTEXT });
    const views = await h['tokens/list']({ payload: undefined, context: ADMIN_CONTEXT });
    expect(views).toHaveLength(2);
    const old = views.find((v: { id: string }) => v.id !== rotated.view.id);
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
    const h = handlers() as unknown as Record<
      string,
      (request: { payload: unknown; context: unknown }) => Promise<unknown>
    >;
    await expect(h[key]?.({ payload, context: ADMIN_CONTEXT })).rejects.toMatchObject({ reason: 'invalid-input' });
  });

  it('guards status too, and gives admins the SCIM base URL', async () => {
    await expect(handlers()['status/get']({ payload: undefined, context: {} })).rejects.toMatchObject({
      reason: 'not-signed-in',
    });
    expect(await call('scim/get-base-url')).toEqual({ url: 'https://example.invalid/x1/abc' });
  });

  it('turns errors into failures in one place: admin refusals keep their message, anything else is generic and logged', async () => {
    const h = handlers();
    expect(
      await invokeAdmin(
        h,
        'tokens/list',
        { payload: undefined, context: {} },
        { error: (code) => void logged.push(code) },
      ),
    ).toEqual({
      error: { reason: 'not-signed-in', message: expect.any(String) },
    });
    expect(
      await invokeAdmin(h, 'toString', { payload: undefined, context: ADMIN_CONTEXT }, { error: () => undefined }),
    ).toMatchObject({ error: { reason: 'invalid-input' } });
    const broken = {
      ...h,
      'settings/get': async () => Promise.reject(new Error('disk on fire: /secret/path')),
    } as Handlers<AdminApi>;
    const failure = await invokeAdmin(
      broken,
      'settings/get',
      { payload: undefined, context: ADMIN_CONTEXT },
      { error: (code) => void logged.push(code) },
    );
    expect(failure).toEqual({ error: { reason: 'internal', message: expect.not.stringContaining('disk on fire') } });
    expect(logged).toContain('ADMIN-E500');
  });

  it('reports set-up steps until the IdP is picked and the target is set', async () => {
    const before = await call('status/get');
    expect(before).toMatchObject({
      ready: false,
      emulated: true,
      steps: { idp: false, token: true, credentials: true, target: true },
    });
    expect(before.detail).toContain('identity provider');
    await expect(call('setup/save', { idp: 'myspace' as never })).rejects.toMatchObject({ reason: 'invalid-input' });
    expect(await call('setup/save', { idp: 'okta' })).toEqual({ idp: 'okta' });
    expect(await call('setup/get')).toEqual({ idp: 'okta' });
    expect(await call('status/get')).toMatchObject({ ready: true, steps: { idp: true } });
  });

  it('stores credentials masked: validation errors per field, suffixes only, expiry warnings', async () => {
    const bad = await call('credentials/save', { bitbucketEmail: 'not an email', orgApiKey: 'has spaces in it' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path).sort()).toEqual(['bitbucketEmail', 'orgApiKey']);
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const saved = await call('credentials/save', {
      orgId: 'emulated-org',
      orgApiKey: 'ATCTT3xFfGN0-org-key-9f3k',
      orgApiKeyExpiresAt: soon,
      bitbucketEmail: 'admin@emulated.example',
      bitbucketApiToken: 'ATATT3x-bitbucket-token-7Qw2',
    });
    expect(saved.ok).toBe(true);
    const text = JSON.stringify(await call('credentials/get'));
    expect(text).not.toContain('org-key');
    expect(text).not.toContain('bitbucket-token');
    const view = await call('credentials/get');
    expect(view.credentials.orgApiKey).toMatchObject({ configured: true, suffix: '9f3k' });
    expect(view.warnings).toEqual([expect.objectContaining({ credential: 'orgApiKey', severity: 'expiring' })]);
    expect(JSON.stringify(await host.sync.auditLog.query({ limit: 100 }))).not.toContain('org-key-9f3k');
  });

  it('tests the connection check by check and lists the directories', async () => {
    const reports = await call('credentials/test');
    expect(reports.map((r) => [r.api, r.ok])).toEqual([
      ['admin', true],
      ['bitbucket', true],
    ]);
    expect(reports[0]?.checks.map((c) => c.name)).toEqual([
      'Credentials in use',
      'Organization API key',
      'Target directory',
      'Read users and groups',
      'Bitbucket product',
    ]);
    expect(await call('directories/list')).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'emulated-directory' })]),
    );
    const settings = await call('settings/get');
    await call('settings/save', {
      settings: { ...settings, target: { ...settings.target, directoryId: 'no-such-directory' } },
    });
    const again = await call('credentials/test');
    expect(again[0]?.ok).toBe(false);
    expect(again[0]?.checks.find((c) => c.name === 'Target directory')).toMatchObject({
      ok: false,
      detail: expect.stringContaining('no-such-directory'),
    });
  });

  it('saves, exports and imports settings with errors per path, and audits each change', async () => {
    const settings = await call('settings/get');
    const invalid = await call('settings/save', {
      settings: { ...settings, usernameTransform: { pattern: '(a', replacement: '$1' } },
    });
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) expect(invalid.errors[0]?.path).toMatch(/^usernameTransform/);
    const saved = await call('settings/save', { settings: { ...settings, dryRun: true } });
    expect(saved).toMatchObject({ ok: true, value: { dryRun: true } });
    const exported = await call('settings/export');
    expect(JSON.parse(exported.document)).toMatchObject({ dryRun: true });
    expect(await call('settings/import', { document: '{ nope' })).toMatchObject({ ok: false, errors: [{ path: '' }] });
    const imported = await call('settings/import', {
      document: exported.document.replace('"dryRun": true', '"dryRun": false'),
    });
    expect(imported).toMatchObject({ ok: true, value: { dryRun: false } });
    const actions = (await host.sync.auditLog.query({ limit: 100 })).entries
      .filter((e) => e.source === 'admin')
      .map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['settings-saved', 'settings-imported']));
  });

  it('[security] refuses a bitbucketRoleId that is too long or malformed, with the error on its path, and stores nothing', async () => {
    const settings = await call('settings/get');
    for (const bitbucketRoleId of [
      'r'.repeat(150_000),
      'r'.repeat(MAX_ROLE_ID_LENGTH + 1),
      'atlassian/user\n',
      'atlassian//user',
      '<script>',
      '',
    ]) {
      const result = await call('settings/save', { settings: { ...settings, bitbucketRoleId } });
      expect(result).toMatchObject({
        ok: false,
        errors: [{ path: 'bitbucketRoleId', message: expect.stringContaining(String(MAX_ROLE_ID_LENGTH)) }],
      });
    }
    expect((await call('settings/get')).bitbucketRoleId).toBe(settings.bitbucketRoleId);
    const longest = `atlassian/${'r'.repeat(MAX_ROLE_ID_LENGTH - 10)}`;
    expect(await call('settings/save', { settings: { ...settings, bitbucketRoleId: longest } })).toMatchObject({
      ok: true,
      value: { bitbucketRoleId: longest },
    });
  });

  it('[security] pages sync items and the audit log with signed cursors, and answers a malformed cursor with invalid-input, not internal', async () => {
    for (const name of ['p1@emulated.example', 'p2@emulated.example', 'p3@emulated.example']) {
      expect((await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: name })).status).toBe(201);
    }
    await converge();
    const keys: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard += 1) {
      const page = await call('sync/items', { state: 'synced', limit: 1, ...(cursor ? { cursor } : {}) });
      keys.push(...page.items.map((i) => i.key));
      cursor = page.cursor;
      if (!cursor) break;
    }
    expect(keys.filter((key) => key.startsWith('User.'))).toHaveLength(3);
    const itemsCursor = (await call('sync/items', { state: 'synced', limit: 1 })).cursor ?? '';
    const auditCursor = (await call('audit/query', { limit: 1 })).cursor ?? '';
    expect((await call('audit/query', { limit: 1, cursor: auditCursor })).entries).toHaveLength(1);
    const [payload, mac] = itemsCursor.split('.');
    const storeCursor = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')).cursor as string;
    const h = handlers();
    const attempts: [keyof AdminApi, Record<string, unknown>][] = [
      ['sync/items', { state: 'synced', cursor: 'not-a-cursor' }],
      ['sync/items', { state: 'synced', cursor: storeCursor }],
      [
        'sync/items',
        {
          state: 'synced',
          cursor: `${Buffer.from('{"t":"index","i":"state","p":"","r":"synced","k":"x"}').toString('base64url')}.${mac}`,
        },
      ],
      ['sync/items', { state: 'failed', cursor: itemsCursor }],
      ['sync/items', { state: 'synced', cursor: auditCursor }],
      ['audit/query', { cursor: 'eyJpIjoiYnktYXQiLCJwIjoiIiwiYyI6IiEhISJ9' }],
      ['audit/query', { cursor: itemsCursor }],
      ['audit/query', { outcome: 'failed', cursor: auditCursor }],
    ];
    for (const [key, payloadOf] of attempts) {
      expect(
        await invokeAdmin(
          h,
          key,
          { payload: payloadOf, context: ADMIN_CONTEXT },
          { error: (code) => void logged.push(code) },
        ),
      ).toEqual({
        error: { reason: 'invalid-input', message: expect.stringContaining('cursor') },
      });
    }
    expect(logged).not.toContain('ADMIN-E500');
  });

  it('previews a username transform over samples and the most recent userNames', async () => {
    for (const name of ['ann@corp.example', 'bob@corp.example']) {
      expect((await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: name })).status).toBe(201);
    }
    const view = await call('transform/preview', {
      transform: { pattern: '(.*)@corp\\.example', replacement: '$1@emulated.example' },
      samples: ['zed@corp.example'],
    });
    expect(view.recentUserNames).toEqual(['bob@corp.example', 'ann@corp.example']);
    expect(view.preview.ok).toBe(true);
    if (view.preview.ok)
      expect(view.preview.samples.map((x) => x.output)).toEqual([
        'zed@emulated.example',
        'bob@emulated.example',
        'ann@emulated.example',
      ]);
    const broken = await call('transform/preview', { transform: { pattern: '(', replacement: '' } });
    expect(broken.preview.ok).toBe(false);
    await expect(call('transform/preview', { transform: { pattern: 1 } as never })).rejects.toMatchObject({
      reason: 'invalid-input',
    });
  });

  it('shows failed SCIM authentications of the last day with the calling address in the status', async () => {
    expect((await call('sync/status')).authFailures).toEqual({
      thisHour: 0,
      last24Hours: 0,
      byHour: [],
      sourceKnown: true,
    });
    for (const token of ['stale-token', 'guess-1', 'guess-2']) {
      const refused = await fetch(`${host.scimBaseUrl}/Users`, {
        headers: { authorization: `Bearer ${token}`, 'x-local-peer-address': '10.9.8.7' },
      });
      expect(refused.status).toBe(401);
    }
    const failures = (await call('sync/status')).authFailures;
    // The address is the socket's: a header the caller wrote is not taken for it.
    expect(failures).toMatchObject({ thisHour: 3, last24Hours: 3, lastSource: '127.0.0.1', sourceKnown: true });
    expect(JSON.stringify(failures)).not.toMatch(/stale-token|guess-/);
  });

  it('syncs users and groups, shows their status and audit trail, previews rules and applies them', async () => {
    const user = await scim('POST', '/Users', scimUser('dev1@emulated.example'));
    const group = await scim('POST', '/Groups', scimGroup('Developers', { members: [{ value: user.body.id }] }));
    expect(group.status).toBe(201);
    await converge();
    const status = await call('sync/status');
    // One user and one group synced; the Permissions resource is reported beside them, not counted among them.
    expect(status).toMatchObject({
      queueDepth: 0,
      running: false,
      totals: { users: 1, groups: 1 },
      counts: { synced: 2, failed: 0 },
      permissions: { state: 'synced' },
      dryRun: false,
    });
    expect(status.lastSyncAt).toBeDefined();
    expect(status.countsAtLeast).toEqual([]);
    expect(await host.sync.links.countByState(1)).toEqual({
      counts: { pending: 0, synced: 3, failed: 0, skipped: 0 },
      capped: [],
    });
    const synced = await call('sync/items', { state: 'synced' });
    expect(synced.items.map((i) => i.display).sort()).toEqual([
      'Bitbucket permissions',
      'Developers',
      'dev1@emulated.example',
    ]);
    expect(synced.items.find((i) => i.kind === 'User')?.accountId).toBeDefined();

    const audit = await call('audit/query', { user: user.body.id });
    expect(audit.entries.map((e) => `${e.source}:${e.action}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['scim:create-user:applied', 'sync:invite-user:applied', 'sync:add-member:applied']),
    );
    const searched = await call('audit/query', { text: 'DEVELOPERS' });
    expect(searched.entries.length).toBeGreaterThan(0);
    expect(searched.entries.every((e) => JSON.stringify(e).toLowerCase().includes('developers'))).toBe(true);
    const csv = await call('audit/export', { format: 'csv', group: group.body.id });
    expect(csv.contentType).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toContain('outcome');
    expect(csv.rows).toBeGreaterThan(0);
    const json = await call('audit/export', { format: 'json' });
    expect(JSON.parse(json.body).entries).toHaveLength(json.rows);
    expect(json.cursor).toBeUndefined();
    // A cursor is the app's own, for this call and these filters: a forged one, or one of the query view, is refused.
    await expect(call('audit/export', { format: 'json', cursor: 'forged' })).rejects.toMatchObject({
      reason: 'invalid-input',
    });
    const viewCursor = (await call('audit/query', { limit: 1 })).cursor;
    await expect(call('audit/export', { format: 'json', cursor: viewCursor ?? 'none' })).rejects.toMatchObject({
      reason: 'invalid-input',
    });
    await expect(call('audit/query', { outcome: 'exploded' as never })).rejects.toMatchObject({
      reason: 'invalid-input',
    });

    const settings = await call('settings/get');
    const rule = { id: 'dev-read', group: 'developers', projects: [], repositories: ['*'], level: 'read' as const };
    const rules = [rule];
    const preview = await call('rules/preview', { rules });
    expect(preview.comparedWithBitbucket).toBe(true);
    expect(preview.grants.length).toBeGreaterThan(0);
    expect(
      preview.grants.every(
        (g) => g.change === 'add' && g.desired === 'read' && g.group === 'Developers' && g.ruleIds[0] === 'dev-read',
      ),
    ).toBe(true);
    await call('settings/save', { settings: { ...settings, rules } });
    await converge();
    const after = await call('rules/preview', {});
    expect(after.grants.map((g) => g.change)).toEqual(after.grants.map(() => 'same'));
    expect(after.grants).toHaveLength(preview.grants.length);
    const permissionAudit = await call('audit/query', { text: 'put-grant' });
    expect(permissionAudit.entries.filter((e) => e.action === 'put-grant' && e.outcome === 'applied')).toHaveLength(
      preview.grants.length,
    );
    const widened = await call('rules/preview', { rules: [{ ...rule, level: 'write' as const }] });
    expect(widened.grants.every((g) => g.change === 'change' && g.current === 'read' && g.desired === 'write')).toBe(
      true,
    );
    expect((await call('rules/preview', { rules: [{ ...rule, group: 'Nobody' }] })).unknownGroups).toEqual(['Nobody']);
    const activity = await call('sync/activity', { hours: 3 });
    expect(activity).toHaveLength(3);
    expect(activity.reduce((sum, b) => sum + b.applied, 0)).toBeGreaterThan(0);
  });

  it('shows failed items with their error and retries them', async () => {
    const user = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'not-an-email' });
    expect(user.status).toBe(201);
    await converge();
    const skipped = await call('sync/items', { state: 'skipped' });
    expect(skipped.items).toEqual([
      expect.objectContaining({ key: `User.${user.body.id}`, display: 'not-an-email', detail: expect.any(String) }),
    ]);
    expect(await call('sync/retry', { keys: [`User.${user.body.id}`] })).toEqual({ retried: 1 });
    expect((await host.app.store.pendingChanges(5)).entries.map((e) => e.resourceKey)).toContain(
      `User.${user.body.id}`,
    );
    await expect(call('sync/retry', { keys: ['../../etc'] })).rejects.toMatchObject({ reason: 'invalid-input' });
    expect(await call('sync/run')).toEqual({ queued: 1 });
    await converge();
    expect((await call('sync/status')).lastReconcileAt).toBeDefined();
  });

  it('on Forge, fills an empty target workspace from the installation, and leaves a chosen one alone', async () => {
    const settings = await call('settings/get');
    await host.sync.settings.save({
      ...settings,
      target: { ...settings.target, workspace: '', workspaceResourceId: '' },
    });
    const forge = makeAdminHandlers({
      getApp: async () => host.app,
      getSync: async () => host.sync,
      getBaseUrl: async () => 'https://example.invalid/x1/abc',
      lookupPermission: lookup,
      kvs: createLocalKvs(host.kvs),
      targetFromInstallation: true,
    });
    await forge['setup/get']({ payload: undefined, context: ADMIN_CONTEXT });
    expect((await host.sync.settings.get()).target).toMatchObject({
      workspace: `{${WORKSPACE}}`,
      workspaceResourceId: `ari:cloud:bitbucket::workspace/${WORKSPACE}`,
    });
    await host.sync.settings.save({ ...(await host.sync.settings.get()), target: { ...settings.target } });
    await forge['setup/get']({ payload: undefined, context: ADMIN_CONTEXT });
    expect((await host.sync.settings.get()).target).toEqual(settings.target);
  });

  it('confirms a tripped circuit breaker', async () => {
    const state = await call('breaker/confirm');
    expect(state).toMatchObject({ tripped: false });
    expect((await host.sync.auditLog.query({ limit: 10 })).entries[0]).toMatchObject({
      source: 'admin',
      action: 'breaker-confirmed',
    });
  });
});
