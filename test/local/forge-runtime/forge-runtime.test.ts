/**
 * The local Forge runtime in `enforce` mode: each limit breached through the runtime meets the error Forge gives
 * (the genuine @forge/events and @forge/kvs error classes where Forge's own client raises them). No mocks: the
 * storage is the embedded KVS service, the clock a VirtualClock, remote calls a counting fetch.
 */
import { InvocationLimitReachedError, PayloadTooBigError, RateLimitError, TooManyEventsError } from '@forge/events';
import path from 'node:path';
import { VirtualClock } from '../../../emulators/virtual-clock';
import {
  ForgePlatformError,
  ForgeRuntime,
  FORGE_LIMITS,
  type DeliveredEvent,
  type RuntimeMode,
} from '../../../src/local/forge-runtime';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../../src/storage/local-kvs';
import type { TargetFetch } from '../../../src/targets/http/target-fetch';

const MANIFEST = path.resolve(__dirname, '../../../manifest.yml');

function rig(
  mode: RuntimeMode = 'enforce',
  options: { storageCountsAsOutbound?: boolean | (() => boolean); egressAllowed?: (url: string) => boolean } = {},
) {
  const clock = new VirtualClock({ autoAdvance: true });
  const runtime = new ForgeRuntime({
    mode,
    clock,
    latency: { kvsMs: 30, remoteMs: 250, deliveryMs: 1000 },
    ...options,
  });
  const service = createLocalKvsService({ entities: loadEntityDefinitions(MANIFEST), clock: () => clock.now() });
  const kvs = createLocalKvs({ fetch: runtime.storage(service.fetch) });
  /** Storage as the test sees it, outside any invocation and without the runtime's metering. */
  const direct = createLocalKvs(service);
  let remoteCalls = 0;
  const fetch: TargetFetch = runtime.remote(async () => {
    remoteCalls += 1;
    return { status: 200, headers: { get: () => null }, text: async () => '{}' };
  });
  return { clock, runtime, kvs, direct, fetch, remoteCalls: () => remoteCalls };
}

/** A body of about `kb` kilobytes once serialised. */
function bodyOf(kb: number): Record<string, unknown> {
  return { v: 1, pad: 'x'.repeat(Math.round(kb * 1024)) };
}

