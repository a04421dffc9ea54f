/** The intake gate (src/app/intake-gate.ts): membership writes held to their share of the storage quotas. */
import { INTAKE_UNITS_PER_MINUTE, IntakeGate, membershipWriteCost } from '../../src/app/intake-gate';
import { kvsPerTest } from '../support/kvs-per-test';

const fixture = kvsPerTest();

it('admits a burst, then holds writes with the seconds until their shard has room, then admits again', async () => {
  // The local KVS meters Forge's quotas on the same clock. One shard (random 0), so the arithmetic is the gate's
  // alone: 400 units a minute, 150 ms a unit.
  const gate = new IntakeGate(
    fixture.kvs,
    () => fixture.clock.ms,
    () => 0,
  );
  const patch = { units: 4 };
  let admitted = 0;
  for (let i = 0; i < 40; i += 1) if ((await gate.admit(patch)).admitted) admitted += 1;
  // 10 s of burst at 600 ms a PATCH of 50 (4 units at 150 ms).
  expect(admitted).toBe(16);
  const held = await gate.admit(patch);
  expect(held).toEqual({ admitted: false, retryAfterSeconds: 1 });
  fixture.clock.ms += 5_000;
  let later = 0;
  for (let i = 0; i < 20; i += 1) if ((await gate.admit(patch)).admitted) later += 1;
  expect(later).toBe(9);
  // Sustained: admitted units over a long stretch stay at the shard's rate.
  let units = 0;
  for (let second = 0; second < 120; second += 1) {
    fixture.clock.ms += 1_000;
    for (let i = 0; i < 15; i += 1) if ((await gate.admit(patch)).admitted) units += 4;
  }
  expect(units).toBeLessThanOrEqual(((INTAKE_UNITS_PER_MINUTE / 4) * 120) / 60 + 4);
  expect(units).toBeGreaterThanOrEqual(((INTAKE_UNITS_PER_MINUTE / 4) * 120) / 60 - 4);
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
    units: 4,
  });
  expect(membershipWriteCost('PATCH', 'Group', patch([{ op: 'remove', path: 'members[value eq "u1"]' }]))).toEqual({
    units: 2,
  });
  expect(membershipWriteCost('PATCH', 'Group', patch([{ op: 'add', value: { members: members(1000) } }]))).toEqual({
    units: 42,
  });
  expect(membershipWriteCost('POST', 'Group', JSON.stringify({ displayName: 'x', members: members(3) }))).toEqual({
    units: 2,
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
