import { AdminApiEmulator } from '../../emulators/admin-api/admin-emulator';
import { BitbucketEmulator } from '../../emulators/bitbucket/bitbucket-emulator';
import { DroppedConnectionError, FaultInjector, RollingWindowLimiter } from '../../emulators/faults';
import type { FaultCall } from '../../emulators/faults';
import { EMULATED_DIRECTORY_ID, EMULATED_ORG_ID, EMULATED_WORKSPACE_SLUG } from '../../emulators/seed';
import { VirtualClock } from '../../emulators/virtual-clock';
import { adminRequest, bitbucketRequest, exchange } from './support/exchange';

const HOUR = 3_600_000;
const DIR = `/v2/orgs/${EMULATED_ORG_ID}/directories/${EMULATED_DIRECTORY_ID}`;
const PROJECTS = `/2.0/workspaces/${EMULATED_WORKSPACE_SLUG}/projects`;
const call: FaultCall = { method: 'GET', path: '/x', pathTemplate: '/x', mutating: false };

describe('FaultInjector', () => {
  it('fires on the chosen call numbers only, counted per rule', () => {
    const injector = new FaultInjector().add({ fault: { kind: 'status', status: 503 }, onCalls: [2, 4] });
    const fired = [1, 2, 3, 4, 5].map(() => injector.plan(call).length);
    expect(fired).toEqual([0, 1, 0, 1, 0]);
  });

  it('matches on method, template, path and writes, and retires after `times`', () => {
    const injector = new FaultInjector().add({
      fault: { kind: 'status', status: 500 },
      match: { method: 'PUT', mutating: true },
      times: 1,
    });
    expect(injector.plan(call)).toEqual([]);
    expect(injector.plan({ ...call, method: 'PUT', mutating: true })).toEqual([{ kind: 'status', status: 500 }]);
    expect(injector.plan({ ...call, method: 'PUT', mutating: true })).toEqual([]);
  });

  it('repeats the same probabilistic pattern for the same seed, and a different one for another seed', () => {
    const pattern = (seed: number) => {
      const injector = new FaultInjector({ seed }).add({ fault: { kind: 'status', status: 502 }, probability: 0.3 });
      return Array.from({ length: 40 }, () => injector.plan(call).length).join('');
    };
    expect(pattern(7)).toBe(pattern(7));
    expect(pattern(7)).not.toBe(pattern(8));
    expect(pattern(7)).toMatch(/1/);
    expect(pattern(7)).toMatch(/0/);
  });

  it('puts latencies before the single terminal fault', () => {
    const injector = new FaultInjector()
      .add({ fault: { kind: 'status', status: 500 } })
      .add({ fault: { kind: 'drop' } })
      .add({ fault: { kind: 'latency', ms: 10 } });
    expect(injector.plan(call)).toEqual([
      { kind: 'latency', ms: 10 },
      { kind: 'status', status: 500 },
    ]);
  });
});

describe('RollingWindowLimiter', () => {
  it('frees a slot exactly one window after each accepted request, not at a fixed reset', async () => {
    const clock = new VirtualClock({ start: 0 });
    const limiter = new RollingWindowLimiter({ limit: 2, windowMs: 1_000, clock });
    expect(limiter.take('k').allowed).toBe(true);
    await clock.advance(600);
    expect(limiter.take('k')).toEqual({ allowed: true, limit: 2, remaining: 0, resetAt: 1_000 });
    expect(limiter.take('k').allowed).toBe(false);
    expect(limiter.take('other').allowed).toBe(true);
    await clock.advance(400);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
    await clock.advance(600);
    expect(limiter.used('k')).toBe(1);
  });
});

