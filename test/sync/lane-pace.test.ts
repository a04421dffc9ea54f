/** A lane's saved allowance (src/sync/lane-pace.ts): refilled at its pace up to the cap, and when its last job ended. */
import { LANE_ALLOWANCE_CAP, LanePace, lastLaneJobAt } from '../../src/sync/lane-pace';
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
