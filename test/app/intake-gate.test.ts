/** The intake gate (src/app/intake-gate.ts): membership writes held to their share of the storage quotas. */
import {
  INTAKE_BURST_MS,
  INTAKE_SHARDS,
  INTAKE_UNITS_PER_MINUTE,
  IntakeGate,
  membershipWriteCost,
} from '../../src/app/intake-gate';
import { MAX_JSON_DEPTH } from '../../src/scim/json-depth';
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

/** The gate's price of a write, with the service's default body limit. */
function priceOf(method: string, resourceType: string, body: string, maxBodyBytes = 1024 * 1024) {
  const headers = { 'content-type': ['application/scim+json'] };
  const request = { method, path: `/${resourceType}s/g1`, query: {}, headers, body, baseUrl: 'https://scim.test' };
  return membershipWriteCost(request, resourceType, maxBodyBytes);
}

it('prices writes that change a group’s members, and nothing else', () => {
  const members = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `u${i}` }));
  const patch = (operations: unknown[]) => JSON.stringify({ Operations: operations });
  expect(priceOf('PATCH', 'Group', patch([{ op: 'add', path: 'members', value: members(50) }]))).toEqual({
    units: 5,
  });
  expect(priceOf('PATCH', 'Group', patch([{ op: 'remove', path: 'members[value eq "u1"]' }]))).toEqual({
    units: 3,
  });
  expect(priceOf('PATCH', 'Group', patch([{ op: 'add', value: { members: members(1000) } }]))).toEqual({
    units: 43,
  });
  expect(priceOf('POST', 'Group', JSON.stringify({ displayName: 'x', members: members(3) }))).toEqual({
    units: 3,
  });
  expect(priceOf('PATCH', 'Group', patch([{ op: 'replace', path: 'displayName', value: 'y' }]))).toBe(undefined);
  expect(priceOf('POST', 'Group', JSON.stringify({ displayName: 'x' }))).toBeUndefined();
  expect(priceOf('PATCH', 'User', patch([{ op: 'add', path: 'members', value: members(5) }]))).toBe(undefined);
  expect(priceOf('PATCH', 'Group', '{not json')).toBeUndefined();
});

it('prices no body the SCIM layer refuses: too large, too deep, or not JSON', () => {
  const body = JSON.stringify({ Operations: [{ op: 'add', path: 'members', value: [{ value: 'u1' }] }] });
  expect(priceOf('PATCH', 'Group', body, Buffer.byteLength(body))).toEqual({ units: 3 });
  expect(priceOf('PATCH', 'Group', body, Buffer.byteLength(body) - 1)).toBeUndefined();
  const deep = `${'['.repeat(MAX_JSON_DEPTH)}1${']'.repeat(MAX_JSON_DEPTH)}`;
  expect(priceOf('PATCH', 'Group', body.replace('"u1"', `"u1","x":${deep}`))).toBeUndefined();
  const headers = { 'content-type': ['text/plain'] };
  const plain = { method: 'PATCH', path: '/Groups/g1', query: {}, headers, body, baseUrl: 'https://scim.test' };
  expect(membershipWriteCost(plain, 'Group', 1024 * 1024)).toBeUndefined();
});
