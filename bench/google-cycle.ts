/**
 * `npm run bench:google [-- --users N] [--groups N] [--record] [--slow]`: the Google Workspace pull
 * (src/sources/create-pull.ts, composed as on Forge) on the local Forge runtime (bench/forge-rig.ts), in `enforce`
 * mode unless --record, on a virtual clock with the fixed latency model (30 ms a KVS request, 250 ms an API call, 1 s
 * push to delivery; --slow doubles them), against the emulated Google Workspace (emulators/google) seeded with
 * 10,000 users and 500 groups by default (seedGoogleDomain: suspended and archived users, nested groups, one cycle,
 * the whole customer as a member of one group, an outside member) and Google's default quota of 2,400 queries a
 * minute.
 *
 * The admin saves the source (every user, every group) and the service account key, previews and approves; then
 * the scheduled trigger starts a pull (the first one writes the directory), and an hour later the next one, with
 * nothing changed in Google. Each runs as a chain of `directory-pull` consumer invocations. The sync engine is not
 * run: what a pull costs is measured alone (its directory writes wait in the outbox). Storage units are those of
 * the invocations of each pull (the scheduled start and the consumers); directory writes are KVS writes to the
 * directory's own entities (users, groups, members, name claims, rosters, outbox), counted at the storage service.
 * It prints figures and asserts nothing; its last line is one JSON object.
 */
import { performance } from 'node:perf_hooks';
import { emulatorFetch } from '../emulators/emulator-fetch';
import type { Emulator } from '../emulators/emulator-types';
import { GOOGLE_TOKEN_PATH, GoogleWorkspaceEmulator } from '../emulators/google/google-emulator';
import { GOOGLE_QUERIES_PER_MINUTE } from '../emulators/google/google-quota';
import { SEEDED_GOOGLE_ADMIN, seedGoogleDomain } from '../emulators/google/google-seed';
import { createApp } from '../src/app/create-app';
import { createSync } from '../src/app/create-sync';
import { ForgeJobQueue, SYNC_QUEUE_KEY } from '../src/forge/forge-job-queue';
import { makePullSchedule, makePullWorker, pullQueue } from '../src/forge/pull-worker';
import type { RuntimeMode } from '../src/local/forge-runtime';
import { createPull, PULL_QUEUE_KEY, type PullParts } from '../src/sources/create-pull';
import { SELECT_EVERYTHING } from '../src/sources/google/google-selection';
import { GOOGLE_DIRECTORY_BASE_URL, GOOGLE_TOKEN_URL } from '../src/sources/google/scopes';
import type { PullSummary } from '../src/sources/pull/pull-runner';
import { forgeRig, usageLines, type KvsUsage } from './forge-rig';

/** The directory's own storage (src/storage/kvs-directory-store.ts, manifest.yml): a write here is a directory write. */
const DIRECTORY_ENTITIES = new Set([
  'scim-user',
  'scim-group',
  'scim-member',
  'scim-claim',
  'scim-roster',
  'sync-outbox',
]);
/** How long a pull may take before the benchmark gives up on it (virtual time). */
const PULL_CAP_MS = 12 * 3600_000;
/** Forge's scheduled trigger interval the pull schedule runs on (manifest.yml `pull-schedule`). */
const TICK_MS = 5 * 60_000;

interface Options {
  readonly users: number;
  readonly groups: number;
  readonly mode: RuntimeMode;
  readonly slow: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let users = 10_000;
  let groups = 500;
  let mode: RuntimeMode = 'enforce';
  let slow = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--users') users = Number(argv[(i += 1)]);
    else if (arg === '--groups') groups = Number(argv[(i += 1)]);
    else if (arg === '--record') mode = 'record';
    else if (arg === '--slow') slow = true;
    else throw new Error(`Unknown option ${arg}; see the comment at the top of bench/google-cycle.ts`);
  }
  if (!Number.isInteger(users) || users < 1 || !Number.isInteger(groups) || groups < 4)
    throw new Error('--users takes a whole number of at least 1, --groups of at least 4');
  return { users, groups, mode, slow };
}

