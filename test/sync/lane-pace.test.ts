/** A lane's saved allowance (src/sync/lane-pace.ts): refilled at its pace up to the cap, and when its last job ended. */
import { FINISH_REFRESH_MS, LANE_ALLOWANCE_CAP, LanePace, lastLaneJobAt } from '../../src/sync/lane-pace';
import { makeKvs, type KvsFixture } from '../../rigs/local-kvs-fixture';

let fixture: KvsFixture;
beforeEach(() => {
  fixture = makeKvs();
});
afterEach(() => fixture.service.close());

const PER_MINUTE = { read: 320, write: 420 };

it('starts a lane that never ran at the cap, and holds a lane that overspent to its debt until it has refilled', async () => {
  const pace = new LanePace(fixture.kvs, PER_MINUTE);
  expect(await pace.take('lane-0', 0)).toEqual(LANE_ALLOWANCE_CAP);
  await pace.save('lane-0', 0, LANE_ALLOWANCE_CAP, { read: 400, write: 10 }, 0);
  const after = await pace.take('lane-0', 30_000);
  expect(after.read).toBeCloseTo(LANE_ALLOWANCE_CAP.read - 400 + PER_MINUTE.read / 2);
  expect(after.write).toBe(LANE_ALLOWANCE_CAP.write);
});

it('says when the last job of any lane ended, which the status page shows as the last sync', async () => {
  const pace = new LanePace(fixture.kvs, PER_MINUTE);
  expect(await lastLaneJobAt(fixture.kvs, ['lane-0', 'lane-1'])).toBeUndefined();
  await pace.save('lane-0', 1_000, LANE_ALLOWANCE_CAP, { read: 1, write: 1 }, 5_000);
  await pace.save('lane-1', 1_000, LANE_ALLOWANCE_CAP, { read: 1, write: 1 }, 9_000);
  await pace.save('drain', 1_000, LANE_ALLOWANCE_CAP, { read: 1, write: 1 }, 20_000);
  expect(await lastLaneJobAt(fixture.kvs, ['lane-0', 'lane-1'])).toBe(9_000);
});

it('writes nothing after a job that left a full allowance full, while the saved finish is recent', async () => {
  const pace = new LanePace(fixture.kvs, PER_MINUTE);
  await pace.save('lane-0', 0, LANE_ALLOWANCE_CAP, { read: 1, write: 1 }, 1_000);
  const saved = await fixture.kvs.get('pace:lane-0');
  // The next job starts full (a second refills more than it used) and ends full: the saved value stays as it was.
  const next = new LanePace(fixture.kvs, PER_MINUTE);
  const start = await next.take('lane-0', 5_000);
  expect(start).toEqual(LANE_ALLOWANCE_CAP);
  await next.save('lane-0', 5_000, start, { read: 3, write: 2 }, 6_000);
  expect(await fixture.kvs.get('pace:lane-0')).toEqual(saved);
  // And a later job gets what the unwritten save would have given it: the cap.
  expect(await new LanePace(fixture.kvs, PER_MINUTE).take('lane-0', 6_000)).toEqual(LANE_ALLOWANCE_CAP);
  // A job that spends more than its run refills leaves less than the cap, which is saved.
  const spender = new LanePace(fixture.kvs, PER_MINUTE);
  const full = await spender.take('lane-0', 7_000);
  await spender.save('lane-0', 7_000, full, { read: 50, write: 2 }, 8_000);
  const after = await new LanePace(fixture.kvs, PER_MINUTE).take('lane-0', 8_000);
  expect(after.read).toBeCloseTo(LANE_ALLOWANCE_CAP.read - 50 + PER_MINUTE.read / 60);
  expect(after.write).toBe(LANE_ALLOWANCE_CAP.write);
});

it('saves the finish of a job that ends full once the saved one is FINISH_REFRESH_MS old, so the last sync stays near', async () => {
  await new LanePace(fixture.kvs, PER_MINUTE).save('lane-0', 0, LANE_ALLOWANCE_CAP, { read: 1, write: 1 }, 1_000);
  const pace = new LanePace(fixture.kvs, PER_MINUTE);
  const start = await pace.take('lane-0', FINISH_REFRESH_MS);
  await pace.save('lane-0', FINISH_REFRESH_MS, start, { read: 1, write: 1 }, FINISH_REFRESH_MS + 1_000);
  expect(await lastLaneJobAt(fixture.kvs, ['lane-0'])).toBe(FINISH_REFRESH_MS + 1_000);
});
