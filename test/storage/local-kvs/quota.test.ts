/**
 * Forge's storage quotas in the local service (DAC `/limits-kvs-ce`: 1,000 requests per second, 4,000 read and 4,000
 * write units of 10 KB per minute; DAC `/rest`: 429 RATE_LIMIT_EXCEEDED), breached through the genuine @forge/kvs
 * client on the service's injected clock, so nothing depends on wall time.
 */
import { createLocalKvsService, FORGE_KVS_QUOTAS, type KvsQuotaViolation } from '../../../src/storage/local-kvs';
import { expectRateLimited, QUOTA_ENTITIES, quotaRig, START, text, type QuotaRig } from './fixtures/quota-rig';

// One-unit sets, `spacingMs` apart: 10 ms keeps them at 100 a second, far under the request quota.
async function oneUnitSets(rig: QuotaRig, count: number, spacingMs = 10): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    await rig.kvs.set(`w${i}`, i);
    rig.clock.ms += spacingMs;
  }
}

describe('Forge storage quotas in the local service', () => {
  it('uses Forge figures by default: 1,000 requests/s, 4,000 read and write units/min, units of 10,000 bytes', () => {
    expect(FORGE_KVS_QUOTAS).toEqual({
      requestsPerSecond: 1000,
      readUnitsPerMinute: 4000,
      writeUnitsPerMinute: 4000,
      unitBytes: 10_000,
    });
    expect(quotaRig().service.quota.limits).toEqual(FORGE_KVS_QUOTAS);
  });

  describe('requests per second', () => {
    it('refuses the 1,001st request within one second, whatever its kind, and applies nothing', async () => {
      const { kvs, service, clock } = quotaRig();
      for (let i = 0; i < 1000; i += 1) {
        await kvs.get(`missing-${i}`);
      }
      const refused = await expectRateLimited(kvs.set('late', 1));
      expect(refused.message).toContain('kvs-requests-per-second');
      await expectRateLimited(kvs.get('late'));
      await expectRateLimited(kvs.transact().set('late', 1).execute());
      await expectRateLimited(kvs.entity('thing').query().index('label').getMany());
      clock.ms += 999;
      await expectRateLimited(kvs.delete('late'));
      clock.ms += 1;
      expect(await kvs.get('late')).toBeUndefined();
      expect(service.quota.snapshot()).toMatchObject({
        requests: 1001,
        readUnits: 1001,
        writeUnits: 0,
        refused: 5,
        peakRequestsPerSecond: 1000,
      });
    });

    it('slides: a second after each request, one more is admitted, not a fresh thousand', async () => {
      const { kvs, clock } = quotaRig();
      for (let i = 0; i < 1000; i += 1) {
        clock.ms = START + i;
        await kvs.set(`k${i}`, i);
      }
      await expectRateLimited(kvs.set('k-next', 1));
      clock.ms = START + 1000;
      // The request made at START has left the window; the 999 made after it have not.
      await kvs.set('k-next', 1);
      await expectRateLimited(kvs.set('k-after', 1));
      clock.ms = START + 1001;
      await kvs.set('k-after', 1);
    });

    it('counts a transaction of 25 operations as one request', async () => {
      const { kvs, service } = quotaRig();
      for (let i = 0; i < 999; i += 1) {
        await kvs.get(`missing-${i}`);
      }
      const transaction = kvs.transact();
      for (let i = 0; i < 25; i += 1) {
        transaction.set(`t${i}`, i);
      }
      await transaction.execute();
      expect(service.quota.snapshot()).toMatchObject({ requests: 1000, writeUnits: 1 });
      await expectRateLimited(kvs.get('t0'));
    });
  });

  describe('write units per minute', () => {
    it('refuses the 4,001st write unit within 60 s, applies nothing and consumes nothing', async () => {
      const rig = quotaRig();
      await oneUnitSets(rig, 4000);
      const before = rig.service.quota.snapshot();
      expect(before).toMatchObject({ writeUnits: 4000, peakWriteUnitsPerMinute: 4000, refused: 0 });
      expect(before.peakRequestsPerSecond).toBeLessThanOrEqual(100);
      const refused = await expectRateLimited(rig.kvs.set('one-more', 1));
      expect(refused.message).toContain('kvs-write-units-per-minute');
      await expectRateLimited(rig.kvs.setSecret('one-more', 1));
      await expectRateLimited(rig.kvs.delete('w0'));
      await expectRateLimited(rig.kvs.batchSet([{ key: 'one-more', value: 1 }]));
      await expectRateLimited(rig.kvs.entity('thing').set('one-more', { label: 'x' }));
      expect(rig.service.quota.snapshot()).toMatchObject({ writeUnits: 4000, requests: 4000, refused: 5 });
      // Reads draw on another quota.
      expect(await rig.kvs.get('one-more')).toBeUndefined();
      expect(await rig.kvs.get('w0')).toBe(0);
    });

    it('prices a value by its request body in started 10,000-byte units', async () => {
      const overhead = await (async () => {
        const { kvs, bodies } = quotaRig();
        await kvs.set('edge', '');
        return bodies[0] ?? 0;
      })();
      const { kvs, service, bodies } = quotaRig();
      await kvs.set('edge', text(10_000 - overhead));
      expect(bodies[0]).toBe(10_000);
      expect(service.quota.snapshot().writeUnits).toBe(1);
      await kvs.set('edge', text(10_001 - overhead));
      expect(service.quota.snapshot().writeUnits).toBe(1 + 2);
      await kvs.set('big', text(25_000));
      expect(service.quota.snapshot().writeUnits).toBe(3 + 3);
      await kvs.setSecret('big', text(25_000));
      expect(service.quota.snapshot().writeUnits).toBe(6 + 3);
      await kvs.delete('big');
      expect(service.quota.snapshot()).toMatchObject({ writeUnits: 9 + 1, requests: 5 });
    });

    it('refuses a value costing several units when they do not all fit, and admits one that does', async () => {
      const rig = quotaRig();
      await oneUnitSets(rig, 3998);
      await expectRateLimited(rig.kvs.set('three-units', text(25_000)));
      await rig.kvs.set('two-units', text(15_000));
      expect(rig.service.quota.snapshot().writeUnits).toBe(4000);
      expect(await rig.kvs.get('three-units')).toBeUndefined();
    });

    it('counts a transaction as one write request costing the units of its whole body', async () => {
      const { kvs, service, bodies } = quotaRig();
      const transaction = kvs.transact();
      for (let i = 0; i < 5; i += 1) {
        transaction.set(`t${i}`, text(20_000));
      }
      await transaction.execute();
      const units = Math.ceil((bodies[0] ?? 0) / 10_000);
      expect(units).toBe(11);
      expect(service.quota.snapshot()).toMatchObject({ requests: 1, writeUnits: units, readUnits: 0 });
    });

    it('refuses a transaction whose units do not fit, applying none of its writes, until the window slides', async () => {
      const rig = quotaRig();
      await oneUnitSets(rig, 4000);
      const build = () => {
        const transaction = rig.kvs.transact();
        for (let i = 0; i < 5; i += 1) {
          transaction.set(`t${i}`, text(20_000));
        }
        return transaction;
      };
      await expectRateLimited(build().execute());
      expect(await rig.kvs.get('t0')).toBeUndefined();
      // The sets were made at START + 10 ms × i; once the first 11 have left the window, the 11 units fit.
      rig.clock.ms = START + 60_000 + 10 * 10 - 1;
      await expectRateLimited(build().execute());
      rig.clock.ms += 1;
      await build().execute();
      expect(await rig.kvs.get('t4')).toBe(text(20_000));
    });

    it('admits again once the window has slid past the oldest units, however often it refused meanwhile', async () => {
      const rig = quotaRig();
      await oneUnitSets(rig, 4000);
      // The first set was made at START, so it counts until START + 60,000 ms.
      rig.clock.ms = START + 59_999;
      for (let i = 0; i < 10; i += 1) {
        await expectRateLimited(rig.kvs.set('retry', i));
      }
      rig.clock.ms = START + 60_000;
      await rig.kvs.set('retry', 'admitted');
      await expectRateLimited(rig.kvs.set('retry-2', 1));
      expect(await rig.kvs.get('retry')).toBe('admitted');
    });
  });

  describe('read units per minute', () => {
    it('refuses the 4,001st read unit within 60 s, a miss costing one', async () => {
      const { kvs, service, clock } = quotaRig();
      await kvs.set('small', 1);
      for (let i = 0; i < 4000; i += 1) {
        await (i % 2 === 0 ? kvs.get('small') : kvs.get(`missing-${i}`));
        clock.ms += 10;
      }
      expect(service.quota.snapshot()).toMatchObject({ readUnits: 4000, peakReadUnitsPerMinute: 4000 });
      const refused = await expectRateLimited(kvs.get('small'));
      expect(refused.message).toContain('kvs-read-units-per-minute');
      await expectRateLimited(kvs.getSecret('small'));
      await expectRateLimited(kvs.query().getMany());
      await expectRateLimited(kvs.batchGet([{ key: 'small' }]));
      // Writes draw on another quota.
      await kvs.set('written', 1);
      expect(service.quota.snapshot()).toMatchObject({ readUnits: 4000, writeUnits: 2, refused: 4 });
    });

    it('prices a read by its response, several units for a large value', async () => {
      const { kvs, service, clock } = quotaRig();
      await kvs.set('big', text(25_000));
      await kvs.set('small', 1);
      expect(await kvs.get('big')).toHaveLength(25_000);
      expect(service.quota.snapshot().readUnits).toBe(3);
      for (let i = 0; i < 3995; i += 1) {
        await kvs.get('small');
        clock.ms += 10;
      }
      // 3,998 units used: the 3-unit read does not fit, two 1-unit reads do, a third does not.
      await expectRateLimited(kvs.get('big'));
      await kvs.get('small');
      await kvs.get('small');
      await expectRateLimited(kvs.get('small'));
      expect(service.quota.snapshot()).toMatchObject({ readUnits: 4000, refused: 2 });
    });
  });

  describe('record mode', () => {
    it('applies a request over a quota and reports the violation', async () => {
      const violations: KvsQuotaViolation[] = [];
      const { kvs, service } = quotaRig({
        quotaMode: 'record',
        onQuotaViolation: (violation) => violations.push(violation),
      });
      for (let i = 0; i < 1000; i += 1) {
        await kvs.set(`k${i}`, i);
      }
      expect(violations).toEqual([]);
      await kvs.set('over', 'applied');
      expect(violations).toEqual([
        { limit: 'kvs-requests-per-second', at: START, observed: 1001, allowed: 1000, path: '/api/v1/set' },
      ]);
      expect(await kvs.get('over')).toBe('applied');
      expect(violations).toHaveLength(2);
      expect(service.quota.snapshot()).toMatchObject({
        requests: 1002,
        violations: 2,
        refused: 0,
        peakRequestsPerSecond: 1002,
      });
    });

    it('reports each quota a request breaches, with overridden figures', async () => {
      const violations: KvsQuotaViolation[] = [];
      const { kvs, service } = quotaRig({
        quotas: { requestsPerSecond: 1, writeUnitsPerMinute: 2 },
        quotaMode: 'record',
        onQuotaViolation: (violation) => violations.push(violation),
      });
      await kvs.set('a', 1);
      await kvs.set('b', text(25_000));
      expect(violations).toEqual([
        { limit: 'kvs-requests-per-second', at: START, observed: 2, allowed: 1, path: '/api/v1/set' },
        { limit: 'kvs-write-units-per-minute', at: START, observed: 4, allowed: 2, path: '/api/v1/set' },
      ]);
      expect(await kvs.get('b')).toHaveLength(25_000);
      expect(service.quota.snapshot()).toMatchObject({ writeUnits: 4, violations: 3 });
    });

    it('reports breaches in enforce mode too, with the refused request', async () => {
      const violations: KvsQuotaViolation[] = [];
      const { kvs } = quotaRig({
        quotas: { requestsPerSecond: 1 },
        onQuotaViolation: (violation) => violations.push(violation),
      });
      await kvs.set('a', 1);
      await expectRateLimited(kvs.set('b', 1));
      expect(violations).toEqual([
        { limit: 'kvs-requests-per-second', at: START, observed: 2, allowed: 1, path: '/api/v1/set' },
      ]);
    });
  });

  it('with quotas off, measures usage and refuses nothing', async () => {
    const { kvs, service } = quotaRig({ quotas: false });
    for (let i = 0; i < 1500; i += 1) {
      await kvs.set(`k${i}`, i);
    }
    expect(service.quota.limits).toBeUndefined();
    expect(service.quota.snapshot()).toEqual({
      requests: 1500,
      readUnits: 0,
      writeUnits: 1500,
      peakRequestsPerSecond: 1500,
      peakReadUnitsPerMinute: 0,
      peakWriteUnitsPerMinute: 1500,
      violations: 0,
      refused: 0,
    });
    service.quota.reset();
    expect(service.quota.snapshot().requests).toBe(0);
  });

  it('refuses quota figures that are not positive integers', () => {
    const make = (quotas: Record<string, number>) => () => createLocalKvsService({ entities: QUOTA_ENTITIES, quotas });
    expect(make({ requestsPerSecond: 0 })).toThrow(/requestsPerSecond/);
    expect(make({ unitBytes: 1.5 })).toThrow(/unitBytes/);
    expect(make({ readUnitsPerMinute: 4000 })).not.toThrow();
  });
});