describe('Bitbucket rate limit: 1,000 requests per rolling hour per credential', () => {
  it('lets request 1,000 through, rejects 1,001 with 429 until the hour has passed', async () => {
    const clock = new VirtualClock({ start: 0 });
    const emulator = new BitbucketEmulator({ clock, retryAfterHeader: true });
    const request = bitbucketRequest('GET', PROJECTS, undefined, { pagelen: ['1'] });
    for (let i = 1; i <= 999; i++) expect((await emulator.handle(request)).status).toBe(200);
    const thousandth = await exchange(emulator, 'bitbucket-cloud', request);
    expect(thousandth.status).toBe(200);
    expect(thousandth.headers['x-ratelimit-nearlimit']).toBe('true');

    const rejected = await emulator.handle(request);
    expect(rejected.status).toBe(429);
    expect(rejected.headers).toMatchObject({ 'x-ratelimit-limit': '1000', 'retry-after': '3600' });
    expect(JSON.parse(rejected.body ?? '{}')).toEqual({
      type: 'error',
      error: { message: 'Rate limit for this resource has been exceeded' },
    });

    const otherUser = await emulator.handle(
      bitbucketRequest('GET', PROJECTS, undefined, {}, 'someone.else@corp.example'),
    );
    expect(otherUser.status).toBe(200);

    await clock.advance(HOUR - 1);
    expect((await emulator.handle(request)).status).toBe(429);
    await clock.advance(1);
    expect((await emulator.handle(request)).status).toBe(200);
    expect(emulator.violations).toEqual([]);
  });

  it('rolls: requests spread over the hour come back one by one as they age out', async () => {
    const clock = new VirtualClock({ start: 0 });
    const emulator = new BitbucketEmulator({ clock, rateLimit: { limit: 10, windowMs: HOUR } });
    const request = bitbucketRequest('GET', PROJECTS);
    for (let i = 0; i < 10; i++) {
      expect((await emulator.handle(request)).status).toBe(200);
      await clock.advance(6 * 60_000);
    }
    expect((await emulator.handle(request)).status).toBe(200);
    expect((await emulator.handle(request)).status).toBe(429);
    await clock.advance(6 * 60_000);
    expect((await emulator.handle(request)).status).toBe(200);
  });

  it('does not apply a rejected write', async () => {
    const clock = new VirtualClock();
    const emulator = new BitbucketEmulator({ clock, rateLimit: { limit: 1, windowMs: HOUR } });
    emulator.state.groups.push({ slug: 'developers', name: 'Developers' });
    await emulator.handle(bitbucketRequest('GET', PROJECTS));
    const put = await emulator.handle(
      bitbucketRequest(
        'PUT',
        `/2.0/repositories/${EMULATED_WORKSPACE_SLUG}/web-app/permissions-config/groups/developers`,
        { permission: 'read' },
      ),
    );
    expect(put.status).toBe(429);
    expect(emulator.state.permissions.size).toBe(0);
    expect(emulator.writeLog).toEqual([expect.objectContaining({ status: 429, applied: false })]);
  });
});

describe('Bitbucket faults', () => {
  it('injects a 503 into a permission write without applying it, and lets the retry through', async () => {
    const emulator = new BitbucketEmulator();
    emulator.state.groups.push({ slug: 'developers', name: 'Developers' });
    emulator.faults.add({ fault: { kind: 'status', status: 503 }, match: { method: 'PUT' }, times: 1 });
    const put = bitbucketRequest(
      'PUT',
      `/2.0/repositories/${EMULATED_WORKSPACE_SLUG}/web-app/permissions-config/groups/developers`,
      { permission: 'read' },
    );
    expect((await emulator.handle(put)).status).toBe(503);
    expect(emulator.state.permissions.size).toBe(0);
    expect((await emulator.handle(put)).status).toBe(200);
    expect(emulator.state.permissions.size).toBe(1);
    expect(emulator.violations).toEqual([]);
  });
});

