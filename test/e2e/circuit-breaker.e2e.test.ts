/**
 * The deprovisioning circuit breaker end to end: a mass deactivation over SCIM suspends only what the limit
 * allows, the rest waits visibly (status, audit log) until an admin confirms, and then exactly those run.
 */
import type { Handlers } from '@forge/resolver';
import { makeAdminHandlers } from '../../src/admin/admin-handlers';
import type { LocalHost } from '../../src/local/local-host';
import type { AdminApi } from '../../src/shared/admin-api';
import { createLocalKvs } from '../../src/storage/local-kvs';
import { findUserByEmail, userStatus } from '../../emulators';
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';

const TOKEN = 'breaker-e2e-token';
const CONTEXT = { accountId: 'admin', installContext: 'ari:cloud:bitbucket::workspace/5f8a1c2e-1111-4222-8333-944455556666' };
const USERS = 30;

describe('deprovisioning circuit breaker', () => {
  let started: InProcessHost;
  let host: LocalHost;
  let admin: Handlers<AdminApi>;

  const scim = async (method: string, p: string, body?: unknown): Promise<{ status: number; body: { id: string } }> => {
    const response = await fetch(`${host.scimBaseUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as { id: string }) : { id: '' } };
  };
  const call = <K extends keyof AdminApi>(key: K, payload?: unknown): Promise<ReturnType<AdminApi[K]>> =>
    (admin[key] as unknown as (r: { payload: unknown; context: unknown }) => Promise<ReturnType<AdminApi[K]>>)({ payload, context: CONTEXT });
  const settle = async (): Promise<void> => {
    for (let round = 0; round < 5; round += 1) {
      await host.runtime.idle();
      await host.sync.dispatcher.drain();
    }
    await host.runtime.idle();
  };
  const suspended = (): number => {
    const state = host.emulators?.admin.state;
    if (!state) throw new Error('no emulators');
    let count = 0;
    for (let i = 0; i < USERS; i += 1) {
      const user = findUserByEmail(state, `person${i}@emulated.example`);
      if (user && userStatus(user) === 'suspended') count += 1;
    }
    return count;
  };

  beforeAll(async () => {
    started = await startInProcessHost({ bearerToken: TOKEN });
    host = started.host;
    admin = makeAdminHandlers({
      getApp: async () => host.app,
      getSync: async () => host.sync,
      getBaseUrl: async () => host.scimBaseUrl,
      lookupPermission: async () => ({ status: 200, permission: 'owner' }),
      kvs: createLocalKvs(host.kvs),
    });
    const settings = await call('settings/get');
    await call('settings/save', { settings: { ...settings, deactivation: 'suspend', circuitBreaker: { maxDeactivationShare: 0.1, windowMinutes: 60, minimumUsers: 3 } } });
  });

  afterAll(async () => {
    await started.stop();
  });

  it('holds back deactivations past the limit until an admin confirms, then runs exactly those', async () => {
    const ids: string[] = [];
    for (let i = 0; i < USERS; i += 1) {
      const created = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `person${i}@emulated.example`, active: true });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    await settle();
    expect(suspended()).toBe(0);

    for (const id of ids.slice(0, 8)) {
      const patched = await scim('PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] });
      expect(patched.status).toBeLessThan(300);
    }
    await settle();
    expect(suspended()).toBe(3);
    const status = await call('sync/status');
    expect(status.breaker).toMatchObject({ tripped: true, reason: expect.stringContaining('limit of 3') });
    expect(status.waitingDeactivations).toBe(5);
    const paused = await call('audit/query', { text: 'deactivations-paused' });
    expect(paused.entries.length).toBeGreaterThan(0);

    const confirmed = await call('breaker/confirm');
    expect(confirmed).toMatchObject({ tripped: false, allowance: 5 });
    await settle();
    expect(suspended()).toBe(8);
    expect((await call('sync/status')).breaker.tripped).toBe(false);
  });
});
