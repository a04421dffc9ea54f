/**
 * A permission run's pass (src/sync/permission-pass.ts): the target it compares next, going around when the desired
 * grants changed, and the pass kept between jobs while young.
 */
import {
  nextTarget,
  PERMISSION_PASS_MAX_AGE_MS,
  PermissionPasses,
  passToGoOn,
  RULE_GROUPS_MAX_AGE_MS,
  type PermissionPass,
} from '../../src/sync/permission-pass';
import { kvsPerTest } from '../support/kvs-per-test';

const fixture = kvsPerTest();

const KEYS = ['project:A', 'project:B', 'repository:a', 'repository:b'];

/** Every key a pass compares from `pass` on, in order, as the run walks them. */
function walk(keys: readonly string[], pass: Pick<PermissionPass, 'after' | 'until' | 'wrapped'>): string[] {
  const seen: string[] = [];
  let at = { ...pass };
  for (let next = nextTarget(keys, at); next !== undefined && seen.length < 20; next = nextTarget(keys, at)) {
    seen.push(next.key);
    at = { ...at, after: next.key, ...(next.wrapped ? { wrapped: true } : {}) };
  }
  return seen;
}

it('walks the targets in key order from where a pass stopped, and around to where it began when it began later', () => {
  expect(walk(KEYS, {})).toEqual(KEYS);
  expect(walk(KEYS, { after: 'project:B' })).toEqual(['repository:a', 'repository:b']);
  // Begun after project:B (the desired grants changed there): on to the end, then from the first back to project:B.
  expect(walk(KEYS, { after: 'project:B', until: 'project:B' })).toEqual([
    'repository:a',
    'repository:b',
    'project:A',
    'project:B',
  ]);
  // The targets changed meanwhile: a key no longer there still marks the place.
  expect(walk(['project:A', 'repository:b'], { after: 'project:B', until: 'project:B' })).toEqual([
    'repository:b',
    'project:A',
  ]);
  expect(walk(KEYS, { after: 'project:A', until: 'project:B', wrapped: true })).toEqual(['project:B']);
  expect(walk([], {})).toEqual([]);
});

it('goes on with a pass made for the same stamp, around from its place when the desired grants changed, anew otherwise', () => {
  const kept: PermissionPass = {
    stamp: 's',
    desired: 'd',
    after: 'project:B',
    compared: 2,
    planned: 3,
    failed: 1,
    startedAt: 5,
  };
  expect(passToGoOn(kept, 's', 'd')).toBe(kept);
  expect(passToGoOn(kept, 's', 'd2')).toEqual({
    stamp: 's',
    desired: 'd2',
    after: 'project:B',
    until: 'project:B',
    compared: 0,
    planned: 0,
    failed: 0,
  });
  expect(passToGoOn(kept, 's2', 'd')).toEqual({ stamp: 's2', desired: 'd', compared: 0, planned: 0, failed: 0 });
  expect(passToGoOn(undefined, 's', 'd')).toEqual({ stamp: 's', desired: 'd', compared: 0, planned: 0, failed: 0 });
  expect(passToGoOn({ ...kept, after: undefined }, 's', 'd2')).toEqual({
    stamp: 's',
    desired: 'd2',
    compared: 0,
    planned: 0,
    failed: 0,
  });
});

it('keeps a pass for the next job while young, from when it began, and forgets it when dropped or too old', async () => {
  const passes = new PermissionPasses(fixture.kvs);
  expect(await passes.take(0)).toBeUndefined();
  const pass: PermissionPass = { stamp: 's', desired: 'd', after: 'project:A', compared: 1, planned: 0, failed: 0 };
  await passes.save(pass, 1_000);
  expect(await passes.take(2_000)).toEqual({ ...pass, startedAt: 1_000 });
  // Saved again later, it keeps the time it began: its age counts from there.
  await passes.save({ ...pass, after: 'project:B', startedAt: 1_000 }, 60_000);
  expect(await passes.take(1_000 + PERMISSION_PASS_MAX_AGE_MS)).toMatchObject({ after: 'project:B', startedAt: 1_000 });
  expect(await passes.take(1_000 + PERMISSION_PASS_MAX_AGE_MS + 1)).toBeUndefined();
  await passes.drop();
  expect(await passes.take(2_000)).toBeUndefined();
});

it('reuses the groups a job read for the same names while no group changed, for ten minutes at most', async () => {
  const passes = new PermissionPasses(fixture.kvs);
  const groups = [{ id: 'g1', displayName: 'Engineering', groupSlug: 'scim-engineering' }];
  const at = 1_000_000;
  expect(await passes.keptGroups(['Engineering'], 'c1', at)).toBeUndefined();
  await passes.keepGroups(['Engineering', 'Ops'], 'c1', groups, at);
  // The same names in another order and case: the rules compare them case-insensitively.
  expect(await passes.keptGroups(['ops', 'ENGINEERING', 'Ops'], 'c1', at + 60_000)).toEqual(groups);
  expect(await passes.keptGroups(['Engineering'], 'c1', at)).toBeUndefined();
  expect(await passes.keptGroups(['Engineering', 'Ops'], 'c2', at)).toBeUndefined();
  expect(await passes.keptGroups(['Engineering', 'Ops'], 'c1', at + RULE_GROUPS_MAX_AGE_MS + 1)).toBeUndefined();
  // A list too long to keep cheaply is read again in each job.
  const many = Array.from({ length: 2_000 }, (_, i) => ({
    id: `g${i}`,
    displayName: `Group ${i} ${'x'.repeat(40)}`,
    groupSlug: `g-${i}`,
  }));
  await passes.keepGroups(['Big'], 'c3', many, at);
  expect(await passes.keptGroups(['Big'], 'c3', at)).toBeUndefined();
  expect(await passes.keptGroups(['Engineering', 'Ops'], 'c1', at)).toEqual(groups);
});

it('gives a new groups token each time the groups change, so groups kept under the old one are read again', async () => {
  const passes = new PermissionPasses(fixture.kvs);
  const first = await passes.groupsChangedToken();
  await passes.keepGroups(['Engineering'], first, [{ id: 'g1', displayName: 'Engineering', groupSlug: 'e' }], 0);
  await passes.noteGroupsChanged();
  const second = await passes.groupsChangedToken();
  expect(second).not.toBe(first);
  expect(await passes.keptGroups(['Engineering'], second, 0)).toBeUndefined();
  await passes.noteGroupsChanged();
  expect(await passes.groupsChangedToken()).not.toBe(second);
});
