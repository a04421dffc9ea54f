/** The deprovisioning circuit breaker: the pure decision over a sliding window, and its state in the local KVS. */
import {
  BREAKER_KEY,
  BREAKER_LEASE_KEY,
  BreakerBusyError,
  CircuitBreakerStore,
  evaluateBreaker,
  initialBreakerState,
  recordDeactivations,
  type BreakerState,
} from '../../src/sync/circuit-breaker';
import { defaultSettings, type CircuitBreakerSettings } from '../../src/sync/settings';
import { kvsPerTest } from '../support/kvs-per-test';

const T0 = new Date('2026-11-23T10:00:00.000Z');
const minutes = (n: number): Date => new Date(T0.getTime() + n * 60_000);

function settings(overrides: Partial<CircuitBreakerSettings> = {}): { circuitBreaker: CircuitBreakerSettings } {
  return { circuitBreaker: { maxDeactivationShare: 0.1, windowMinutes: 60, minimumUsers: 5, ...overrides } };
}

function stateWith(...deactivations: [at: Date, count: number][]): BreakerState {
  return deactivations.reduce((state, [at, count]) => recordDeactivations(state, count, at), initialBreakerState);
}

describe('evaluateBreaker', () => {
  const cases: {
    name: string;
    state: BreakerState;
    breaker?: Partial<CircuitBreakerSettings>;
    now?: Date;
    total: number;
    requested: number;
    allowed: number;
    tripped: boolean;
  }[] = [
    {
      name: 'allows a request within the share',
      state: initialBreakerState,
      total: 1000,
      requested: 100,
      allowed: 100,
      tripped: false,
    },
    {
      name: 'trips on the first deactivation past the share',
      state: initialBreakerState,
      total: 1000,
      requested: 101,
      allowed: 100,
      tripped: true,
    },
    {
      name: 'counts deactivations already in the window',
      state: stateWith([minutes(-30), 95]),
      total: 1000,
      requested: 10,
      allowed: 5,
      tripped: true,
    },
    {
      name: 'forgets deactivations older than the window',
      state: stateWith([minutes(-60), 95]),
      total: 1000,
      requested: 100,
      allowed: 100,
      tripped: false,
    },
    {
      name: 'keeps the last minute of the window',
      state: stateWith([minutes(-59), 95]),
      total: 1000,
      requested: 6,
      allowed: 5,
      tripped: true,
    },
    {
      name: 'uses the configured window',
      state: stateWith([minutes(-90), 95]),
      breaker: { windowMinutes: 120 },
      total: 1000,
      requested: 6,
      allowed: 5,
      tripped: true,
    },
    {
      name: 'never trips at or below minimumUsers in a small directory',
      state: initialBreakerState,
      total: 8,
      requested: 5,
      allowed: 5,
      tripped: false,
    },
    {
      name: 'trips above minimumUsers in a small directory',
      state: stateWith([minutes(-1), 5]),
      total: 8,
      requested: 1,
      allowed: 0,
      tripped: true,
    },
    {
      name: 'rounds the share down',
      state: initialBreakerState,
      breaker: { minimumUsers: 0 },
      total: 99,
      requested: 10,
      allowed: 9,
      tripped: true,
    },
    {
      name: 'pauses everything once tripped',
      state: { ...initialBreakerState, tripped: true, reason: 'mass deletion' },
      total: 1000,
      requested: 1,
      allowed: 0,
      tripped: true,
    },
    {
      name: 'allows zero requested without tripping',
      state: stateWith([minutes(0), 100]),
      total: 1000,
      requested: 0,
      allowed: 0,
      tripped: false,
    },
    {
      name: 'allows all with a share of 1',
      state: initialBreakerState,
      breaker: { maxDeactivationShare: 1 },
      total: 50,
      requested: 50,
      allowed: 50,
      tripped: false,
    },
  ];
  it.each(cases)('$name', ({ state, breaker, now, total, requested, allowed, tripped }) => {
    const decision = evaluateBreaker(state, settings(breaker), now ?? T0, total, requested);
    expect({ allowed: decision.allowed, tripped: decision.tripped }).toEqual({ allowed, tripped });
    if (tripped) expect(decision.reason).toBeTruthy();
  });

  it('explains a trip with the numbers behind it', () => {
    expect(evaluateBreaker(initialBreakerState, settings(), T0, 1000, 101).reason).toBe(
      '101 deactivations within 60 minutes would exceed the limit of 100 (10% of 1000 users, at least 5); deactivations are paused until an admin confirms',
    );
  });

  it('gives the same answer to one batch as to the same requests one by one', () => {
    let state = initialBreakerState;
    let allowedOneByOne = 0;
    for (let i = 0; i < 30; i += 1) {
      const decision = evaluateBreaker(state, settings({ minimumUsers: 0 }), T0, 200, 1);
      allowedOneByOne += decision.allowed;
      state = recordDeactivations(state, decision.allowed, T0);
    }
    expect(evaluateBreaker(initialBreakerState, settings({ minimumUsers: 0 }), T0, 200, 30).allowed).toBe(
      allowedOneByOne,
    );
  });

  it('accepts the full settings object', () => {
    expect(evaluateBreaker(initialBreakerState, defaultSettings, T0, 1000, 10).allowed).toBe(10);
  });
});

