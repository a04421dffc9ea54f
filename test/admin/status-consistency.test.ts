/**
 * The page's status does not contradict itself (first hour, item 8): "running" only once the IdP has reached the
 * endpoint, credentials from the environment count and are named as the ones in use, counts read in words
 * ("1 directory"), the status counts are of users and groups only with permissions beside them, and a deactivated
 * user is marked as such.
 */
import { inProcessHostPerTest, scimCallTo } from '../support/in-process-host';
import { adminCaller, adminContext, convergeHost } from '../support/admin-harness';
import { deactivation } from '../support/scim-bodies';

const CONTEXT = adminContext('557058:status-admin');
const TOKEN = 'status-consistency-token';

describe('status that does not contradict itself', () => {
  const started = inProcessHostPerTest({ bearerToken: TOKEN });
  const scim = scimCallTo(() => started.host, TOKEN);

  const call = adminCaller(() => started.host, CONTEXT);

  const converge = (): Promise<void> => convergeHost(started.host);

  it('waits for the identity provider after set-up instead of saying provisioning is running', async () => {
    await call('setup/save', { idp: 'entra-id' });
    const before = await call('status/get', undefined);
    expect(before).toMatchObject({ ready: true, state: 'waiting-for-idp' });
    expect(before.detail).toMatch(/nothing has arrived from your identity provider yet/);
    expect(before.lastIdpContactAt).toBeUndefined();
    expect((await scim('GET', '/Users?filter=userName%20eq%20%22ada%40example.com%22')).status).toBe(200);
    const after = await call('status/get', undefined);
    expect(after).toMatchObject({ ready: true, state: 'running' });
    expect(after.detail).toContain(`with the token ending in …${TOKEN.slice(-4)}`);
  });

  it('counts credentials from the environment as set and names them as the ones in use, everywhere', async () => {
    const environment = { emulated: false, environmentCredentials: true };
    await call('setup/save', { idp: 'okta' }, environment);
    const status = await call('status/get', undefined, environment);
    expect(status.steps.credentials).toBe(true);
    expect(status.detail).not.toMatch(/credentials/);
    expect(status.credentials.source).toBe('environment');
    const credentials = await call('credentials/get', undefined, environment);
    expect(credentials.inUse).toMatchObject({
      source: 'environment',
      detail: expect.stringContaining('ATLASSIAN_ORG_API_KEY'),
    });
    const report = await call('credentials/test', undefined, environment);
    expect(report[0]?.checks[0]).toMatchObject({
      name: 'Credentials in use',
      ok: true,
      detail: expect.stringContaining('from the environment'),
    });
  });

  it('says "1 directory", not "1 directory(ies)"', async () => {
    const report = await call('credentials/test', undefined);
    const details = report.flatMap((r) => r.checks.map((c) => c.detail)).join('\n');
    expect(details).toContain('the organization has 1 directory');
    expect(details).not.toMatch(/\((ies|s)\)/);
  });

  /** Pushes three users and a group with a permission rule, and syncs them. */
  async function pushAndSync(): Promise<string[]> {
    const ids: string[] = [];
    for (const name of ['ada', 'grace', 'alan'])
      ids.push((await scim('POST', '/Users', { userName: `${name}@example.com`, active: true })).body.id);
    const group = await scim('POST', '/Groups', { displayName: 'Engineering', members: [{ value: ids[0] }] });
    expect(group.status).toBe(201);
    await started.host.sync.settings.save({
      ...(await started.host.sync.settings.get()),
      rules: [{ id: 'eng', group: 'Engineering', projects: ['PLAT'], repositories: [], level: 'write' }],
    });
    await started.host.app.store.enqueue(['Permissions.all']);
    await converge();
    return ids;
  }

  it('counts users and groups only, with Bitbucket permissions beside them (not "synced 5" beside 3 users and 1 group)', async () => {
    await pushAndSync();
    const status = await call('sync/status', undefined);
    expect(status.totals).toEqual({ users: 3, groups: 1 });
    expect(status.counts.synced).toBe(4);
    expect(status.permissions).toMatchObject({ state: 'synced', grants: 1 });
  });

  it('marks a deactivated user as deactivated, not as a plain "synced"', async () => {
    const ids = await pushAndSync();
    const deactivated = await scim('PATCH', `/Users/${ids[1]}`, deactivation());
    expect(deactivated.status).toBe(204);
    await converge();
    const items = await call('sync/items', { state: 'synced' });
    expect(items.items.find((item) => item.display === 'grace@example.com')).toMatchObject({
      state: 'synced',
      deactivated: true,
    });
    expect(items.items.find((item) => item.display === 'ada@example.com')?.deactivated).toBeUndefined();
  });
});
