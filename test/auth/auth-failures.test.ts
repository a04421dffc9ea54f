/** Failed SCIM authentications: counted per hour, written to KVS at most every 10 s, shown with their last source. */
import { AUTH_FAILURE_PREFIX, AuthFailureLog, FLUSH_INTERVAL_MS } from '../../src/auth/auth-failures';
import { createApp } from '../../src/app/create-app';
import type { ForgeKvs } from '../../src/storage/kvs-port';
import { kvsPerTest } from '../support/kvs-per-test';

describe('AuthFailureLog', () => {
  const fixture = kvsPerTest(Date.parse('2026-11-23T10:15:00.000Z'));

  const sets = (): number => fixture.service.stats.snapshot().byPath['/api/v1/set'] ?? 0;
  const log = (options: { sourceKnown?: boolean } = {}): AuthFailureLog =>
    new AuthFailureLog({
      kvs: fixture.kvs,
      now: () => new Date(fixture.clock.ms),
      sourceKnown: options.sourceKnown ?? true,
    });

  it('writes a flood of failures as one KVS write per hour every 10 seconds, not one per failure', async () => {
    const failures = log();
    for (let i = 0; i < 1000; i += 1) await failures.record('203.0.113.7');
    expect(sets()).toBe(1);
    expect(await failures.summary()).toMatchObject({ thisHour: 1000, last24Hours: 1000, lastSource: '203.0.113.7' });
    // A summary read elsewhere sees only what was written: the first failure.
    expect(await log().summary()).toMatchObject({ thisHour: 1 });
    fixture.clock.ms += FLUSH_INTERVAL_MS;
    await failures.record('203.0.113.8');
    expect(sets()).toBe(2);
    expect(await log().summary()).toMatchObject({
      thisHour: 1001,
      last24Hours: 1001,
      lastSource: '203.0.113.8',
      lastAt: '2026-11-23T10:15:10.000Z',
      sourceKnown: true,
    });
    expect(await fixture.kvs.get(`${AUTH_FAILURE_PREFIX}2026-11-23T10`)).toMatchObject({ count: 1001 });
  });

  it('counts per clock hour over the last 24 hours and flushes what waits on the next request', async () => {
    const failures = log();
    await failures.record('198.51.100.1');
    fixture.clock.ms += 3_600_000;
    await failures.record('198.51.100.2');
    await failures.record('198.51.100.3');
    expect(sets()).toBe(2);
    fixture.clock.ms += FLUSH_INTERVAL_MS;
    await failures.flushIfDue();
    expect(sets()).toBe(3);
    await failures.flushIfDue();
    expect(sets()).toBe(3);
    expect(await log().summary()).toEqual({
      thisHour: 2,
      last24Hours: 3,
      byHour: [
        { hour: '2026-11-23T10:00:00.000Z', count: 1 },
        { hour: '2026-11-23T11:00:00.000Z', count: 2 },
      ],
      lastAt: '2026-11-23T11:15:00.000Z',
      lastSource: '198.51.100.3',
      sourceKnown: true,
    });
    fixture.clock.ms += 23 * 3_600_000;
    expect(await log().summary()).toMatchObject({ thisHour: 0, last24Hours: 2 });
  });

  it('keeps failures whose write failed for the next flush', async () => {
    let failWrites = true;
    const realSet = fixture.kvs.set.bind(fixture.kvs);
    const set = (async (key: string, value: unknown, options?: Parameters<ForgeKvs['set']>[2]) => {
      if (failWrites) throw new Error('429 RATE_LIMIT_EXCEEDED');
      return realSet(key, value, options as Parameters<ForgeKvs['set']>[2]);
    }) as ForgeKvs['set'];
    const kvs = { get: fixture.kvs.get.bind(fixture.kvs), query: fixture.kvs.query.bind(fixture.kvs), set };
    const errors: unknown[] = [];
    const failures = new AuthFailureLog({
      kvs,
      now: () => new Date(fixture.clock.ms),
      sourceKnown: true,
      onError: (error) => errors.push(error),
    });
    await failures.record('192.0.2.1');
    expect(errors).toHaveLength(1);
    failWrites = false;
    fixture.clock.ms += FLUSH_INTERVAL_MS;
    await failures.record('192.0.2.2');
    expect(await log().summary()).toMatchObject({ thisHour: 2, lastSource: '192.0.2.2' });
  });

  it('records no source on Forge, whose web trigger requests carry no address the app can trust', async () => {
    const app = createApp({
      kvs: fixture.kvs,
      logger: { error: () => undefined },
      now: () => new Date(fixture.clock.ms),
    });
    const response = await app.handleScim({
      method: 'GET',
      path: '/Users',
      query: {},
      headers: { authorization: ['Bearer guessed-token'], 'x-forwarded-for': ['203.0.113.9'] },
      body: undefined,
      baseUrl: 'https://example.invalid/x1/abc',
    });
    expect(response.status).toBe(401);
    expect(await app.authFailures.summary()).toMatchObject({ thisHour: 1, sourceKnown: false });
    expect(await app.authFailures.summary()).not.toHaveProperty('lastSource');
  });
});