describe('Admin API faults', () => {
  it('injects a 429 with the documented X-RateLimit-* headers (Reset as ISO 8601) and a valid Errors body', async () => {
    const clock = new VirtualClock();
    const emulator = new AdminApiEmulator({ clock });
    emulator.faults.add({ fault: { kind: 'status', status: 429, retryAfterSeconds: 30 }, onCalls: [1] });
    const limited = await exchange(emulator, 'admin-organization', adminRequest('POST', `${DIR}/users/search`, {}));
    expect(limited.status).toBe(429);
    expect(limited.headers).toMatchObject({
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': new Date(clock.now() + 30_000).toISOString(),
    });
    expect(limited.headers['retry-after']).toBeUndefined();
    expect(
      (await exchange(emulator, 'admin-organization', adminRequest('POST', `${DIR}/users/search`, {}))).status,
    ).toBe(200);
  });

  it('adds Retry-After when a test switches it on', async () => {
    const emulator = new AdminApiEmulator({ retryAfterHeader: true });
    emulator.faults.add({ fault: { kind: 'status', status: 429, retryAfterSeconds: 30 } });
    const response = await emulator.handle(adminRequest('GET', `/v2/orgs/${EMULATED_ORG_ID}/directories`));
    expect(response.headers['retry-after']).toBe('30');
  });

  it('enforces a configured rate limit per key and reports it on every response', async () => {
    const clock = new VirtualClock({ start: 0 });
    const emulator = new AdminApiEmulator({ clock, rateLimit: { limit: 2, windowMs: 60_000 } });
    const request = adminRequest('GET', `/v2/orgs/${EMULATED_ORG_ID}/directories`);
    expect((await emulator.handle(request)).headers['x-ratelimit-remaining']).toBe('1');
    expect((await emulator.handle(request)).status).toBe(200);
    const third = await emulator.handle(request);
    expect(third.status).toBe(429);
    expect(third.headers['x-ratelimit-reset']).toBe(new Date(60_000).toISOString());
    expect(emulator.violations).toEqual([]);
  });

  it('injects 500/502/503 without touching state', async () => {
    const emulator = new AdminApiEmulator();
    emulator.faults.add({ fault: { kind: 'status', status: 500 }, onCalls: [1] });
    emulator.faults.add({ fault: { kind: 'status', status: 503 }, onCalls: [2] });
    emulator.faults.add({ fault: { kind: 'status', status: 502 }, onCalls: [3] });
    const create = adminRequest('POST', `${DIR}/groups`, { name: 'flaky' });
    expect((await exchange(emulator, 'admin-organization', create)).status).toBe(500);
    expect((await emulator.handle(create)).status).toBe(503);
    expect((await emulator.handle(create)).status).toBe(502);
    expect(emulator.state.groups.size).toBe(0);
    expect((await emulator.handle(create)).status).toBe(201);
    expect(emulator.writeLog.map((w) => [w.status, w.applied])).toEqual([
      [500, false],
      [503, false],
      [502, false],
      [201, true],
    ]);
    expect(emulator.violations).toEqual([]);
  });

  it('delays a response on the virtual clock until the test advances it', async () => {
    const clock = new VirtualClock();
    const emulator = new AdminApiEmulator({ clock });
    emulator.faults.add({ fault: { kind: 'latency', ms: 10_000 } });
    let settled = false;
    const pending = emulator.handle(adminRequest('GET', `/v2/orgs/${EMULATED_ORG_ID}/directories`)).then((r) => {
      settled = true;
      return r;
    });
    await clock.advance(9_999);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect((await pending).status).toBe(200);
  });

  it('delays a response on real timers when asked to', async () => {
    const emulator = new AdminApiEmulator();
    emulator.faults.add({ fault: { kind: 'latency', ms: 30, timer: 'real' } });
    const started = Date.now();
    await emulator.handle(adminRequest('GET', `/v2/orgs/${EMULATED_ORG_ID}/directories`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('drops the connection before or after applying a write', async () => {
    const emulator = new AdminApiEmulator();
    emulator.faults.add({ fault: { kind: 'drop' }, onCalls: [1] });
    emulator.faults.add({ fault: { kind: 'drop', when: 'after-handling' }, onCalls: [2] });
    const create = adminRequest('POST', `${DIR}/groups`, { name: 'lost-reply' });
    await expect(emulator.handle(create)).rejects.toEqual(
      expect.objectContaining({ name: 'DroppedConnectionError', afterHandling: false }),
    );
    expect(emulator.state.groups.size).toBe(0);
    await expect(emulator.handle(create)).rejects.toBeInstanceOf(DroppedConnectionError);
    expect(emulator.state.groups.size).toBe(1);
    expect((await emulator.handle(create)).status).toBe(409);
    expect(emulator.writeLog.map((w) => [w.status, w.applied])).toEqual([
      ['dropped', false],
      ['dropped', true],
      [409, true],
    ]);
  });
});