/** The Google emulator with its Directory calls and token requests counted apart. */
function countingGoogle(emulator: GoogleWorkspaceEmulator, tally: { directory: number; token: number }): Emulator {
  return {
    async handle(request) {
      if (request.path === GOOGLE_TOKEN_PATH) tally.token += 1;
      else tally.directory += 1;
      return emulator.handle(request);
    },
  };
}

/** Figures of one pull (or preview). */
interface PullFigures {
  readonly summary: PullSummary;
  readonly directoryApiCalls: number;
  readonly tokenRequests: number;
  readonly invocations: number;
  readonly violations: number;
  readonly googleSpecViolations: number;
  readonly minutes: number;
  readonly kvs: KvsUsage;
  readonly directoryWrites: number;
  readonly usage: Map<string, KvsUsage>;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const wallStart = performance.now();
  // Directory writes and the usage table of the phase being measured.
  const phase = { directoryWrites: 0, usage: new Map<string, KvsUsage>() };
  const rig = forgeRig({
    mode: options.mode,
    slow: options.slow,
    onRequest: (endpoint, entity, cost) => {
      if (cost.writeUnits > 0 && DIRECTORY_ENTITIES.has(entity)) phase.directoryWrites += 1;
    },
  });
  const { clock, runtime, kvs } = rig;
  const now = (): Date => new Date(clock.now());

  const google = new GoogleWorkspaceEmulator({
    clock,
    state: seedGoogleDomain({ users: options.users, groups: options.groups }),
  });
  google.quota.setLimit(GOOGLE_QUERIES_PER_MINUTE);
  const keyFile = google.createServiceAccountKey('scim-sync');
  const tally = { directory: 0, token: 0 };
  const counted = countingGoogle(google, tally);
  const fetch = runtime.remote(
    emulatorFetch(
      { baseUrl: GOOGLE_DIRECTORY_BASE_URL, emulator: counted },
      { baseUrl: new URL(GOOGLE_TOKEN_URL).origin, emulator: counted },
    ),
  );

  const app = createApp({ kvs, logger: { error: () => undefined }, now });
  const sync = createSync({
    kvs,
    store: app.store,
    queue: new ForgeJobQueue(runtime.queue(SYNC_QUEUE_KEY)),
    fetch: async () => {
      throw new Error('The benchmark runs no sync');
    },
    credentials: async () => undefined,
    clock: runtime.appClock,
    now,
    dispatcher: { now: () => clock.now() },
  });
  const pull: PullParts = createPull({
    kvs,
    store: app.store,
    fetch,
    clock: runtime.appClock,
    now,
    queue: pullQueue(runtime.queue(PULL_QUEUE_KEY)),
    breaker: sync.breaker,
    syncSettings: () => sync.settings.get(),
    auditLog: app.auditLog,
  });
  runtime.consume(
    PULL_QUEUE_KEY,
    makePullWorker(async () => pull),
  );
  const schedule = makePullSchedule(async () => pull);

  // The admin's Set-up page: the source, the key, the admin to impersonate and the hourly schedule.
  await runtime.resolver('source/save', async () => {
    await pull.sources.saveKey(JSON.stringify(keyFile));
    await pull.sources.save({
      kind: 'google-workspace',
      google: { subject: SEEDED_GOOGLE_ADMIN, selection: SELECT_EVERYTHING, schedule: 'hourly' },
    });
  });

