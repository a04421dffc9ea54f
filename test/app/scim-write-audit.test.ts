/**
 * The audit step of the SCIM endpoint (src/app/create-app.ts): every write the SCIM router routes is recorded once,
 * with its operation, resource type and id, accepted or refused; reads, unauthenticated and unroutable requests are not.
 */
import path from 'node:path';
import { createApp, type AppParts } from '../../src/app/create-app';
import type { ScimResponse } from '../../src/scim/protocol';
import { SourceSettingsStore } from '../../src/sources/source-settings';
import {
  createLocalKvs,
  createLocalKvsService,
  loadEntityDefinitions,
  type LocalKvsService,
} from '../../src/storage/local-kvs';
import type { AuditEntry } from '../../src/sync/audit-log';
import { deactivation, patchOp } from '../support/scim-bodies';

describe('SCIM write audit', () => {
  let service: LocalKvsService;
  let app: AppParts;
  let token: string;
  let kicks: number;

  beforeEach(async () => {
    service = createLocalKvsService({ entities: loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml')) });
    const kvs = createLocalKvs(service);
    kicks = 0;
    app = createApp({ kvs, logger: { error: () => undefined }, onWrite: async () => void (kicks += 1) });
    token = (await app.tokens.issue({ label: 'test' })).token;
  });

  afterEach(async () => {
    await service.close();
  });

  async function call(
    method: string,
    requestPath: string,
    body?: unknown,
    anonymous = false,
  ): Promise<ScimResponse & { json: Record<string, unknown> }> {
    const headers: Record<string, string[]> = { 'content-type': ['application/scim+json'] };
    if (!anonymous) headers.authorization = [`Bearer ${token}`];
    const response = await app.handleScim({
      method,
      path: requestPath,
      query: {},
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      baseUrl: 'https://scim.test/scim/v2',
    });
    return { ...response, json: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {} };
  }

  async function entries(): Promise<AuditEntry[]> {
    return [...(await app.auditLog.query({ limit: 100 })).entries].reverse();
  }

  const summary = (entry: AuditEntry): unknown[] => [
    entry.action,
    entry.target.kind,
    entry.target.id,
    entry.target.display,
    entry.outcome,
    entry.detail,
  ];

  it('records each write with its operation, resource type, id and outcome', async () => {
    const user = await call('POST', '/Users', { userName: 'ada@example.com', active: true });
    const userId = user.json.id as string;
    const group = await call('POST', '/Groups', { displayName: 'Readers', members: [{ value: userId }] });
    const groupId = group.json.id as string;
    expect((await call('PATCH', `/Users/${userId}`, deactivation())).status).toBe(204);
    expect((await call('PUT', `/Groups/${groupId}`, { displayName: 'Writers' })).status).toBe(200);
    expect(
      (await call('PATCH', `/Groups/${groupId}`, patchOp({ op: 'add', path: 'members', value: [{ value: userId }] })))
        .status,
    ).toBe(204);
    expect((await call('PUT', '/Users/missing', { userName: 'x@example.com' })).status).toBe(404);
    expect((await call('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    expect((await call('DELETE', `/Users/${userId}`)).status).toBe(204);
    const recorded = await entries();
    expect(recorded.map(summary)).toEqual([
      ['create-user', 'User', userId, 'ada@example.com', 'applied', undefined],
      ['create-group', 'Group', groupId, 'Readers', 'applied', undefined],
      ['patch-user', 'User', userId, 'ada@example.com', 'applied', 'active: true -> false'],
      ['replace-group', 'Group', groupId, 'Writers', 'applied', 'displayName: "Readers" -> "Writers"'],
      ['patch-group', 'Group', groupId, 'Writers', 'applied', 'members: +1'],
      ['replace-user', 'User', 'missing', 'x@example.com', 'failed', 'HTTP 404: User missing not found'],
      ['delete-group', 'Group', groupId, 'Writers', 'applied', undefined],
      ['delete-user', 'User', userId, 'ada@example.com', 'applied', undefined],
    ]);
    expect(recorded.map((entry) => [entry.userKey, entry.groupKey])).toEqual([
      [userId, undefined],
      [undefined, groupId],
      [userId, undefined],
      [undefined, groupId],
      [undefined, groupId],
      ['missing', undefined],
      [undefined, groupId],
      [userId, undefined],
    ]);
    expect(recorded.every((entry) => entry.source === 'scim')).toBe(true);
    expect(kicks).toBe(7);
  });

  it('records a failed create as (new) and leaves reads, 401s and 405s out', async () => {
    expect((await call('POST', '/Users', { userName: '' })).status).toBe(400);
    expect((await call('GET', '/Users')).status).toBe(200);
    expect((await call('POST', '/Users', { userName: 'anon@example.com' }, true)).status).toBe(401);
    expect((await call('PUT', '/Users', { userName: 'x@example.com' })).status).toBe(405);
    expect((await call('POST', '/Users/some-id', { userName: 'x@example.com' })).status).toBe(405);
    expect((await call('PATCH', '/Users/a/b', {})).status).toBe(404);
    const recorded = await entries();
    expect(recorded.map(summary)).toEqual([
      ['create-user', 'User', '(new)', '', 'failed', expect.stringMatching(/^HTTP 400: /)],
    ]);
    expect(kicks).toBe(0);
  });

  it('knows a write by its route, not by its method: a search is no write, a path with empty segments is one', async () => {
    const search = { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] };
    expect((await call('POST', '/Users/.search', search)).status).toBe(200);
    expect((await call('POST', '/.search', search)).status).toBe(200);
    const created = await call('POST', '//Users/', { userName: 'ada@example.com' });
    expect(created.status).toBe(201);
    expect((await call('DELETE', `/Users//${encodeURIComponent(created.json.id as string)}`)).status).toBe(204);
    expect((await entries()).map(summary)).toEqual([
      ['create-user', 'User', created.json.id, 'ada@example.com', 'applied', undefined],
      ['delete-user', 'User', created.json.id, 'ada@example.com', 'applied', undefined],
    ]);
    expect(kicks).toBe(2);
  });

  it('refuses an authenticated write with 403 while a pull source owns the directory, and records the refusal', async () => {
    await new SourceSettingsStore(createLocalKvs(service)).save({ kind: 'google-workspace' });
    const refused = await call('POST', '/Users', { userName: 'pushed@example.com' });
    expect(refused.status).toBe(403);
    expect((await call('POST', '/Users', { userName: 'pushed@example.com' }, true)).status).toBe(401);
    expect((await call('GET', '/Users')).status).toBe(200);
    // A search reads, so it answers; a path with an empty segment names the same collection, so it is refused too.
    expect(
      (await call('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] }))
        .status,
    ).toBe(200);
    expect((await call('POST', '//Users', { userName: 'pushed@example.com' })).status).toBe(403);
    expect((await entries()).map(summary)).toEqual([
      ['create-user', 'User', '(new)', 'pushed@example.com', 'failed', expect.stringMatching(/^HTTP 403: /)],
      ['create-user', 'User', '(new)', 'pushed@example.com', 'failed', expect.stringMatching(/^HTTP 403: /)],
    ]);
    expect(kicks).toBe(0);
  });
});
