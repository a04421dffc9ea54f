/**
 * The audit log answers "who did what" (first hour, item 3): the text search runs on the server across pages with
 * a bounded read per call, the User and Group filters take an email or a name, membership rows name the member, a
 * deactivation says `active: true -> false`, token entries name the token as the page does, every entry has an
 * actor, and token changes made with the CLI are audited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SEARCH_PAGES } from '../../src/admin/audit-handlers';
import type { LocalHost } from '../../src/local/local-host';
import { runTokenCommand } from '../../src/local/token-command';
import type { AuditPageView } from '../../src/shared/admin-api';
import { inProcessHostPerTest, scimCallTo, startLocalHostOn } from '../support/in-process-host';
import { adminCaller, adminContext, convergeHost } from '../support/admin-harness';
import { patchOp } from '../support/scim-bodies';

const CONTEXT = adminContext('557058:first-hour-admin');
const TOKEN = 'audit-who-did-what-token-Zq9x';

describe('the audit log answers who did what', () => {
  const started = inProcessHostPerTest({ bearerToken: TOKEN });
  const scim = scimCallTo(() => started.host, TOKEN);

  const call = adminCaller(() => started.host, CONTEXT);

  const converge = (): Promise<void> => convergeHost(started.host);

  it('searches the text on the server across pages, reading a bounded number of entries per call and answering a cursor to go on', async () => {
    const log = started.host.sync.auditLog;
    await log.append({
      source: 'admin',
      action: 'token-issued',
      target: { kind: 'Settings', id: 'token:x', display: 'token …Ab12' },
      outcome: 'applied',
    });
    const filler = Array.from({ length: SEARCH_PAGES * 20 + 30 }, (_, i) => ({
      source: 'sync' as const,
      action: 'noop',
      target: { kind: 'User' as const, id: `u${i}` },
      outcome: 'applied' as const,
    }));
    await log.appendMany(filler);
    // The newest 25 entries hold no match; the old page-only filter answered an empty page here.
    const first = await call('audit/query', { text: 'TOKEN', limit: 25 });
    expect(first.entries).toEqual([]);
    expect(first.scanned).toBe(SEARCH_PAGES * 20);
    expect(first.cursor).toBeDefined();
    const second = (await call('audit/query', { text: 'token', limit: 25, cursor: first.cursor })) as AuditPageView;
    expect(second.entries.map((e) => e.action)).toEqual(['token-issued']);
    expect(second.cursor).toBeUndefined();
    // A cursor belongs to its search.
    await expect(call('audit/query', { text: 'other', limit: 25, cursor: first.cursor })).rejects.toMatchObject({
      reason: 'invalid-input',
    });
  });

  it("filters by a user's email or userName and a group's name, not only SCIM ids", async () => {
    const user = await scim('POST', '/Users', {
      userName: 'ada@example.com',
      active: true,
      emails: [{ type: 'work', value: 'ada.work@example.com' }],
    });
    const group = await scim('POST', '/Groups', { displayName: 'Platform Team' });
    await scim('POST', '/Users', { userName: 'bob@example.com', active: true });
    const byName = await call('audit/query', { user: 'ADA@example.com' });
    expect(byName.entries.length).toBeGreaterThan(0);
    expect(byName.entries.every((e) => e.userKey === user.body.id)).toBe(true);
    expect(byName.resolved?.user).toMatchObject({ id: user.body.id, display: 'ada@example.com', matched: true });
    expect((await call('audit/query', { user: 'ada.work@example.com' })).entries.length).toBe(byName.entries.length);
    const byGroup = await call('audit/query', { group: 'platform team' });
    expect(byGroup.entries.map((e) => e.action)).toEqual(['create-group']);
    expect(byGroup.entries[0]?.groupKey).toBe(group.body.id);
    expect((await call('audit/query', { user: 'nobody@example.com' })).resolved?.user).toMatchObject({
      matched: false,
    });
  });

  it('names the member in add-member rows, not only the group', async () => {
    const user = await scim('POST', '/Users', { userName: 'ada@example.com', active: true });
    const group = await scim('POST', '/Groups', { displayName: 'Platform Team' });
    await scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: user.body.id }] }),
    );
    await converge();
    const adds = (await call('audit/query', { text: 'add-member' })).entries.filter((e) => e.action === 'add-member');
    expect(adds).toHaveLength(1);
    expect(adds[0]).toMatchObject({
      target: { kind: 'Group', display: 'Platform Team' },
      detail: 'member ada@example.com',
    });
    expect((await call('audit/query', { text: 'patch-group' })).entries[0]?.detail).toBe('members: +1');
  });

  it('says active: true -> false for a deactivation PATCH answered 204, naming the user', async () => {
    const user = await scim('POST', '/Users', { userName: 'ada@example.com', active: true });
    // Entra deactivates with a PATCH that answers 204.
    const deactivated = await scim(
      'PATCH',
      `/Users/${user.body.id}`,
      patchOp({ op: 'Replace', path: 'active', value: 'False' }),
    );
    expect(deactivated.status).toBe(204);
    const entry = (await call('audit/query', { text: 'patch-user' })).entries[0];
    expect(entry).toMatchObject({
      action: 'patch-user',
      target: { kind: 'User', id: user.body.id, display: 'ada@example.com' },
      detail: 'active: true -> false',
    });
  });

  it('names tokens by the 4-character suffix the page shows, never by the UUID alone', async () => {
    const issued = await call('tokens/issue', { label: 'Entra' });
    const revoked = await call('tokens/revoke', { id: `…${issued.view.suffix}` });
    expect(revoked).toMatchObject({ revoked: true, token: { suffix: issued.view.suffix } });
    // With one token valid again, a rotation is allowed (two valid tokens refuse it: src/auth/bearer-tokens.ts).
    const rotated = await call('tokens/rotate', { overlapHours: 2 });
    const tokens = (await call('audit/query', { text: 'token-' })).entries;
    expect(tokens.map((e) => [e.action, e.target.display])).toEqual([
      ['token-rotated', `token …${rotated.view.suffix}`],
      ['token-revoked', `token …${issued.view.suffix} (Entra)`],
      ['token-issued', `token …${issued.view.suffix} (Entra)`],
    ]);
    expect(
      tokens.every((e) => !JSON.stringify(e).includes(issued.token) && !JSON.stringify(e).includes(rotated.token)),
    ).toBe(true);
  });

  it('names the actor of every entry: the admin, the IdP by its token, the sync engine', async () => {
    const user = await scim('POST', '/Users', { userName: 'ada@example.com', active: true });
    await call('tokens/issue', { label: 'Entra' });
    await converge();
    const entries = (await call('audit/query', {})).entries;
    expect(entries.find((e) => e.action === 'create-user')?.actor).toBe(`IdP (token …${TOKEN.slice(-4)})`);
    expect(entries.find((e) => e.action === 'token-issued')?.actor).toBe('admin 557058:first-hour-admin');
    expect(entries.find((e) => e.action === 'invite-user' && e.userKey === user.body.id)?.actor).toBe('sync engine');
  });
});

describe('the token CLI', () => {
  let dataDir: string;
  let host: LocalHost | undefined;
  const start = (): Promise<LocalHost> => startLocalHostOn(dataDir, 'cli-audit-token-abcd');
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'token-cli-'));
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records its token changes in the audit log, with the CLI as actor', async () => {
    await (await start()).close();
    const out: string[] = [];
    const io = { dataDir, out: (l: string) => void out.push(l), err: (l: string) => void out.push(l) };
    expect(await runTokenCommand(['issue', '--label', 'from the CLI'], io)).toBe(0);
    const suffix = /…(\S{4}) \(shown once\)/.exec(out.join('\n'))?.[1];
    expect(await runTokenCommand(['revoke', `…${suffix}`], io)).toBe(0);
    host = await start();
    const entries = (await host.sync.auditLog.query({})).entries.filter((e) => e.action.startsWith('token-'));
    expect(entries.map((e) => [e.action, e.target.display, e.actor])).toEqual([
      ['token-revoked', `token …${suffix} (from the CLI)`, 'token CLI (npm run token)'],
      ['token-issued', `token …${suffix} (from the CLI)`, 'token CLI (npm run token)'],
    ]);
  });
});