describe('local Forge runtime, enforce mode', () => {
  it('refuses a push of 201 KB with PayloadTooBigError and one of 51 events with TooManyEventsError', async () => {
    const { runtime } = rig();
    const queue = runtime.queue('scim-sync');
    runtime.consume('scim-sync', async () => undefined);
    const pushed = runtime.resolver('push', async () => {
      await expect(
        queue.push([{ body: bodyOf(99) }, { body: bodyOf(99) }, { body: bodyOf(3) }]),
      ).rejects.toBeInstanceOf(PayloadTooBigError);
      await expect(queue.push(Array.from({ length: 51 }, () => ({ body: { v: 1 } })))).rejects.toBeInstanceOf(
        TooManyEventsError,
      );
      return queue.push([{ body: bodyOf(90) }, { body: bodyOf(90) }]);
    });
    await expect(pushed).resolves.toHaveProperty('jobId');
    expect(runtime.violations.byLimit()).toEqual({ 'push-events': 1, 'push-payload': 1 });
  });

  it('answers the 101st outbound request of an invocation with 429 FETCH_LIMIT_EXCEEDED, and a new invocation starts afresh', async () => {
    const { runtime, fetch, remoteCalls } = rig();
    // A scheduled trigger has 900 s: 101 calls of 250 ms would pass a resolver's 25 s first.
    const statuses = await runtime.scheduled('calls', async () => {
      const seen: { status: number; proxy: string | null }[] = [];
      for (let i = 0; i < 101; i += 1) {
        const response = await fetch('https://api.atlassian.com/x', { method: 'GET', headers: {} });
        seen.push({ status: response.status, proxy: response.headers.get('forge-proxy-error') });
      }
      return seen;
    });
    expect(statuses.slice(0, 100).every((s) => s.status === 200)).toBe(true);
    expect(statuses[100]).toEqual({ status: 429, proxy: 'FETCH_LIMIT_EXCEEDED' });
    expect(remoteCalls()).toBe(100);
    expect(runtime.violations.byLimit()).toEqual({ 'invocation-outbound-requests': 1 });
    await expect(
      runtime.resolver(
        'again',
        async () => (await fetch('https://api.atlassian.com/x', { method: 'GET', headers: {} })).status,
      ),
    ).resolves.toBe(200);
  });

  it('counts storage requests toward the outbound budget behind one switch', async () => {
    const counted = rig('enforce', { storageCountsAsOutbound: true });
    const failure = await counted.runtime
      .resolver('storage', async () => {
        for (let i = 0; i < 101; i += 1) await counted.kvs.set(`k${i}`, i);
      })
      .then(
        () => undefined,
        (error: unknown) => error as { responseDetails?: { status: number } },
      );
    expect(failure?.responseDetails?.status).toBe(429);
    expect(await counted.direct.get('k99')).toBe(99);
    expect(await counted.direct.get('k100')).toBeUndefined();

    const uncounted = rig('enforce', { storageCountsAsOutbound: false });
    await uncounted.runtime.resolver('storage', async () => {
      for (let i = 0; i < 101; i += 1) await uncounted.kvs.set(`k${i}`, i);
    });
    expect(await uncounted.direct.get('k100')).toBe(100);
    expect(uncounted.runtime.violations.total).toBe(0);
  });

  it('stops a resolver at 25.1 virtual seconds and refuses its later write', async () => {
    const { runtime, kvs, direct, clock } = rig();
    const started = clock.now();
    const outcome = runtime.resolver('slow', async () => {
      await kvs.set('before', 1);
      await runtime.appClock.sleep(25_100 - 30);
      await kvs.set('after', 1);
    });
    await expect(outcome).rejects.toMatchObject({ code: 'FUNCTION_TIME_OUT' });
    await expect(outcome).rejects.toBeInstanceOf(ForgePlatformError);
    expect(clock.now() - started).toBeLessThanOrEqual(25_100);
    expect(await direct.get('before')).toBe(1);
    expect(await direct.get('after')).toBeUndefined();
    expect(runtime.violations.byLimit()).toEqual({ 'invocation-time': 1 });
  });

  it('answers a web trigger past 55 s with the platform 424 and one within it with its own answer', async () => {
    const { runtime } = rig();
    const trigger = runtime.webTrigger(async (seconds: number) => {
      await runtime.appClock.sleep(seconds * 1000);
      return { statusCode: 200, headers: {}, body: 'done' };
    });
    await expect(trigger(54, undefined)).resolves.toMatchObject({ statusCode: 200, body: 'done' });
    await expect(trigger(56, undefined)).resolves.toMatchObject({ statusCode: 424 });
  });

  it('stops a consumer past 900 s, refuses its later writes and redelivers its event', async () => {
    const { runtime, kvs, direct } = rig();
    const deliveries: DeliveredEvent[] = [];
    runtime.consume('scim-sync', async (event) => {
      deliveries.push(event);
      if (deliveries.length === 1) await runtime.appClock.sleep(901_000);
      await kvs.set(`done-${deliveries.length}`, true);
    });
    await runtime.resolver('push', () => runtime.queue('scim-sync').push({ body: { v: 1 } }));
    await runtime.idle();
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]?.retryContext?.retryReason).toBe('FUNCTION_TIME_OUT');
    expect(await direct.get('done-1')).toBeUndefined();
    expect(await direct.get('done-2')).toBe(true);
  });

  it('refuses the 501st event pushed in a minute with RateLimitError, and takes it again a minute later', async () => {
    const { runtime, clock } = rig();
    runtime.consume('scim-sync', async () => undefined);
    const queue = runtime.queue('scim-sync');
    await runtime.resolver('fill', async () => {
      for (let i = 0; i < 10; i += 1) await queue.push(Array.from({ length: 50 }, () => ({ body: { v: 1 } })));
      await expect(queue.push({ body: { v: 1 } })).rejects.toBeInstanceOf(RateLimitError);
    });
    await clock.sleep(60_001);
    await expect(runtime.resolver('again', () => queue.push({ body: { v: 1 } }))).resolves.toHaveProperty('jobId');
    expect(runtime.violations.byLimit()).toEqual({ 'events-per-minute': 1 });
  });

  it('refuses push number 1,001 descending from one invocation with InvocationLimitReachedError', async () => {
    const { runtime } = rig();
    const queue = runtime.queue('scim-sync');
    runtime.consume('scim-sync', async () => undefined);
    let refused: unknown;
    await runtime.scheduled('chain', async () => {
      for (let i = 0; i < FORGE_LIMITS.pushesPerOriginatingInvocation; i += 1) {
        await queue.push({ body: { v: 1 } });
        await runtime.appClock.sleep(150);
      }
      refused = await queue.push({ body: { v: 1 } }).catch((error: unknown) => error);
    });
    expect(refused).toBeInstanceOf(InvocationLimitReachedError);
    expect(runtime.violations.byLimit()).toEqual({ 'cyclic-pushes': 1 });
  });

  it('refuses an event over 100 KB for a consumer with a timeout over 55 s', async () => {
    const { runtime } = rig();
    runtime.consume('scim-sync', async () => undefined, 900);
    await expect(
      runtime.resolver('big', () => runtime.queue('scim-sync').push({ body: bodyOf(101) })),
    ).rejects.toBeInstanceOf(PayloadTooBigError);
    expect(runtime.violations.byLimit()).toEqual({ 'event-payload': 1 });
  });

  it('redelivers after an InvocationError asks for it, and records retryData over 4 KB', async () => {
    const { runtime, clock } = rig();
    const seen: number[] = [];
    runtime.consume('scim-sync', async () => {
      seen.push(clock.now());
      return seen.length === 1
        ? {
            _retry: true,
            retryOptions: {
              retryAfter: 120,
              retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED',
              retryData: { pad: 'x'.repeat(5000) },
            },
          }
        : undefined;
    });
    await runtime.resolver('push', () => runtime.queue('scim-sync').push({ body: { v: 1 } }));
    await runtime.idle();
    expect(seen).toHaveLength(2);
    expect((seen[1] ?? 0) - (seen[0] ?? 0)).toBeGreaterThanOrEqual(120_000);
    expect(runtime.violations.byLimit()).toEqual({ 'retry-data': 1 });
  });

  it('answers web trigger number 1,201 in a minute with the platform 429', async () => {
    const { runtime } = rig();
    const trigger = runtime.webTrigger(async () => ({ statusCode: 200, headers: {} }));
    const statuses: number[] = [];
    for (let i = 0; i < FORGE_LIMITS.invocationsPerMinute + 1; i += 1)
      statuses.push((await trigger(undefined, undefined)).statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(FORGE_LIMITS.invocationsPerMinute);
    expect(statuses.at(-1)).toBe(429);
  });

  it('asks a storage-counting switch given as a function at each storage request', async () => {
    let counts = false;
    const { runtime, kvs } = rig('enforce', { storageCountsAsOutbound: () => counts });
    const setMany = (prefix: string) =>
      runtime.resolver('storage', async () => {
        for (let i = 0; i < 101; i += 1) await kvs.set(`${prefix}${i}`, i);
      });
    await expect(setMany('a')).resolves.toBeUndefined();
    counts = true;
    await expect(setMany('b')).rejects.toMatchObject({ responseDetails: { status: 429 } });
  });

  it('refuses fetch to a URL the egress switch does not allow with @forge/api ExternalEndpointNotAllowedError, counting the attempt', async () => {
    const { runtime, fetch, remoteCalls } = rig('enforce', {
      egressAllowed: (url) => new URL(url).hostname !== 'api.bitbucket.org',
    });
    const refused = runtime.resolver('egress', () =>
      fetch('https://api.bitbucket.org/2.0/workspaces/x', { method: 'GET', headers: {} }),
    );
    await expect(refused).rejects.toMatchObject({
      name: 'REQUEST_EGRESS_ALLOWLIST_ERR',
      status: 403,
      message: expect.stringContaining(
        'URL not included in the external fetch backend permissions: https://api.bitbucket.org/2.0/workspaces/x',
      ),
    });
    await expect(
      runtime.resolver(
        'egress',
        async () => (await fetch('https://api.atlassian.com/admin', { method: 'GET', headers: {} })).status,
      ),
    ).resolves.toBe(200);
    expect(remoteCalls()).toBe(1);
  });

  it('runs one resolver in enforce mode inside a record-mode runtime when its caller asks', async () => {
    const { runtime, fetch } = rig('record');
    const calls = async (): Promise<number[]> => {
      const statuses: number[] = [];
      for (let i = 0; i < 101; i += 1)
        statuses.push((await fetch('https://api.atlassian.com/x', { method: 'GET', headers: {} })).status);
      return statuses;
    };
    expect((await runtime.scheduled('recorded', calls))[100]).toBe(200);
    // 101 calls of 250 ms would pass a resolver's 25 s: the budget is checked on a resolver with no latency.
    const quick = new ForgeRuntime({ mode: 'record', clock: new VirtualClock({ autoAdvance: true }) });
    const quickFetch = quick.remote(async () => ({
      status: 200,
      headers: { get: () => null },
      text: async () => '{}',
    }));
    const enforced = await quick.resolver(
      'enforced',
      async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 101; i += 1)
          statuses.push((await quickFetch('https://api.atlassian.com/x', { method: 'GET', headers: {} })).status);
        return statuses;
      },
      { mode: 'enforce' },
    );
    expect(enforced[100]).toBe(429);
    expect(quick.violations.byLimit()).toEqual({ 'invocation-outbound-requests': 1 });
  });
});

describe('local Forge runtime, record mode', () => {
  it('counts a breach and lets the call go on', async () => {
    const { runtime, fetch } = rig('record');
    runtime.consume('scim-sync', async () => undefined);
    await runtime.resolver('record', async () => {
      await runtime.queue('scim-sync').push([{ body: bodyOf(99) }, { body: bodyOf(99) }, { body: bodyOf(3) }]);
      for (let i = 0; i < 101; i += 1)
        expect((await fetch('https://api.atlassian.com/x', { method: 'GET', headers: {} })).status).toBe(200);
      await runtime.appClock.sleep(26_000);
    });
    expect(runtime.violations.byLimit()).toEqual({
      'invocation-outbound-requests': 1,
      'invocation-time': 1,
      'push-payload': 1,
    });
  });
});
