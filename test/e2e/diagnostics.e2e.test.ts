/**
 * The Diagnostics end to end on the local host, over its admin bridge as the page calls them (each check one
 * resolver invocation of the local Forge runtime, run enforced): every check answers as assumed against the
 * emulators; each one, with the stand-ins told to answer otherwise, finds the difference; and the app reacts as
 * the page says it does (SCIM writes refused, the sync's connection or permission sync refused with the reason,
 * the runtime's storage counting switched), until the check passes again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sealObservation } from '../../src/diagnostics/checks/outbound-check';
import { startLocalHost, type LocalHost } from '../../src/local/local-host';
import type { AuditPageView, ConnectionReport, SyncItemsPage } from '../../src/shared/admin-api';
import { createLocalKvs } from '../../src/storage/local-kvs';
import { PERMISSIONS_KEY } from '../../src/sync/jobs';
import { slugifyGroupName } from '../../emulators';
import { BridgeCallError, RIG_TOKEN, startDiagnosticsRig, type DiagnosticsRig } from '../support/diagnostics-rig';
import { scimOverHttp } from '../support/sync-state';

jest.setTimeout(60_000);

const USER = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@example.com', emails: [{ value: 'ada@example.com', type: 'work', primary: true }], active: true };

let rig: DiagnosticsRig | undefined;

afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

async function start(options: Parameters<typeof startDiagnosticsRig>[0] = {}): Promise<DiagnosticsRig> {
  rig = await startDiagnosticsRig(options);
  return rig;
}

/** Lets the sync run until the outbox is empty. */
async function converge(host: LocalHost): Promise<void> {
  for (let round = 0; round < 40; round += 1) {
    await host.runtime.idle();
    if ((await host.app.store.pendingChanges(1)).entries.length === 0) return;
    await host.sync.dispatcher.drain();
  }
  throw new Error('no convergence');
}

/** Makes 101 storage requests in one enforced resolver invocation; answers whether all were answered. */
async function storageBudget(host: LocalHost): Promise<'all-answered' | 'refused'> {
  const metered = createLocalKvs({ fetch: host.runtime.storage(host.kvs.fetch) });
  return host.runtime.resolver(
    'budget',
    async () => {
      for (let i = 0; i < 101; i += 1) {
        try {
          await metered.get('budget-probe');
        } catch {
          return 'refused' as const;
        }
      }
      return 'all-answered' as const;
    },
    { mode: 'enforce' },
  );
}

describe('Diagnostics against the emulators', () => {
  it('answer every check as assumed, store each result with its time, list it, and audit it', async () => {
    const { run, view, invoke } = await start();
    expect((await view()).results).toEqual([]);
    for (const check of ['kvs-conditions', 'storage-outbound', 'egress', 'install-context'] as const) {
      expect(await run(check)).toMatchObject({ check, verdict: 'as-assumed', impact: 'none', emulated: true });
    }
    expect(await invoke('diagnostics/repositories')).toEqual(expect.arrayContaining([{ slug: 'web-app', projectKey: 'WEB' }]));
    expect(await run('group-slug', { repository: 'web-app', confirmed: true })).toMatchObject({ verdict: 'as-assumed', finding: 'resolved' });
    const shown = await view();
    expect(shown.emulated).toBe(true);
    expect(shown.checks.map((check) => check.id)).toEqual(['kvs-conditions', 'storage-outbound', 'egress', 'install-context', 'group-slug']);
    expect(shown.results.map((result) => `${result.check} ${result.finding}`)).toEqual([
      'kvs-conditions honoured',
      'storage-outbound counted',
      'egress reached',
      'install-context confirmed',
      'group-slug resolved',
    ]);
    for (const result of shown.results) expect(Date.now() - Date.parse(result.at)).toBeLessThan(60_000);
    const audit = await invoke<AuditPageView>('audit/query', { text: 'diagnostics-run' });
    expect(audit.entries.map((entry) => entry.target.id).sort()).toEqual(shown.results.map((result) => `diagnostics:${result.check}`).sort());
  });

  it('refuse a group-slug run that is not confirmed or names no repository, and an observation they did not sign', async () => {
    const { invoke } = await start();
    await expect(invoke('diagnostics/run', { check: 'group-slug', repository: 'web-app' })).rejects.toMatchObject({ reason: 'invalid-input', message: expect.stringContaining('confirm') });
    await expect(invoke('diagnostics/run', { check: 'group-slug', repository: '../x', confirmed: true })).rejects.toBeInstanceOf(BridgeCallError);
    await expect(invoke('diagnostics/run', { check: 'everything' })).rejects.toMatchObject({ reason: 'invalid-input' });
    await expect(invoke('diagnostics/record', { sealed: 'e30.AAAA' })).rejects.toMatchObject({ reason: 'invalid-input', message: expect.stringContaining('not one this installation signed') });
  });
});

