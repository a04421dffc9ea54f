/**
 * The metered @forge/kvs client reports every request before it is sent, so the call budget
 * (src/sync/call-budget.ts) sees storage requests; it relies on @forge/kvs 1.6.5's shape (storageApi.apiClient),
 * which this test pins.
 */
import { meteredKvs } from '../../src/storage/metered-kvs';
import { createLocalKvs, createLocalKvsService } from '../../src/storage/local-kvs';
import type { ForgeKvs } from '../../src/storage/kvs-port';
import { budgetAllows, callsSpent, withinBudget } from '../../src/sync/call-budget';

describe('meteredKvs', () => {
  it('counts each request of a budgeted run, and none outside it', async () => {
    const kvs = meteredKvs(createLocalKvs(createLocalKvsService({ entities: [] })) as unknown as ForgeKvs, () =>
      counted.push(callsSpent()),
    );
    const counted: number[] = [];
    await kvs.set('a', 1);
    expect(await kvs.get('a')).toBe(1);
    expect(counted).toHaveLength(2);
  });

  it('feeds the budget, which says when a run may not start on more work', async () => {
    const { spendCall } = await import('../../src/sync/call-budget');
    const kvs = meteredKvs(createLocalKvs(createLocalKvsService({ entities: [] })) as unknown as ForgeKvs, spendCall);
    const seen = await withinBudget(
      { calls: 10, millis: 1000 },
      { now: Date.now, sleep: async () => undefined },
      async () => {
        for (let i = 0; i < 7; i += 1) await kvs.set(`k${i}`, i);
        return { spent: callsSpent(), roomForThree: budgetAllows(3), roomForFour: budgetAllows(4) };
      },
    );
    expect(seen).toEqual({ spent: 7, roomForThree: true, roomForFour: false });
    expect(budgetAllows(1_000_000)).toBe(true);
  });

  it('refuses a client that does not expose its transport', () => {
    expect(() => meteredKvs({} as ForgeKvs, () => undefined)).toThrow(/transport/);
  });
});
