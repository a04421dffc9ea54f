/** ForgeJobQueue splits jobs into pushes that @forge/events' own validator accepts: at most 50 events and 200 KB. */
import { validatePushEvents } from '@forge/events/out/validators';
import { ForgeJobQueue, packPushes, type EventQueue } from '../../src/forge/forge-job-queue';
import type { SyncJob } from '../../src/sync/jobs';

function syncJob(entries: number, offset: number): SyncJob {
  return {
    v: 1,
    type: 'sync',
    entries: Array.from({ length: entries }, (_, i) => ({
      key: `User.${String(offset + i).padStart(8, '0')}-0000-4000-8000-000000000000`,
      version: 1_700_000_000_000 + i,
    })),
  };
}

describe('ForgeJobQueue', () => {
  it('packs 60 jobs of 100 entries (about 450 KB) into pushes the genuine validator accepts, in order', async () => {
    const pushed: unknown[][] = [];
    const queue: EventQueue = {
      push: async (events) => {
        validatePushEvents(events);
        pushed.push(events.map((e) => e.body));
        return { jobId: String(pushed.length) };
      },
    };
    const jobs = Array.from({ length: 60 }, (_, j) => syncJob(100, j * 100));
    await new ForgeJobQueue(queue).push(jobs, { delaySeconds: 3 });
    expect(pushed.length).toBeGreaterThanOrEqual(3);
    expect(pushed.flat()).toEqual(jobs);
    for (const events of pushed)
      expect(
        Buffer.byteLength(JSON.stringify(events.map((body) => ({ body, delayInSeconds: 3 })))) / 1024,
      ).toBeLessThanOrEqual(200);
  });

  it('keeps at most 50 small events in one push', () => {
    const pushes = packPushes(Array.from({ length: 120 }, () => ({ body: { v: 1, type: 'drain' } })));
    expect(pushes.map((p) => p.length)).toEqual([50, 50, 20]);
  });
});