  const inside = (): KvsUsage => {
    const sum: KvsUsage = { requests: 0, readUnits: 0, writeUnits: 0 };
    for (const [kind, row] of rig.byKind) {
      if (kind === 'outside') continue;
      sum.requests += row.requests;
      sum.readUnits += row.readUnits;
      sum.writeUnits += row.writeUnits;
    }
    return sum;
  };
  const usageSnapshot = (): Map<string, KvsUsage> => new Map([...rig.usage].map(([key, row]) => [key, { ...row }]));
  const usageSince = (before: Map<string, KvsUsage>): Map<string, KvsUsage> =>
    new Map(
      [...rig.usage]
        .map(([key, row]): [string, KvsUsage] => {
          const was = before.get(key) ?? { requests: 0, readUnits: 0, writeUnits: 0 };
          return [
            key,
            {
              requests: row.requests - was.requests,
              readUnits: row.readUnits - was.readUnits,
              writeUnits: row.writeUnits - was.writeUnits,
            },
          ];
        })
        .filter(([, row]) => row.requests > 0),
    );

  /** Runs one pull from `begin` until its run is gone, the schedule ticking every five minutes meanwhile, as on Forge. */
  const measure = async (
    label: string,
    begin: () => Promise<unknown>,
    result: () => Promise<PullSummary | undefined>,
  ): Promise<PullFigures> => {
    const before = {
      kvs: inside(),
      calls: { ...tally },
      invocations: runtime.stats().invocations.invocations.consumer,
      violations: runtime.stats().violations,
      spec: google.violations.length,
      at: clock.now(),
      usage: usageSnapshot(),
    };
    phase.directoryWrites = 0;
    await begin();
    for (;;) {
      await runtime.idle();
      if ((await pull.runner.current()) === undefined) break;
      // The chain of invocations broke off (a failed push or invocation): the schedule restarts it after a while.
      if (clock.now() - before.at > PULL_CAP_MS)
        throw new Error(
          `${label} did not finish within ${PULL_CAP_MS / 3600_000} virtual hours; violations: ${runtime.violations.summary().slice(0, 3).join('; ') || 'none'}`,
        );
      await clock.sleep(TICK_MS);
      await runtime.scheduled('pull-schedule', schedule);
    }
    const summary = await result();
    if (summary === undefined) throw new Error(`${label}: no summary`);
    const after = inside();
    return {
      summary,
      directoryApiCalls: tally.directory - before.calls.directory,
      tokenRequests: tally.token - before.calls.token,
      invocations: runtime.stats().invocations.invocations.consumer - before.invocations,
      violations: runtime.stats().violations - before.violations,
      googleSpecViolations: google.violations.length - before.spec,
      minutes: (Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 60_000,
      kvs: {
        requests: after.requests - before.kvs.requests,
        readUnits: after.readUnits - before.kvs.readUnits,
        writeUnits: after.writeUnits - before.kvs.writeUnits,
      },
      directoryWrites: phase.directoryWrites,
      usage: usageSince(before.usage),
    };
  };

  const print = (label: string, f: PullFigures): void => {
    const c = f.summary.changes;
    console.log(`\n== ${label}`);
    console.log(
      `  read ${f.summary.usersRead} users and ${f.summary.groupsRead} groups with ${f.directoryApiCalls} Directory API calls (${f.tokenRequests} token requests) in ${f.invocations} invocations, ${f.minutes.toFixed(1)} virtual min`,
    );
    console.log(
      `  ${f.summary.mode === 'preview' ? 'would change' : 'changed'}: users +${c.usersCreated} ~${c.usersUpdated} deactivated ${c.usersDeactivated}; groups +${c.groupsCreated} ~${c.groupsUpdated} -${c.groupsDeleted}; members +${c.membersAdded} -${c.membersRemoved}; unchanged ${f.summary.unchangedUsers} users, ${f.summary.unchangedGroups} groups`,
    );
    console.log(
      `  findings: ${f.summary.findings.outsideDomain.count} members outside the domain, ${f.summary.findings.cycles.length} cycles, ${f.summary.heldDeactivations} deactivations held by the breaker`,
    );
    console.log(
      `  KVS: ${f.kvs.requests} requests, ${f.kvs.readUnits} read units, ${f.kvs.writeUnits} write units; directory writes (at the storage service) ${f.directoryWrites}, by the pull's count ${c.directoryWrites}`,
    );
    console.log(
      `  violations: ${f.violations} of Forge's limits, ${f.googleSpecViolations} of the Directory API's discovery document`,
    );
    console.log(
      `  KVS by invocation and endpoint (requests / read units / write units):\n    ${usageLines(f.usage, 12).join('\n    ')}`,
    );
  };

  console.log(
    `Google Workspace pull benchmark on the local Forge runtime (${options.mode} mode${options.slow ? ', --slow' : ''})`,
  );
  console.log(
    `Model: ${rig.latency.kvsMs} ms a KVS request, ${rig.latency.remoteMs} ms an API call, ${rig.latency.deliveryMs} ms push to delivery; Google quota ${GOOGLE_QUERIES_PER_MINUTE} queries a minute; KVS quotas 4,000 read and 4,000 write units a minute.`,
  );
  console.log(
    `Domain: ${options.users} users (every 37th suspended, every 97th archived) and the admin, ${options.groups} groups (some nested, one cycle, one with the whole customer as member).`,
  );

  const preview = await measure(
    'preview',
    () => runtime.resolver('source/preview', () => pull.start('preview', 'admin')),
    async () => (await pull.status()).lastPreview,
  );
  print('Preview (required before pulls apply)', preview);
  if (!(await runtime.resolver('source/approve', () => pull.approve())))
    throw new Error('The preview could not be approved');

  const first = await measure(
    'first pull',
    () => runtime.scheduled('pull-schedule', schedule),
    async () => (await pull.status()).lastPull,
  );
  print('First pull (the scheduled trigger; the directory is empty)', first);

  // An hour later the schedule finds the next pull due; nothing changed in Google meanwhile.
  await clock.sleep(3600_000);
  const second = await measure(
    'second pull',
    () => runtime.scheduled('pull-schedule', schedule),
    async () => (await pull.status()).lastPull,
  );
  if (second.summary.runId === first.summary.runId) throw new Error('The second pull did not run');
  print('Second pull, nothing changed (an hour later, the scheduled trigger)', second);

  const stats = runtime.stats();
  console.log(
    `\nRuntime: invocations ${JSON.stringify(stats.invocations.invocations)}, longest ${(stats.invocations.maxInvocationFraction * 100).toFixed(0)}% of its limit (${stats.invocations.longest ?? '-'}), max outbound requests in one invocation ${stats.invocations.maxOutboundRequests}, peak heap growth in one invocation ${(stats.invocations.peakHeapDeltaBytes / 1048576).toFixed(0)} MB`,
  );
  console.log(
    `  queue: ${stats.events.pushes} pushes, ${stats.events.deliveries} deliveries (${stats.events.redeliveries} redeliveries); Google quota refusals ${google.quota.refused}`,
  );
  console.log(
    `  violations: ${stats.violations}${stats.violations > 0 ? `\n    ${runtime.violations.summary().join('\n    ')}` : ''}`,
  );
  console.log(`  wall ${((performance.now() - wallStart) / 1000).toFixed(0)} s`);
  runtime.stop();
  await rig.close();

  const figures = (f: PullFigures): Record<string, number> => ({
    directory_api_calls: f.directoryApiCalls,
    token_requests: f.tokenRequests,
    invocations: f.invocations,
    violations: f.violations,
    pull_minutes: Number(f.minutes.toFixed(2)),
    kvs_read_units: f.kvs.readUnits,
    kvs_write_units: f.kvs.writeUnits,
    kvs_requests: f.kvs.requests,
    directory_writes: f.directoryWrites,
  });
  console.log(
    JSON.stringify({
      mode: options.mode,
      slow: options.slow,
      users: first.summary.usersRead,
      groups: first.summary.groupsRead,
      violations: stats.violations,
      google_spec_violations: google.violations.length,
      preview: figures(preview),
      first_pull: figures(first),
      unchanged_pull: figures(second),
      writes_on_unchanged_pull: Math.max(second.directoryWrites, second.summary.changes.directoryWrites),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
