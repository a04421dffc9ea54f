/**
 * Lineage budgets of queue pushes (src/sync/lineage-budget.ts): a drain and a job never hand out more pushes than
 * their lineage has left, a drain that cannot pay for all its entries leaves the rest after the watermark, an event
 * of an older version (no budget) pushes nothing, and the sync sweep resumes pending work from a fresh origin.
 */
import { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { Dispatcher } from '../../src/sync/dispatcher';
import type { BatchReport } from '../../src/sync/engine-ports';
import { laneOf, type JobQueue, type SyncEntry, type SyncJob } from '../../src/sync/jobs';
import { ORIGIN_PUSH_BUDGET, spendInTurn, splitBudget } from '../../src/sync/lineage-budget';
import { kvsPerTest } from '../support/kvs-per-test';

class RecordingQueue implements JobQueue {
  readonly pushed: { jobs: readonly SyncJob[]; delaySeconds: number | undefined }[] = [];
  async push(jobs: readonly SyncJob[], options?: { delaySeconds?: number }): Promise<void> {
    this.pushed.push({ jobs, delaySeconds: options?.delaySeconds });
  }
  /** Pushes made and the budgets they handed out: what the lineage spent. */
  spent(): number {
    return this.pushed.reduce((sum, p) => sum + 1 + p.jobs.reduce((s, job) => s + (job.budget ?? 0), 0), 0);
  }
  syncedKeys(): string[] {
    return this.pushed.flatMap((p) =>
      p.jobs.flatMap((job) => (job.type === 'sync' ? job.entries.map((e) => e.key) : [])),
    );
  }
}

/** An engine that reports what it is given to report. */
class ScriptedEngine {
  report: Partial<BatchReport> = {};
  async process(_entries: readonly SyncEntry[]): Promise<BatchReport> {
    return { applied: 0, remoteWrites: 0, failed: 0, deferred: 0, enqueuedMore: false, leftover: [], ...this.report };
  }
}

describe('splitBudget and spendInTurn', () => {
  it('splits a budget into whole shares that add up to it', () => {
    expect(splitBudget(10, 3)).toEqual([4, 3, 3]);
    expect(splitBudget(2, 5)).toEqual([1, 1, 0, 0, 0]);
    expect(splitBudget(5, 0)).toEqual([]);
  });

  it('pays only for follow-ups that leave each pushed event a push of its own, in the order given', async () => {
    const shares: number[] = [];
    const push = async (share: number) => {
      shares.push(share);
      return true;
    };
    expect(await spendInTurn(7, [push, push, push])).toBe(0);
    expect(shares).toEqual([2, 1, 1]);
    shares.length = 0;
    expect(await spendInTurn(3, [push, push])).toBe(0);
    expect(shares).toEqual([2]);
    shares.length = 0;
    expect(await spendInTurn(1, [push])).toBe(1);
    expect(shares).toEqual([]);
  });

  it('leaves the share of a follow-up that does not push to the later ones', async () => {
    const shares: number[] = [];
    const skip = async () => false;
    const push = async (share: number) => {
      shares.push(share);
      return true;
    };
    expect(await spendInTurn(6, [skip, push])).toBe(0);
    expect(shares).toEqual([5]);
  });
});

describe('dispatcher lineage budgets', () => {
  const fixture = kvsPerTest();
  let queue: RecordingQueue;
  let engine: ScriptedEngine;

  function parts() {
    const store = new KvsDirectoryStore({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms) });
    const dispatcher = new Dispatcher(store, fixture.kvs, queue, engine, { now: () => fixture.clock.ms });
    return { store, dispatcher };
  }

  beforeEach(() => {
    queue = new RecordingQueue();
    engine = new ScriptedEngine();
  });

  it('hands out no more than its budget: half to the next drain while more wait, the rest to its jobs', async () => {
    const { store, dispatcher } = parts();
    for (let i = 0; i < 40; i += 1) {
      await store.enqueue(Array.from({ length: 25 }, (_, j) => `User.u${String(i * 25 + j).padStart(5, '0')}`));
      fixture.clock.ms += 1;
    }
    expect(await dispatcher.drain({ budget: 100 })).toBe(600);
    expect(queue.spent()).toBe(100);
    const jobPushes = queue.pushed.filter((p) => p.jobs[0]?.type === 'sync').length;
    const left = 100 - jobPushes - 1;
    expect(queue.pushed.at(-1)).toEqual({
      jobs: [{ v: 1, type: 'drain', budget: Math.ceil(left / 2) }],
      delaySeconds: 15,
    });
    const jobs = queue.pushed.flatMap((p) => p.jobs).filter((job) => job.type === 'sync');
    expect(jobs.reduce((sum, job) => sum + (job.budget ?? 0), 0)).toBe(Math.floor(left / 2));
  });

  it('takes only what its budget pays for, and leaves the rest after the watermark for the next drain', async () => {
    const { store, dispatcher } = parts();
    const keys = Array.from({ length: 500 }, (_, i) => `User.u${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 25) {
      await store.enqueue(keys.slice(i, i + 25));
      fixture.clock.ms += 1;
    }
    // One push of at most 50 jobs, and no next drain: the lineage has spent its budget.
    const taken = await dispatcher.drain({ budget: 1 });
    expect(taken).toBeGreaterThan(0);
    expect(queue.pushed).toHaveLength(1);
    expect(queue.pushed[0]?.jobs.length).toBeLessThanOrEqual(50);
    expect(queue.spent()).toBe(1);
    // A fresh origin's drain takes the rest, and nothing twice.
    expect(await dispatcher.drain()).toBe(500 - taken);
    expect(queue.syncedKeys().sort()).toEqual(keys);
  });

  it('queues nothing without a budget, as for a drain an older version pushed', async () => {
    const { store, dispatcher } = parts();
    await store.enqueue(['User.a']);
    expect(await dispatcher.handle({ v: 1, type: 'drain' })).toBeUndefined();
    expect(await dispatcher.drain({ budget: 0 })).toBe(0);
    expect(queue.pushed).toEqual([]);
  });

  it("spends a job's share on its follow-ups, and makes none without one, leaving its leftovers to any drain", async () => {
    const { store, dispatcher } = parts();
    // The job's entry is pending at its version (a job whose entries are not ends at once, doing nothing).
    const job = async () => {
      await store.enqueue(['User.a']);
      const version = (await store.pendingVersions(['User.a'])).get('User.a') ?? 0;
      return { v: 1, type: 'sync', lane: laneOf('User.a'), entries: [{ key: 'User.a', version }] } as const;
    };
    engine.report = { leftover: ['User.a'], failed: 1 };
    await dispatcher.handle(await job());
    expect(queue.pushed).toEqual([]);
    expect((await store.pendingChanges(5)).entries.map((e) => e.resourceKey)).toEqual(['User.a']);
    await dispatcher.handle({ ...(await job()), budget: 9 });
    // A drain for the leftover soon, a sweep for the failure after the retry delay, each with a share of the rest.
    expect(queue.pushed).toEqual([
      { jobs: [{ v: 1, type: 'drain', budget: 4 }], delaySeconds: 1 },
      { jobs: [{ v: 1, type: 'drain', sweep: true, budget: 3 }], delaySeconds: 60 },
    ]);
  });

  it('resumes from a fresh origin: nothing when the outbox is empty, a drain while jobs run, a sweep once quiet', async () => {
    const { store, dispatcher } = parts();
    expect(await dispatcher.resume()).toBe('nothing');
    await store.enqueue(['User.a']);
    // No job has finished yet (no lane has a saved allowance): nothing is taken to be queued.
    expect(await dispatcher.resume()).toBe('sweep');
    await fixture.kvs.set('pace:lane-2', { at: fixture.clock.ms - 60_000, read: 10, write: 10 });
    expect(await dispatcher.resume()).toBe('drain');
    fixture.clock.ms += 5 * 60_000;
    expect(await dispatcher.resume()).toBe('sweep');
    expect(queue.pushed.map((p) => p.jobs)).toEqual([
      [{ v: 1, type: 'drain', sweep: true, budget: ORIGIN_PUSH_BUDGET - 1 }],
      [{ v: 1, type: 'drain', budget: ORIGIN_PUSH_BUDGET - 1 }],
      [{ v: 1, type: 'drain', sweep: true, budget: ORIGIN_PUSH_BUDGET - 1 }],
    ]);
  });

  it("passes a reconcile's lineage on from step to step, and leaves the step for the sync sweep when too little is left", async () => {
    const { store, dispatcher } = parts();
    await store.create('User', { userName: 'a@example.com' });
    const reconcileSteps = () => queue.pushed.flatMap((p) => p.jobs).filter((job) => job.type === 'reconcile');
    // The next step (the groups) gets all but its push and the three this step's drain may spend.
    await dispatcher.reconcile({ budget: 20 });
    expect(reconcileSteps()).toEqual([{ v: 1, type: 'reconcile', kind: 'Group', budget: 16 }]);
    expect(queue.spent()).toBeLessThanOrEqual(20);
    queue.pushed.length = 0;
    await dispatcher.reconcile({ budget: 1 });
    expect(reconcileSteps()).toEqual([]);
    // The sync sweep, a fresh origin, pushes the step the reconcile stopped at, once.
    expect(await dispatcher.resume()).toBe('reconcile');
    expect(reconcileSteps()).toEqual([{ v: 1, type: 'reconcile', kind: 'Group', budget: ORIGIN_PUSH_BUDGET - 1 }]);
    expect(await dispatcher.resume()).not.toBe('reconcile');
  });

  it('gives a kick inside a queue consumer only what it is given, and nothing below the two pushes it needs', async () => {
    const { dispatcher } = parts();
    await dispatcher.kick(3);
    expect(queue.pushed).toEqual([]);
    await dispatcher.kick(8);
    expect(queue.pushed.map((p) => p.jobs[0]?.budget)).toEqual([3, 3]);
  });
});
