/**
 * The dispatcher's kick window: a burst of writes costs two queue events, a write after the first drain is still
 * drained by the trailing one, and a kick key that storage has not yet expired does not swallow later kicks.
 */
import { createSync } from '../../src/app/create-sync';
import { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { laneOf, PERMISSIONS_LANE, SYNC_LANES, type JobQueue, type SyncJob } from '../../src/sync/jobs';
import { kvsPerTest } from '../support/kvs-per-test';

class RecordingQueue implements JobQueue {
  readonly pushed: { jobs: readonly SyncJob[]; delaySeconds: number | undefined }[] = [];
  async push(jobs: readonly SyncJob[], options?: { delaySeconds?: number }): Promise<void> {
    this.pushed.push({ jobs, delaySeconds: options?.delaySeconds });
  }
}

describe('dispatcher kick window', () => {
  const fixture = kvsPerTest();
  let queue: RecordingQueue;
  let now: number;

  function dispatcher() {
    const store = new KvsDirectoryStore({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms) });
    return createSync({
      kvs: fixture.kvs,
      store,
      queue,
      fetch: () => Promise.reject(new Error('no remote calls in this test')),
      dispatcher: { kickWindowSeconds: 10, drainDelaySeconds: 2, now: () => now },
    }).dispatcher;
  }

  beforeEach(() => {
    now = fixture.clock.ms;
    queue = new RecordingQueue();
  });

  it('schedules a drain soon and a trailing drain at the window end for the first kick only', async () => {
    const d = dispatcher();
    await d.kick();
    expect(queue.pushed.map((p) => [p.jobs[0]?.type, p.delaySeconds])).toEqual([
      ['drain', 2],
      ['drain', 11],
    ]);
    // A web trigger's kick is an origin: its two pushes and the two drains' lineages share one budget.
    expect(queue.pushed.map((p) => p.jobs[0]?.budget)).toEqual([449, 449]);
    now += 4000;
    fixture.clock.ms += 4000;
    await d.kick();
    await d.kick();
    expect(queue.pushed).toHaveLength(2);
  });

  it('absorbs the kicks of other instances (other function invocations) through storage', async () => {
    await dispatcher().kick();
    now += 4000;
    fixture.clock.ms += 4000;
    await dispatcher().kick();
    expect(queue.pushed).toHaveLength(2);
  });

  it('starts a new window once the old one is over, even while storage still holds the expired kick key', async () => {
    const d = dispatcher();
    await d.kick();
    fixture.clock.ms += 5000;
    now += 10_500;
    await d.kick();
    expect(queue.pushed).toHaveLength(4);
    now += 1000;
    await d.kick();
    expect(queue.pushed).toHaveLength(4);
    fixture.clock.ms += 20_000;
    now += 20_000;
    await d.kick();
    expect(queue.pushed).toHaveLength(6);
  });

  it('runs only its own lane of a job, and sends the entries of other lanes back to the outbox for their lanes', async () => {
    const d = dispatcher();
    const keys = ['User.a', 'User.b', 'User.c', 'User.d', 'User.e', 'User.f', 'User.g', 'User.h'];
    expect(new Set(keys.map(laneOf)).size).toBeGreaterThan(1);
    const store = new KvsDirectoryStore({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms) });
    await store.enqueue(keys);
    const versions = await store.pendingVersions(keys);
    const entries = keys.map((key) => ({ key, version: versions.get(key) ?? 0 }));
    await d.handle({ v: 1, type: 'sync', entries, budget: 10 });
    // Entries of other lanes are enqueued again (a version of their own); the lane's own are not.
    const after = await store.pendingVersions(keys);
    const requeued = keys.filter((key) => after.has(key) && after.get(key) !== versions.get(key));
    expect(requeued.sort()).toEqual(keys.filter((key) => laneOf(key) !== 0).sort());
    expect(queue.pushed.some((p) => p.jobs[0]?.type === 'drain')).toBe(true);
  });

  it('ends a job whose entries are done or superseded after one read, without its lane allowance', async () => {
    const d = dispatcher();
    const store = new KvsDirectoryStore({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms) });
    const [superseded = '', done = ''] = Array.from({ length: 20 }, (_, i) => `User.u${i}`).filter(
      (key) => laneOf(key) === 0,
    );
    const keys = [superseded, done];
    await store.enqueue(keys);
    const first = await store.pendingVersions(keys);
    // A newer entry of one resource is pending (its own job does it), the other's is gone (a job did it already).
    await store.enqueue([superseded]);
    expect(await store.acknowledge(done, first.get(done) ?? 0)).toBe(true);
    const entries = keys.map((key) => ({ key, version: first.get(key) ?? 0 }));
    fixture.service.stats.reset();
    expect(await d.handle({ v: 1, type: 'sync', lane: 0, entries, budget: 10 })).toBeUndefined();
    expect(fixture.service.stats.snapshot()).toMatchObject({ total: 1, writes: 0, transactions: 0 });
    expect(queue.pushed).toHaveLength(0);
    expect(await fixture.kvs.get('pace:lane-0')).toBeUndefined();
  });

  it('puts the entries of one lane in each job it pushes', async () => {
    const d = dispatcher();
    const store = new KvsDirectoryStore({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms) });
    const keys = [...Array.from({ length: 40 }, (_, i) => `User.u${i}`), 'Permissions.all'];
    await store.enqueue(keys);
    expect(await d.drain()).toBe(41);
    const jobs = queue.pushed
      .flatMap((p) => p.jobs)
      .filter((job): job is Extract<SyncJob, { type: 'sync' }> => job.type === 'sync');
    for (const job of jobs) expect(job.entries.every((entry) => laneOf(entry.key) === job.lane)).toBe(true);
    expect(jobs.flatMap((job) => job.entries.map((entry) => entry.key)).sort()).toEqual([...keys].sort());
    expect(new Set(jobs.map((job) => job.lane)).size).toBe(SYNC_LANES);
    // Users and groups share the first lanes; permission sync has the last to itself.
    expect(jobs.filter((job) => job.lane === PERMISSIONS_LANE).flatMap((job) => job.entries)).toEqual([
      expect.objectContaining({ key: 'Permissions.all' }),
    ]);
  });

  it('defers permission sync while groups are changing, with one job of its own lane queued however many jobs meet the wait, which runs it although it was queued again since', async () => {
    const store = new KvsDirectoryStore({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms) });
    let remoteCalls = 0;
    const sync = createSync({
      kvs: fixture.kvs,
      store,
      queue,
      fetch: () => {
        remoteCalls += 1;
        return Promise.reject(new Error('no remote calls in this test'));
      },
      clock: { now: () => fixture.clock.ms, sleep: async () => undefined },
      credentials: async () => ({ orgApiKey: 'k', bitbucketEmail: 'a@b.example', bitbucketApiToken: 't' }),
      now: () => new Date(fixture.clock.ms),
      permissionQuietSeconds: 30,
      dispatcher: { now: () => fixture.clock.ms },
    });
    await sync.settings.save({
      ...(await sync.settings.get()),
      target: { orgId: 'o', directoryId: 'd', workspace: 'w', workspaceResourceId: 'r' },
    });
    await sync.links.put({
      key: 'Permissions.all',
      state: 'pending',
      attempts: 0,
      groupsChangedAt: new Date(fixture.clock.ms - 10_000).toISOString(),
    });
    await store.enqueue(['Permissions.all']);
    const [entry] = (await store.pendingChanges(5)).entries;
    if (!entry) throw new Error('no outbox entry');
    const job = {
      v: 1,
      type: 'sync',
      lane: laneOf(entry.resourceKey),
      entries: [{ key: entry.resourceKey, version: entry.version }],
      budget: 10,
    } as const;
    await sync.dispatcher.handle(job);
    await sync.dispatcher.handle(job);
    // One push after the wait, however many jobs met it: a job of the permission lane (a drain would reach the entry
    // only behind everything queued before it), with a plain drain for what the run waits for, each with half the
    // job's share of its lineage's budget.
    expect(queue.pushed.map((p) => [p.jobs.map((j) => j.type), p.delaySeconds])).toEqual([[['sync', 'drain'], 20]]);
    const shares = queue.pushed[0]?.jobs.map((j) => j.budget ?? 0) ?? [];
    expect(Math.abs((shares[0] ?? 0) - (shares[1] ?? 0))).toBeLessThanOrEqual(1);
    const [deferred] = queue.pushed[0]?.jobs ?? [];
    expect(deferred).toMatchObject({ lane: PERMISSIONS_LANE, entries: [{ key: 'Permissions.all' }] });
    expect((await store.pendingChanges(5)).entries).toHaveLength(1);
    // Groups change again meanwhile: the Permissions entry is queued anew, and the deferred job still runs it.
    await store.enqueue(['Permissions.all']);
    fixture.clock.ms += 30_000;
    if (deferred?.type !== 'sync') throw new Error('no deferred job');
    expect(remoteCalls).toBe(0);
    await expect(sync.dispatcher.handle(deferred)).rejects.toThrow('GET /workspaces/{workspace}/projects');
    expect(remoteCalls).toBeGreaterThan(0);
  });
});