describe('each check failing, and the app reacting', () => {
  it('kvs-conditions: NOT_EXISTS failing on a new key refuses SCIM creates with 503 and the reason, at once', async () => {
    const { run, started } = await start({ transactionConditions: 'missing-item-fails' });
    expect(await run('kvs-conditions')).toMatchObject({ verdict: 'differs', finding: 'missing-key-fails', impact: 'refusing' });
    const scim = scimOverHttp(started.host.scimBaseUrl, RIG_TOKEN);
    const created = await scim('POST', '/Users', USER);
    expect(created.status).toBe(503);
    expect(created.body.detail).toContain("This installation's storage did not behave as the app needs");
  });

  it('kvs-conditions: ignored conditions refuse every SCIM write until the check passes again', async () => {
    const { run, started } = await start({ transactionConditions: 'ignored' });
    const scim = scimOverHttp(started.host.scimBaseUrl, RIG_TOKEN);
    const ada = await scim('POST', '/Users', USER);
    expect(ada.status).toBe(201);
    const failed = await run('kvs-conditions');
    expect(failed).toMatchObject({ verdict: 'differs', finding: 'condition-ignored' });
    expect((await scim('POST', '/Users', { ...USER, userName: 'grace@example.com' })).status).toBe(503);
    expect((await scim('PATCH', `/Users/${ada.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] })).status).toBe(503);
    expect((await scim('GET', `/Users/${ada.body.id}`)).status).toBe(200);
    // What the page shows once the check passes again (this stand-in cannot be fixed, so the result is stored).
    await started.host.sync.diagnostics.record({ ...failed, verdict: 'as-assumed', finding: 'honoured' });
    expect((await scim('POST', '/Users', { ...USER, userName: 'grace@example.com' })).status).toBe(201);
  });

  it('storage-outbound: storage outside the budget switches the runtime, also after a restart', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'diagnostics-counting-'));
    const options = { port: 0, host: '127.0.0.1', dataDir, reconcileIntervalMs: 0, logger: { error: () => undefined } };
    try {
      const strict = await startLocalHost(options);
      expect(await storageBudget(strict)).toBe('refused');
      await strict.close();

      // A runtime pinned not to count storage stands for an installation that does not.
      const pinned = await start({ storageCountsAsOutbound: false });
      const result = await pinned.run('storage-outbound');
      expect(result).toMatchObject({ verdict: 'differs', finding: 'not-counted', impact: 'adapted' });
      await pinned.stop();

      // The verdict stored by that host, in this host's storage: the runtime follows it once read.
      const host = await startLocalHost(options);
      expect(await storageBudget(host)).toBe('refused');
      await host.sync.diagnostics.record(result);
      await host.close();
      const restarted = await startLocalHost(options);
      expect(await storageBudget(restarted)).toBe('all-answered');
      await restarted.close();

      // On a host that counts, an observation recorded through the page switches its runtime at once.
      const counting = await start();
      expect(await storageBudget(counting.started.host)).toBe('refused');
      const sealed = sealObservation(await counting.started.host.app.cursorSigner(), { reads: 101, durationMs: 40 }, Date.now());
      expect(await counting.invoke('diagnostics/record', { sealed })).toMatchObject({ finding: 'not-counted' });
      expect(await storageBudget(counting.started.host)).toBe('all-answered');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('egress: a refused host stops the sync with the reason until the check passes again', async () => {
    let refuse = true;
    const { run, invoke, started } = await start({ egressAllowed: (url) => !(refuse && url.includes('/emulated/bitbucket/')) });
    const host = started.host;
    expect(await run('egress')).toMatchObject({ verdict: 'differs', finding: 'refused', observed: expect.stringContaining('REQUEST_EGRESS_ALLOWLIST_ERR') });
    const reports = await invoke<ConnectionReport[]>('credentials/test');
    expect(reports[0]?.checks[0]?.detail).toMatch(/^Missing: egress to Atlassian \(Diagnostics, .*refused by the platform/);
    const scim = scimOverHttp(host.scimBaseUrl, RIG_TOKEN);
    expect((await scim('POST', '/Users', USER)).status).toBe(201);
    await host.runtime.idle();
    expect((await host.app.store.pendingChanges(5)).entries).toHaveLength(1);
    const emails = (): string[] => [...(host.emulators?.admin.state.users.values() ?? [])].map((user) => user.email);
    expect(emails()).not.toContain('ada@example.com');

    refuse = false;
    expect(await run('egress')).toMatchObject({ verdict: 'as-assumed' });
    await converge(host);
    expect(emails()).toContain('ada@example.com');
  });

  it('install-context: a workspace Bitbucket does not know stops the sync with the reason', async () => {
    const { run, invoke } = await start({ installContext: 'ari:cloud:bitbucket::workspace/00000000-0000-4000-8000-00000000abcd' });
    expect(await run('install-context')).toMatchObject({ verdict: 'differs', finding: 'unknown-workspace', impact: 'refusing' });
    const reports = await invoke<ConnectionReport[]>('credentials/test');
    expect(reports[1]?.checks[0]?.detail).toMatch(/^Missing: a confirmed workspace \(Diagnostics, .*does not know the workspace \{00000000-0000-4000-8000-00000000abcd\}/);
  });

  it('install-context: a context of another form is refused on every call, saying what came', async () => {
    const { invoke } = await start({ installContext: 'ari:cloud:bitbucket::site/42' });
    await expect(invoke('diagnostics/get')).rejects.toMatchObject({ reason: 'no-workspace', message: expect.stringContaining('(ari:cloud:bitbucket::site/42)') });
  });

  it('group-slug: an unresolved slug refuses permission sync with the reason, and it runs once the check passes', async () => {
    let broken = true;
    const { run, invoke, started } = await start({ emulators: { groupSlugOf: (name, id) => (broken ? `${slugifyGroupName(name)}-${id.slice(0, 6)}` : slugifyGroupName(name)) } });
    const host = started.host;
    expect(await run('group-slug', { repository: 'web-app', confirmed: true })).toMatchObject({ verdict: 'differs', finding: 'unresolved', impact: 'refusing' });
    const settings = await host.sync.settings.get();
    await invoke('settings/save', { settings: { ...settings, rules: [{ id: 'rule-1', group: 'Engineering', projects: ['PLAT'], repositories: [], level: 'read' }] } });
    const scim = scimOverHttp(host.scimBaseUrl, RIG_TOKEN);
    const ada = await scim('POST', '/Users', USER);
    expect((await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering', members: [{ value: ada.body.id }] })).status).toBe(201);
    await converge(host);
    const skipped = await invoke<SyncItemsPage>('sync/items', { state: 'skipped' });
    expect(skipped.items.find((item) => item.key === PERMISSIONS_KEY)?.detail).toMatch(/^Permission sync is refused: the Diagnostics group-slug check .* found that Bitbucket answered 404 for group_slug/);
    expect(host.emulators?.bitbucket.state.permissions.size).toBe(0);

    broken = false;
    expect(await run('group-slug', { repository: 'web-app', confirmed: true })).toMatchObject({ verdict: 'as-assumed' });
    await converge(host);
    expect([...(host.emulators?.bitbucket.state.permissions.values() ?? [])]).toEqual([expect.objectContaining({ kind: 'project', target: 'PLAT', permission: 'read' })]);
    expect((await host.sync.links.get(PERMISSIONS_KEY))?.state).toBe('synced');
  });
});
