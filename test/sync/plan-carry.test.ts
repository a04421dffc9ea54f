/** A group's carried member changes (src/sync/plan-carry.ts): the next job of the group applies them as planned. */
import { CARRY_MAX_ACCOUNTS, CARRY_MAX_AGE_MS, PlanCarry } from '../../src/sync/plan-carry';
import type { Change } from '../../src/sync/planner';
import { kvsPerTest } from '../support/kvs-per-test';

const fixture = kvsPerTest();
const KEY = 'Group.g1';

const add = (accountId: string): Change => ({ kind: 'add-member', key: KEY, orgGroupId: 'org-1', accountId });
const remove = (accountId: string): Change => ({ kind: 'remove-member', key: KEY, orgGroupId: 'org-1', accountId });

it('gives the carried changes back once, for the version they were planned at, removals first', async () => {
  const carry = new PlanCarry(fixture.kvs);
  expect(await carry.save(KEY, 7, [add('a1'), remove('r1'), add('a2')], 1_000)).toBe(true);
  expect(await carry.take(KEY, 8, 2_000)).toBeUndefined();
  expect(await carry.save(KEY, 7, [add('a1'), remove('r1'), add('a2')], 1_000)).toBe(true);
  expect(await carry.take(KEY, 7, 1_000 + CARRY_MAX_AGE_MS + 1)).toBeUndefined();
  expect(await carry.save(KEY, 7, [add('a1'), remove('r1'), add('a2')], 1_000)).toBe(true);
  expect(await carry.take(KEY, 7, 2_000)).toEqual([remove('r1'), add('a1'), add('a2')]);
  expect(await carry.take(KEY, 7, 2_000)).toBeUndefined();
});

it('keeps nothing of a plan with other changes than members', async () => {
  const carry = new PlanCarry(fixture.kvs);
  const role: Change = { kind: 'assign-role', key: KEY, orgGroupId: 'org-1', resourceId: 'ws', roleId: 'user' };
  expect(await carry.save(KEY, 1, [role, add('a1')], 1_000)).toBe(false);
  expect(await carry.take(KEY, 1, 1_000)).toBeUndefined();
});

it('keeps the removals and as many additions as fit of a plan too large to carry whole', async () => {
  const carry = new PlanCarry(fixture.kvs);
  const adds = Array.from({ length: CARRY_MAX_ACCOUNTS + 500 }, (_, i) => add(`557058:add-${i}`));
  const removes = Array.from({ length: 20 }, (_, i) => remove(`557058:remove-${i}`));
  expect(await carry.save(KEY, 3, [...adds, ...removes], 1_000)).toBe(true);
  const taken = (await carry.take(KEY, 3, 1_000)) ?? [];
  expect(taken).toHaveLength(CARRY_MAX_ACCOUNTS);
  expect(taken.slice(0, 20)).toEqual(removes);
  expect(taken.slice(20)).toEqual(adds.slice(0, CARRY_MAX_ACCOUNTS - 20));

  // Account ids of up to 128 characters: the carry stays within a KVS value's 240 KiB.
  const long = Array.from({ length: CARRY_MAX_ACCOUNTS }, (_, i) =>
    add(`${String(i).padStart(6, '0')}:${'x'.repeat(121)}`),
  );
  expect(await carry.save(KEY, 4, long, 1_000)).toBe(true);
  const kept = (await carry.take(KEY, 4, 1_000)) ?? [];
  expect(kept.length).toBeGreaterThan(1_000);
  expect(kept.length).toBeLessThan(CARRY_MAX_ACCOUNTS);
  expect(kept).toEqual(long.slice(0, kept.length));
});