describe('dispatcher drains', () => {
  const fixture = kvsPerTest();
  let queue: RecordingQueue;

  function parts() {
    const store = new KvsDirectoryStore({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms) });
    const sync = createSync({
      kvs: fixture.kvs,
      store,
      queue,
      fetch: () => Promise.reject(new Error('no remote calls in this test')),
      dispatcher: { now: () => fixture.clock.ms },
    });
    return { store, dispatcher: sync.dispatcher };
  }

  const syncedKeys = (): string[] =>
    queue.pushed.flatMap((p) => p.jobs.flatMap((job) => (job.type === 'sync' ? job.entries.map((e) => e.key) : [])));
  const drains = (): { sweep: boolean; delaySeconds: number | undefined }[] =>
    queue.pushed.flatMap((p) =>
      p.jobs
        .filter((job) => job.type === 'drain')
        .map((job) => ({ sweep: job.type === 'drain' && job.sweep === true, delaySeconds: p.delaySeconds })),
    );

  beforeEach(() => {
    queue = new RecordingQueue();
  });

  it('does not push again what an earlier drain queued, and a sweep pushes every pending entry', async () => {
    const { store, dispatcher } = parts();
    await store.enqueue(['User.a', 'User.b']);
    expect(await dispatcher.drain()).toBe(2);
    fixture.clock.ms += 1000;
    await store.enqueue(['User.c']);
    expect(await dispatcher.drain()).toBe(1);
    expect(await dispatcher.drain()).toBe(0);
    expect(syncedKeys()).toEqual(['User.a', 'User.b', 'User.c']);
    expect(await dispatcher.drain({ sweep: true })).toBe(3);
  });

  it('pushes an entry enqueued in the same millisecond as the last one a drain queued, and only that one', async () => {
    const { store, dispatcher } = parts();
    await store.enqueue(['User.a']);
    expect(await dispatcher.drain()).toBe(1);
    await store.enqueue(['User.b']);
    expect(await dispatcher.drain()).toBe(1);
    expect(await dispatcher.drain()).toBe(0);
    expect(syncedKeys()).toEqual(['User.a', 'User.b']);
  });

  it('pushes what is still pending once the watermark has expired', async () => {
    const { store, dispatcher } = parts();
    await store.enqueue(['User.a']);
    await dispatcher.drain();
    fixture.clock.ms += 601_000;
    expect(await dispatcher.drain()).toBe(1);
  });

  it('stops at 600 entries without splitting an instant, and schedules the next drain', async () => {
    const { store, dispatcher } = parts();
    for (let i = 0; i < 48; i += 1) {
      await store.enqueue(Array.from({ length: 25 }, (_, j) => `User.u${String(i * 25 + j).padStart(5, '0')}`));
      fixture.clock.ms += 1;
    }
    // 25 entries an instant: the drain takes 24 instants (600 entries) and stops there.
    expect(await dispatcher.drain()).toBe(600);
    expect(drains()).toEqual([{ sweep: false, delaySeconds: 15 }]);
    expect(await dispatcher.drain()).toBe(600);
    expect(new Set(syncedKeys()).size).toBe(1200);
  });
});

