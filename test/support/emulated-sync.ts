/**
 * The sync composed as for Forge (createSync) over in-process linked emulators and a local KVS, its target the
 * emulated organization: what the sync engine tests run against; and the outbox read as the engine's entries.
 */
import { createLinkedEmulators, slugifyGroupName, type LinkedEmulators } from '../../emulators';
import { emulatorFetch } from '../../emulators/emulator-fetch';
import type { KvsFixture } from '../../rigs/local-kvs-fixture';
import { createSync, engineSettings, type SyncOptions, type SyncParts } from '../../src/app/create-sync';
import type { DirectoryStore } from '../../src/directory/directory-store';
import { EMULATED_TARGET } from '../../src/local/local-host';
import { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import { meteredKvs } from '../../src/storage/metered-kvs';
import { budgetStorageMeter, callsSpent, withinBudget } from '../../src/sync/call-budget';
import type { EngineAuditEntry, SyncEngineDeps } from '../../src/sync/engine-ports';
import type { SyncEntry } from '../../src/sync/jobs';
import { SyncEngine } from '../../src/sync/sync-engine';
import type { SyncSettings } from '../../src/sync/settings';
import type { TargetFetch } from '../../src/targets/http/target-fetch';

/** Where the Admin API emulator answers. */
export const ADMIN_BASE = 'https://admin.emulated.test';
/** Where the Bitbucket emulator answers. */
export const BITBUCKET_BASE = 'https://bitbucket.emulated.test';

/** How to build one. */
export interface EmulatedSyncOptions {
  /** Wraps the fetch to the emulators (a test's faults, or its look at each request). */
  readonly fetch?: (toEmulators: TargetFetch) => TargetFetch;
  /** Options of createSync beyond the ones built here. */
  readonly sync?: Partial<SyncOptions>;
  /** Settings saved over the defaults, after the target. */
  readonly settings?: Partial<SyncSettings>;
  /**
   * Whether the directory store's storage requests count against the running call budget, as the app's store's do
   * (src/app/create-app.ts); off by default, so a test's budget covers the sync's own requests only.
   */
  readonly meteredStore?: boolean;
}

/** What was built. */
export interface EmulatedSync {
  readonly emulators: LinkedEmulators;
  readonly store: KvsDirectoryStore;
  readonly sync: SyncParts;
}

/** Builds the emulators, the directory store and the sync on `fixture`'s KVS and clock, and saves the target (and `settings`). */
export async function emulatedSync(fixture: KvsFixture, options: EmulatedSyncOptions = {}): Promise<EmulatedSync> {
  const emulators = createLinkedEmulators();
  const toEmulators = emulatorFetch(
    { baseUrl: ADMIN_BASE, emulator: emulators.admin },
    { baseUrl: BITBUCKET_BASE, emulator: emulators.bitbucket },
  );
  const store = new KvsDirectoryStore({
    kvs: options.meteredStore ? meteredKvs(fixture.kvs, budgetStorageMeter) : fixture.kvs,
    now: () => new Date(fixture.clock.ms),
  });
  const sync = createSync({
    kvs: fixture.kvs,
    store,
    queue: { push: async () => undefined },
    fetch: options.fetch === undefined ? toEmulators : options.fetch(toEmulators),
    baseUrls: () => ({ admin: ADMIN_BASE, bitbucket: BITBUCKET_BASE }),
    credentials: async () => ({
      orgApiKey: 'org-key',
      bitbucketEmail: 'admin@emulated.example',
      bitbucketApiToken: 'api-token',
    }),
    clock: { now: () => fixture.clock.ms, sleep: async () => undefined },
    now: () => new Date(fixture.clock.ms),
    ...options.sync,
  });
  await sync.settings.save({ ...(await sync.settings.get()), target: EMULATED_TARGET, ...options.settings });
  return { emulators, store, sync };
}

/** Every pending outbox entry of `store`, oldest first, as the engine takes them. */
export async function pendingEntries(store: DirectoryStore): Promise<SyncEntry[]> {
  const out: SyncEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.pendingChanges(20, cursor);
    out.push(...page.entries.map((e) => ({ key: e.resourceKey, version: e.version })));
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** Processes what is pending, batch after batch, as the dispatcher's jobs would (leftovers go back to the outbox). */
export async function runUntilIdle(built: Pick<EmulatedSync, 'store' | 'sync'>): Promise<void> {
  for (let round = 0; round < 10; round += 1) {
    const entries = await pendingEntries(built.store);
    if (entries.length === 0) return;
    const report = await built.sync.engine.process(entries);
    if (report.leftover.length > 0) await built.store.enqueue(report.leftover);
  }
  throw new Error('the outbox did not empty');
}

/**
 * An engine over the composition's links, settings and targets, with org group names `<prefix><displayName in lower
 * case>`, `naming` replaced where a test says, and its audit entries pushed onto `audit`.
 */
export function engineOf(
  built: Pick<EmulatedSync, 'store' | 'sync'>,
  fixture: KvsFixture,
  audit: EngineAuditEntry[],
  naming?: Partial<SyncEngineDeps['naming']>,
): SyncEngine {
  const { store, sync } = built;
  return new SyncEngine({
    store,
    links: sync.links,
    settings: async () => engineSettings(await sync.settings.get()),
    targets: async () => {
      const connected = await sync.connect();
      return connected.ok ? { admin: connected.admin, bitbucket: connected.bitbucket } : undefined;
    },
    emailOf: (user) => (typeof user.userName === 'string' ? user.userName : undefined),
    naming: {
      orgGroupName: (displayName, prefix) => `${prefix}${displayName.toLowerCase()}`,
      groupSlug: slugifyGroupName,
      ...naming,
    },
    audit: { record: async (entries) => void audit.push(...entries) },
    now: () => new Date(fixture.clock.ms),
  });
}

/**
 * Runs jobs of what is pending (25 entries at most, oldest first), each within `budget` calls as a Forge consumer's
 * would be, until the outbox is empty; what each job spent and how many jobs held `watch`. The clock moves 5 s a job.
 */
export async function runBudgetedJobs(
  built: Pick<EmulatedSync, 'store' | 'sync'>,
  fixture: KvsFixture,
  options: { readonly budget: number; readonly watch: string; readonly maxJobs: number },
): Promise<{ spent: number[]; watched: number }> {
  const spent: number[] = [];
  let watched = 0;
  const clock = { now: () => fixture.clock.ms, sleep: async () => undefined };
  for (let job = 0; job < options.maxJobs; job += 1) {
    const entries = (await pendingEntries(built.store)).slice(0, 25);
    if (entries.length === 0) return { spent, watched };
    if (entries.some((e) => e.key === options.watch)) watched += 1;
    const report = await withinBudget({ calls: options.budget, millis: 600_000 }, clock, async () => {
      const done = await built.sync.engine.process(entries);
      spent.push(callsSpent());
      return done;
    });
    if (report.leftover.length > 0) await built.store.enqueue(report.leftover);
    fixture.clock.ms += 5_000;
  }
  const left = await pendingEntries(built.store);
  const links = await Promise.all(left.slice(0, 3).map((e) => built.sync.links.get(e.key)));
  throw new Error(
    `the outbox did not empty in ${options.maxJobs} jobs: ${JSON.stringify(left.slice(0, 5))} ${JSON.stringify(links)}`,
  );
}
