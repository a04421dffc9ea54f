/**
 * Forge's cyclic limit (1,000 queue pushes descending from one originating invocation) met by a long sync on the
 * local Forge runtime in `enforce` mode, on a virtual clock: an engine that always leaves work over makes the sync a
 * tree of thousands of pushes (drains push jobs, jobs push drains), more than one origin may make. The lineage budget
 * (src/sync/lineage-budget.ts) keeps every tree within the limit, and the five-minute sync sweep resumes what a spent
 * lineage left, so all the work is done. The dispatcher, the queue adapter, the consumer and the five-minute trigger
 * that runs the sweep (src/forge/five-minute.ts) are the app's own; only the engine is a stand-in, and the trigger's
 * other two jobs have nothing to do.
 */
import path from 'node:path';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { fiveMinuteSteps, makeFiveMinute } from '../../../src/forge/five-minute';
import { ForgeJobQueue, SYNC_QUEUE_KEY } from '../../../src/forge/forge-job-queue';
import { makeSyncSweep, makeSyncWorker } from '../../../src/forge/sync-worker';
import { DEFAULT_LATENCY, FORGE_LIMITS, ForgeRuntime } from '../../../src/local/forge-runtime';
import { KvsDirectoryStore } from '../../../src/storage/kvs-directory-store';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../../src/storage/local-kvs';
import { Dispatcher } from '../../../src/sync/dispatcher';
import type { BatchReport } from '../../../src/sync/engine-ports';
import { SYNC_LANES, type SyncEntry } from '../../../src/sync/jobs';

jest.setTimeout(240_000);

const MANIFEST = path.resolve(__dirname, '../../../manifest.yml');
/** Resources in the outbox when the IdP's last write kicks the sync: enough for more pushes than one origin may make. */
const RESOURCES = 800;
/** Jobs each resource needs before it is done: a job finishes one entry and leaves the rest of its batch. */
const PASSES = 2;
/** Virtual time a job's remote work takes. */
const JOB_MS = 4000;
const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * An engine that finishes the first entry of a batch and leaves the others, as a job whose budget ran low does; a
 * resource is done after PASSES jobs. Every tenth resource's first pass enqueues one more (a user's groups), and
 * every seventh one's fails once (its entry stays behind the watermark, for a sweep).
 */
class LeavingEngine {
  readonly passes = new Map<string, number>();
  private readonly failedOnce = new Set<string>();
  jobs = 0;