describe('dispatcher reconcile', () => {
  const fixture = kvsPerTest();

  it('enqueues users then groups one bounded page a step, each step queuing the next, permissions last', async () => {
    const queue = new RecordingQueue();
    let requests = 0;
    const counted = new Proxy(fixture.kvs, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          requests += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const plain = new KvsDirectoryStore({ kvs: fixture.kvs, now: () => new Date(fixture.clock.ms) });
    const users: string[] = [];
    // The local KVS meters Forge's quotas on this test's clock: the seeding moves it 100 ms a create.
    for (let i = 0; i < 1_230; i += 1) {
      fixture.clock.ms += 100;
      users.push((await plain.create('User', { userName: `u${i}@example.com` })).id);
    }
    const groups: string[] = [];
    for (let i = 0; i < 3; i += 1) groups.push((await plain.create('Group', { displayName: `G${i}` })).id);
    // The writes left entries; the reconcile is judged by what it enqueues, so the outbox starts empty.
    for (const entry of (await plain.pendingChanges(2_000)).entries)
      await plain.acknowledge(entry.resourceKey, entry.version);
    const store = new KvsDirectoryStore({ kvs: counted, now: () => new Date(fixture.clock.ms) });
    const { dispatcher } = createSync({
      kvs: counted,
      store,
      queue,
      fetch: () => Promise.reject(new Error('no remote calls in this test')),
    });
    const steps: SyncJob[] = [{ v: 1, type: 'reconcile' }];
    const perStep: number[] = [];
    const delays: number[] = [];
    while (steps.length > 0) {
      const step = steps.shift();
      if (step?.type !== 'reconcile') break;
      requests = 0;
      queue.pushed.length = 0;
      fixture.clock.ms += 10_000;
      await dispatcher.reconcile(step);
      // The drain's own reads and pushes are bounded by the budget; the step's part is what is measured here.
      perStep.push(requests);
      const next = queue.pushed.filter((p) => p.jobs.some((job) => job.type === 'reconcile'));
      delays.push(...next.map((p) => p.delaySeconds ?? 0));
      steps.push(...next.flatMap((p) => p.jobs).filter((job) => job.type === 'reconcile'));
      expect(steps.length).toBeLessThanOrEqual(1);
    }
    const pending = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await plain.pendingChanges(100, cursor);
      for (const entry of page.entries) pending.add(entry.resourceKey);
      cursor = page.cursor;
    } while (cursor);
    expect(pending).toEqual(
      new Set([...users.map((id) => `User.${id}`), ...groups.map((id) => `Group.${id}`), 'Permissions.all']),
    );
    // 1,230 users in pages of 500 or so whole shards, then the groups: four steps, none near 100 requests.
    expect(perStep.length).toBeGreaterThanOrEqual(4);
    // A page with more of its kind after it makes the next step wait 20 s, so the steps' jobs stay within Forge's 500
    // events a minute; after the last page of users the groups' step follows at once.
    expect(delays).toEqual([20, 20, 0]);
    expect(Math.max(...perStep)).toBeLessThan(100);
    expect(await fixture.kvs.get('status:last-reconcile')).toEqual(expect.any(String));
  });
});