describe('recordDeactivations', () => {
  it('keeps one bucket per minute and drops buckets older than a day', () => {
    const state = stateWith(
      [minutes(-1500), 7],
      [minutes(-2), 1],
      [minutes(0), 2],
      [new Date(minutes(0).getTime() + 30_000), 3],
    );
    expect(state.recent).toEqual([
      { minute: Math.floor(minutes(-2).getTime() / 60_000), count: 1 },
      { minute: Math.floor(T0.getTime() / 60_000), count: 5 },
    ]);
  });

  it('stays bounded however many deactivations are recorded', () => {
    let state = initialBreakerState;
    for (let i = 0; i < 3000; i += 1) state = recordDeactivations(state, 100, minutes(i));
    expect(state.recent.length).toBeLessThanOrEqual(1440);
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(100 * 1024);
  });
});

describe('CircuitBreakerStore', () => {
  const fixture = kvsPerTest(T0.getTime());
  let now: Date;
  let store: CircuitBreakerStore;
  beforeEach(() => {
    now = T0;
    store = new CircuitBreakerStore({
      kvs: fixture.kvs,
      now: () => now,
      sleep: () => new Promise((resolve) => setImmediate(resolve)),
    });
  });

  it('counts admitted deactivations, trips, stays tripped, and resumes after confirm', async () => {
    expect(await store.admit(settings(), 100, 5)).toEqual({ allowed: 5, tripped: false });
    expect(await store.admit(settings(), 100, 20)).toEqual({
      allowed: 5,
      tripped: true,
      reason: expect.stringContaining('limit of 10'),
    });
    const tripped = await store.state();
    expect(tripped).toMatchObject({ tripped: true, trippedAt: T0.toISOString() });
    expect(tripped.recent.reduce((sum, b) => sum + b.count, 0)).toBe(10);

    now = minutes(24 * 60);
    expect(await store.admit(settings(), 100, 1)).toMatchObject({ allowed: 0, tripped: true });

    await store.confirm();
    expect(await store.state()).toEqual(initialBreakerState);
    expect(await store.admit(settings(), 100, 1)).toEqual({ allowed: 1, tripped: false });
  });

  it('lets the deactivations waiting at confirmation run on top of the limit, once', async () => {
    expect(await store.admit(settings(), 100, 25)).toMatchObject({ allowed: 10, tripped: true });
    await store.confirm(15);
    expect(await store.state()).toMatchObject({ tripped: false, allowance: 15 });
    expect(await store.admit(settings(), 100, 15)).toEqual({ allowed: 15, tripped: false });
    expect((await store.state()).recent).toEqual([]);
    expect(await store.admit(settings(), 100, 10)).toEqual({ allowed: 10, tripped: false });
    expect(await store.admit(settings(), 100, 1)).toMatchObject({ allowed: 0, tripped: true });
  });

  it('does not write when nothing changes', async () => {
    await store.admit(settings(), 100, 0);
    expect(await fixture.kvs.get(BREAKER_KEY)).toBeUndefined();
  });

  it('admits exactly the limit across concurrent runs', async () => {
    const decisions = await Promise.all(
      Array.from({ length: 12 }, () => store.admit(settings({ minimumUsers: 0 }), 50, 1)),
    );
    expect(decisions.reduce((sum, d) => sum + d.allowed, 0)).toBe(5);
    expect(decisions.filter((d) => d.tripped).length).toBe(7);
    expect(await fixture.kvs.get(BREAKER_LEASE_KEY)).toBeUndefined();
  });

  it('gives up with BreakerBusyError while another holder keeps the lease, and a crashed holder blocks only until the lease expires', async () => {
    await fixture.kvs.set(BREAKER_LEASE_KEY, { owner: 'crashed' }, { ttl: { value: 30, unit: 'SECONDS' } });
    const impatient = new CircuitBreakerStore({
      kvs: fixture.kvs,
      now: () => now,
      sleep: async () => undefined,
      maxAttempts: 3,
    });
    await expect(impatient.admit(settings(), 100, 1)).rejects.toThrow(BreakerBusyError);
    fixture.clock.ms += 31_000;
    expect(await impatient.admit(settings(), 100, 1)).toEqual({ allowed: 1, tripped: false });
  });
});