  constructor(
    private readonly store: KvsDirectoryStore,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  async process(entries: readonly SyncEntry[]): Promise<BatchReport> {
    this.jobs += 1;
    await this.sleep(JOB_MS);
    const [first, ...rest] = entries;
    const report = { applied: 0, remoteWrites: 0, failed: 0, deferred: 0, enqueuedMore: false };
    if (!first) return { ...report, leftover: [] };
    const index = Number(first.key.split('.r')[1] ?? '0');
    if (index % 50 === 7 && !this.failedOnce.has(first.key)) {
      this.failedOnce.add(first.key);
      return { ...report, failed: 1, leftover: rest.map((e) => e.key) };
    }
    const pass = (this.passes.get(first.key) ?? 0) + 1;
    this.passes.set(first.key, pass);
    let enqueuedMore = false;
    if (pass === 1 && index % 10 === 0 && first.key.startsWith('User.')) {
      await this.store.enqueue([`Group.r${index}`]);
      enqueuedMore = true;
    }
    const leftover = rest.map((e) => e.key);
    if (pass < PASSES) leftover.unshift(first.key);
    else await this.store.acknowledge(first.key, first.version);
    return { ...report, applied: 1, enqueuedMore, leftover };
  }
}

it('keeps every tree of pushes of a long sync within the cyclic limit, and still finishes all its work', async () => {
  const clock = new VirtualClock({ autoAdvance: true });
  const runtime = new ForgeRuntime({ mode: 'enforce', clock, latency: DEFAULT_LATENCY });
  const service = createLocalKvsService({
    entities: loadEntityDefinitions(MANIFEST),
    clock: () => clock.now(),
    quotaMode: 'enforce',
    onQuotaViolation: (v) =>
      runtime.report({ limit: v.limit, observed: v.observed, allowed: v.allowed, detail: v.path }),
  });
  const kvs = createLocalKvs({ fetch: runtime.storage(service.fetch) });
  const store = new KvsDirectoryStore({ kvs, now: () => new Date(clock.now()), sleep: runtime.appClock.sleep });
  const engine = new LeavingEngine(store, (ms) => runtime.appClock.sleep(ms));
  const dispatcher = new Dispatcher(store, kvs, new ForgeJobQueue(runtime.queue(SYNC_QUEUE_KEY)), engine, {
    now: () => clock.now(),
    clock: runtime.appClock,
  });
  runtime.consume(SYNC_QUEUE_KEY, makeSyncWorker({ handle: (job) => dispatcher.handle(job), warn: () => undefined }));
  const keys = Array.from({ length: RESOURCES }, (_, i) => `User.r${i}`);
  await store.enqueue(keys);

  // The IdP's last write: its web-trigger invocation kicks the dispatcher, the origin of the whole sync that follows.
  const webTrigger = runtime.webTrigger(async () => {
    await dispatcher.kick();
    return { statusCode: 204, headers: {} };
  });
  await webTrigger({}, {});
  const startedAt = clock.now();
  const nothingToDo = async () => ({ statusCode: 204 as const });
  const syncSweep = makeSyncSweep(async () => dispatcher);
  const warnings: string[] = [];
  const fiveMinute = makeFiveMinute(
    fiveMinuteSteps({ pullSchedule: nothingToDo, reviewStep: nothingToDo, syncSweep }),
    (line) => warnings.push(line),
  );
  let sweeps = 0;
  let finished = false;
  // Forge runs the five-minute trigger, and so the sync sweep, every five minutes, a fresh origin each time; twelve
  // virtual hours at most.
  while (!finished && clock.now() - startedAt < 12 * 3600_000 && runtime.violations.total === 0) {
    await clock.sleep(SWEEP_EVERY_MS);
    const pending = (await store.pendingChanges(1)).entries.length;
    const idle = await Promise.race([runtime.idle().then(() => true), clock.sleep(1).then(() => false)]);
    finished = pending === 0 && idle;
    if (!finished) {
      await runtime.scheduled('five-minute', fiveMinute);
      sweeps += 1;
    }
  }
  const minutes = (clock.now() - startedAt) / 60_000;
  const stats = runtime.stats();
  runtime.stop();
  await service.close();

  console.log(
    `${RESOURCES} resources, ${engine.jobs} jobs, ${stats.events.pushes} pushes (${stats.events.eventsPushed} events), ` +
      `at most ${stats.events.maxPushesPerOrigin} from one origin, ${sweeps} sync sweeps, ${minutes.toFixed(0)} virtual min`,
  );
  expect(runtime.violations.summary()).toEqual([]);
  expect(warnings).toEqual([]);
  expect(finished).toBe(true);
  // Every resource was worked on PASSES times (or more: a job delivered twice), and the groups the first passes
  // enqueued too.
  const groups = keys.filter((_, i) => i % 10 === 0).map((key) => key.replace('User.', 'Group.'));
  expect([...engine.passes.entries()].filter(([, passes]) => passes < PASSES)).toEqual([]);
  expect([...engine.passes.keys()].sort()).toEqual([...keys, ...groups].sort());
  // The sync made more pushes than one origin may, and no tree came near the limit's breach.
  expect(stats.events.pushes).toBeGreaterThan(FORGE_LIMITS.pushesPerOriginatingInvocation);
  expect(stats.events.maxPushesPerOrigin).toBeLessThanOrEqual(FORGE_LIMITS.pushesPerOriginatingInvocation);
  // Without stalling: the lanes' work, one job at a time per lane, bounds the time from below; the sweeps' pauses
  // between lineages add little to it.
  const laneMinutes = (engine.jobs * JOB_MS) / SYNC_LANES / 60_000;
  expect(minutes).toBeLessThan(laneMinutes * 2 + 15);
});
