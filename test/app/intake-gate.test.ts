/** The intake gate (src/app/intake-gate.ts): membership writes held to their share of the storage quotas. */
import {
  INTAKE_BURST_MS,
  INTAKE_SHARDS,
  INTAKE_UNITS_PER_MINUTE,
  IntakeGate,
  membershipWriteCost,
} from '../../src/app/intake-gate';
import { kvsPerTest } from '../support/kvs-per-test';

const fixture = kvsPerTest();

it('admits a burst, then holds writes with the seconds until their shard has room, then admits again', async () => {
  // The local KVS meters Forge's quotas on the same clock. One shard (random 0), so the arithmetic is the gate's alone.
  const gate = new IntakeGate(
    fixture.kvs,
    () => fixture.clock.ms,
    () => 0,
  );
  const msPerUnit = 60_000 / (INTAKE_UNITS_PER_MINUTE / INTAKE_SHARDS);
  const patch = { units: 5 };
  const perPatch = patch.units * msPerUnit;
  let admitted = 0;
  for (let i = 0; i < 40; i += 1) if ((await gate.admit(patch)).admitted) admitted += 1;
  // The shard takes PATCHes until booked INTAKE_BURST_MS ahead.
  expect(admitted).toBe(Math.floor(INTAKE_BURST_MS / perPatch));
  const held = await gate.admit(patch);
  expect(held.admitted).toBe(false);
  expect(held).toEqual({
    admitted: false,
    retryAfterSeconds: Math.ceil(((admitted + 1) * perPatch - INTAKE_BURST_MS) / 1000),
  });
  fixture.clock.ms += 5_000;
  let later = 0;
  for (let i = 0; i < 20; i += 1) if ((await gate.admit(patch)).admitted) later += 1;
  expect(later).toBe(Math.floor((INTAKE_BURST_MS - (admitted * perPatch - 5_000)) / perPatch));
  // Sustained: admitted units over two minutes stay at the shard's rate.
  let units = 0;
  for (let second = 0; second < 120; second += 1) {
    fixture.clock.ms += 1_000;
    for (let i = 0; i < 15; i += 1) if ((await gate.admit(patch)).admitted) units += patch.units;
  }
  const rate = (INTAKE_UNITS_PER_MINUTE / INTAKE_SHARDS) * 2;
  expect(units).toBeLessThanOrEqual(rate + patch.units);
  expect(units).toBeGreaterThanOrEqual(rate - 2 * patch.units);
});

it('admits one write larger than the burst when its shard has nothing booked', async () => {
  const gate = new IntakeGate(
    fixture.kvs,
    () => fixture.clock.ms,
    () => 0.99,
  );
  expect(await gate.admit({ units: 200 })).toEqual({ admitted: true });
  expect((await gate.admit({ units: 1 })).admitted).toBe(false);
});

it('prices writes that change a group’s members, and nothing else', () => {
  const members = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `u${i}` }));
  const patch = (operations: unknown[]) => JSON.stringify({ Operations: operations });
  expect(membershipWriteCost('PATCH', 'Group', patch([{ op: 'add', path: 'members', value: members(50) }]))).toEqual({
    units: 5,
  });
  expect(membershipWriteCost('PATCH', 'Group', patch([{ op: 'remove', path: 'members[value eq "u1"]' }]))).toEqual({
    units: 3,
  });
  expect(membershipWriteCost('PATCH', 'Group', patch([{ op: 'add', value: { members: members(1000) } }]))).toEqual({
    units: 43,
  });
  expect(membershipWriteCost('POST', 'Group', JSON.stringify({ displayName: 'x', members: members(3) }))).toEqual({
    units: 3,
  });
  expect(membershipWriteCost('PATCH', 'Group', patch([{ op: 'replace', path: 'displayName', value: 'y' }]))).toBe(
    undefined,
  );
  expect(membershipWriteCost('POST', 'Group', JSON.stringify({ displayName: 'x' }))).toBeUndefined();
  expect(membershipWriteCost('PATCH', 'User', patch([{ op: 'add', path: 'members', value: members(5) }]))).toBe(
    undefined,
  );
  expect(membershipWriteCost('PATCH', 'Group', '{not json')).toBeUndefined();
});
