/** Carried grant changes (src/sync/permission-carry.ts): kept for the next job while young, never when too large. */
import {
  PERMISSION_CARRY_MAX_AGE_MS,
  PERMISSION_CARRY_MAX_CHANGES,
  PermissionCarry,
} from '../../src/sync/permission-carry';
import type { GrantChange } from '../../src/sync/permission-rules';
import { kvsPerTest } from '../support/kvs-per-test';

const fixture = kvsPerTest();

const put = (n: number): GrantChange => ({
  kind: 'put',
  target: { type: 'repository', id: `repo-${n}` },
  groupSlug: 'scim-developers',
  permission: 'read',
});

it('keeps changes for the next job while young, and forgets them when dropped or too old', async () => {
  const carry = new PermissionCarry(fixture.kvs);
  expect(await carry.take(0)).toBeUndefined();
  expect(
    await carry.save({ stamp: 's1', groups: ['scim-developers\u0000Developers'], changes: [put(1), put(2)] }, 1_000),
  ).toBe(true);
  expect(await carry.take(2_000)).toEqual({
    stamp: 's1',
    groups: ['scim-developers\u0000Developers'],
    changes: [put(1), put(2)],
  });
  expect(await carry.take(1_000 + PERMISSION_CARRY_MAX_AGE_MS + 1)).toBeUndefined();
  await carry.drop();
  expect(await carry.take(2_000)).toBeUndefined();
});

it('keeps nothing, and forgets an older carry, when the rest is larger than a carry may be', async () => {
  const carry = new PermissionCarry(fixture.kvs);
  await carry.save({ stamp: 's1', groups: [], changes: [put(1)] }, 1_000);
  const many = Array.from({ length: PERMISSION_CARRY_MAX_CHANGES + 1 }, (_, n) => put(n));
  expect(await carry.save({ stamp: 's2', groups: [], changes: many }, 2_000)).toBe(false);
  expect(await carry.take(2_000)).toBeUndefined();
  // The largest carry fits one KVS value (240 KiB).
  const largest = many.slice(0, PERMISSION_CARRY_MAX_CHANGES);
  expect(await carry.save({ stamp: 's3', groups: ['scim-developers\u0000Developers'], changes: largest }, 3_000)).toBe(
    true,
  );
  expect((await carry.take(3_000))?.changes).toHaveLength(PERMISSION_CARRY_MAX_CHANGES);
});
