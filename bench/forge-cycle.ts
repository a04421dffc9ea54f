/**
 * `npm run bench:forge [-- --sizes 1000,10000,100000] [--slow] [--record] [--storage-not-outbound] [--phase-minutes M]`: the whole app on the local Forge runtime
 * (src/local/forge-runtime), in `enforce` mode unless --record, on a virtual clock with the fixed latency model
 * (30 ms a KVS request, 250 ms an API call, 1 s push to delivery; --slow doubles them).
 *
 * Per size N (users; N/20 groups, 3 memberships a user, a permission rule for each of the first 500 groups, the most
 * settings hold: MAX_RULES): an IdP pushes Entra-style (filter GET then POST per user and group, member PATCHes of 50;
 * a 429 or 503 retried after its Retry-After, at most IDP_TRIES tries) at 15 requests a second through the SCIM web
 * trigger, then the sync runs to convergence (outbox empty, queue idle); then one group of N members (10,000 at
 * most) is added in PATCHes of 1,000 and synced; then the scheduled reconcile runs and is synced. The five-minute
 * trigger with the sync sweep runs every five virtual minutes throughout, as on Forge (bench/five-minute-trigger.ts).
 * In enforce mode the first breach of any limit stops the size (it failed a call, as it would on Forge); a phase that
 * has not converged within 12 virtual hours, or whose wall time passes --phase-minutes (by default 6 up to 20,000 users
 * and 30 at 100,000: phaseMinutesFor), stops it too. The figures so
 * far are printed with the violations. It prints figures and asserts nothing; its last line is one JSON object (the
 * keys the strict-runtime issue names). Each size runs in a child process of its own, with a V8 heap limit sized to
 * it (bench/forge-sizes.ts); its peak RSS is that process's.
 */
import { performance } from 'node:perf_hooks';
import { emulatorFetch } from '../emulators/emulator-fetch';
import type { WriteLogOptions } from '../emulators/emulator-types';
import { createLinkedEmulators } from '../emulators/linked-emulators';
import { xorshiftRandom } from '../emulators/random';
import {
  EMULATED_BITBUCKET_RESOURCE_ID,
  EMULATED_DIRECTORY_ID,
  EMULATED_ORG_ID,
  EMULATED_PROJECTS,
  EMULATED_WORKSPACE_SLUG,
} from '../emulators/seed';
import { createApp } from '../src/app/create-app';
import { createSync, type SyncParts } from '../src/app/create-sync';
import { ForgeJobQueue, SYNC_QUEUE_KEY } from '../src/forge/forge-job-queue';
import { makeScimWebTrigger, type ForgeWebTriggerRequest } from '../src/forge/scim-web-trigger';
import { makeReconcile, makeSyncWorker } from '../src/forge/sync-worker';
import { DEFAULT_LATENCY, scaledLatency } from '../src/local/forge-runtime';
import { MAX_RULES, type PermissionRule } from '../src/sync/settings';
import { ADMIN_API_BASE_URL } from '../src/targets/admin-api/admin-api-operations';
import { BITBUCKET_BASE_URL } from '../src/targets/bitbucket/bitbucket-client';
import {
  busiestMinuteLines,
  callTimeline,
  countingEmulator,
  forgeRig,
  progressLine,
  operationCounts,
  phaseBreaches,
  timedTally,
  usageLines,
} from './forge-rig';
import { startFiveMinuteTrigger } from './five-minute-trigger';
import {
  childSize,
  parseOptions,
  phaseMinutesFor,
  reportToParent,
  runSizes,
  summaryOf,
  type Options,
  type SizeResult,
} from './forge-sizes';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SCIM_BASE = 'https://bench.invalid/x1/scim/v2';
const INTAKE_PER_SECOND = 15;
const IDP_LANES = 4;
/** Tries of one SCIM request, the first included, before the IdP gives up on it (and the run counts a failure). */
const IDP_TRIES = 20;
const PHASE_CAP_MS = 12 * 3600_000;
const BITBUCKET_PER_HOUR = 1000;
const KVS_WRITE_UNITS_PER_MINUTE = 4000;

function succeeded(entry: { status: number | 'dropped'; handledStatus?: number; applied: boolean }): boolean {
  const status = entry.status === 'dropped' ? entry.handledStatus : entry.status;
  return entry.applied && status !== undefined && status >= 200 && status < 300;
}

async function runSize(users: number, options: Options): Promise<SizeResult> {
  const groups = Math.max(1, Math.floor(users / 20));
  const wallStart = performance.now();
  const rig = forgeRig({
    mode: options.mode,
    slow: options.slow,
    storageCountsAsOutbound: options.storageCountsAsOutbound,
  });
  const { clock, runtime, kvs, usage, byKind, byMinute } = rig;
  // Writes that succeeded, counted as the emulators record them; they keep no write log (it grew with every write).
  const successes = { admin: 0, bitbucket: 0 };
  const counted = (api: keyof typeof successes): WriteLogOptions => ({
    keepWriteLog: false,
    onWrite: (entry) => {
      if (succeeded(entry)) successes[api] += 1;
    },
  });
  const emulators = createLinkedEmulators({ clock, admin: counted('admin'), bitbucket: counted('bitbucket') });
  // Org groups' creations are timed: permission grants can start only once their groups are there.
  const adminTally = timedTally(() => clock.now(), 'POST /v2/orgs/emulated-org/directories/emulated-directory/groups');
  const bitbucketTally = timedTally(() => clock.now());
  const fetch = runtime.remote(
    emulatorFetch(
      { baseUrl: ADMIN_API_BASE_URL, emulator: countingEmulator(emulators.admin, adminTally) },
      { baseUrl: BITBUCKET_BASE_URL, emulator: countingEmulator(emulators.bitbucket, bitbucketTally) },
    ),
  );
  const now = (): Date => new Date(clock.now());
  const late: { sync?: SyncParts } = {};
  const app = createApp({
    kvs,
    logger: { error: () => undefined },
    now,
    sleep: (ms) => runtime.appClock.sleep(ms),
    onWrite: async () => late.sync?.dispatcher.kick(),
  });
  const queue = new ForgeJobQueue(runtime.queue(SYNC_QUEUE_KEY));
  const delivered = new Map<string, number>();
  runtime.consume(
    SYNC_QUEUE_KEY,
    makeSyncWorker({
      handle: async (job) => {
        if (job.type === 'sync')
          for (const entry of job.entries)
            delivered.set(`${entry.key}@${entry.version}`, (delivered.get(`${entry.key}@${entry.version}`) ?? 0) + 1);
        return late.sync ? late.sync.dispatcher.handle(job) : undefined;
      },
      warn: () => undefined,
    }),
  );
  const sync = createSync({
    kvs,
    store: app.store,
    queue,
    fetch,
    credentials: async () => ({
      orgApiKey: 'bench-org-api-key',
      bitbucketEmail: 'admin@emulated.example',
      bitbucketApiToken: 'bench-api-token',
    }),
    clock: runtime.appClock,
    now,
    dispatcher: { now: () => clock.now() },
  });
  late.sync = sync;
  const rules: PermissionRule[] = Array.from({ length: Math.min(groups, MAX_RULES) }, (_, g) => ({
    id: `team-${g}`,
    group: `Team ${g}`,
    projects: [EMULATED_PROJECTS[g % EMULATED_PROJECTS.length]?.key ?? 'PLAT'],
    repositories: [g % 3 === 0 ? 'platform-*' : 'web-*'],
    level: (['read', 'write', 'admin'] as const)[g % 3] ?? 'read',
  }));
  await sync.settings.save({
    ...(await sync.settings.get()),
    target: {
      orgId: EMULATED_ORG_ID,
      directoryId: EMULATED_DIRECTORY_ID,
      workspace: EMULATED_WORKSPACE_SLUG,
      workspaceResourceId: EMULATED_BITBUCKET_RESOURCE_ID,
    },
    rules,
  });
  const { token } = await app.tokens.issue({ label: 'bench' });
  const trigger = runtime.webTrigger(
    makeScimWebTrigger({ getApp: async () => app, getBaseUrl: async () => SCIM_BASE }),
  );

  let scimRequests = 0;
  let scimWrites = 0;
  let scim429s = 0;
  let scim503s = 0;
  let scimFailures = 0;
  let peakRss = 0;
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const scim = async (
    method: string,
    pathAndQuery: string,
    body?: unknown,
  ): Promise<Record<string, unknown> | undefined> => {
    const [pathPart = '', search = ''] = pathAndQuery.split('?', 2);
    const queryParameters: Record<string, string[]> = {};
    for (const [name, value] of new URLSearchParams(search)) (queryParameters[name] ??= []).push(value);
    const request = {
      method,
      path: `/x1/scim/v2${pathPart}`,
      userPath: pathPart,
      headers: { authorization: [`Bearer ${token}`], 'content-type': ['application/scim+json'] },
      queryParameters,
      body: body === undefined ? undefined : JSON.stringify(body),
    } as unknown as ForgeWebTriggerRequest;
    scimRequests += 1;
    if (scimRequests % 20_000 === 0) console.log(progressLine(scimRequests, clock.now() - pushStartRef.at, wallStart));
    if (method !== 'GET') scimWrites += 1;
    let response = await trigger(request, {});
    // Like Entra and Okta, the IdP retries a throttled or busy request after the Retry-After it was given.
    for (let tries = 1; (response.statusCode === 429 || response.statusCode === 503) && tries < IDP_TRIES; tries += 1) {
      if (response.statusCode === 429) scim429s += 1;
      else scim503s += 1;
      const retryAfter = Number(response.headers?.['Retry-After']?.[0] ?? response.headers?.['retry-after']?.[0] ?? 1);
      await clock.sleep(Math.max(1, Number.isFinite(retryAfter) ? retryAfter : 1) * 1000);
      if (stopped) break;
      await slot();
      response = await trigger(request, {});
    }
    if (response.statusCode >= 500 || response.statusCode === 429) scimFailures += 1;
    if (scimRequests % 2000 === 0) sampleRss();
    return response.body && response.statusCode < 300
      ? (JSON.parse(response.body) as Record<string, unknown>)
      : undefined;
  };

  // The IdP: lanes take the next operation and wait for the next slot of the 15-a-second intake.
  let nextSlot = clock.now();
  const idp = async (operations: (() => Promise<void>)[]): Promise<void> => {
    let index = 0;
    const lane = async (): Promise<void> => {
      for (;;) {
        const operation = operations[index++];
        if (!operation || stopped) return;
        await operation();
      }
    };
    await Promise.all(Array.from({ length: IDP_LANES }, lane));
  };
  const slot = async (): Promise<void> => {
    const at = Math.max(clock.now(), nextSlot);
    nextSlot = at + 1000 / INTAKE_PER_SECOND;
    await clock.sleep(at - clock.now());
  };
  const random = xorshiftRandom(users);
  const userIds: string[] = new Array<string>(users);
  const groupIds: string[] = new Array<string>(groups);
  const userOps = Array.from({ length: users }, (_, i) => async () => {
    const email = `user${i}@example.com`;
    await slot();
    await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`);
    await slot();
    const created = await scim('POST', '/Users', {
      userName: email,
      active: true,
      name: { givenName: 'User', familyName: String(i) },
      emails: [{ type: 'work', value: email, primary: true }],
    });
    userIds[i] = String(created?.id);
  });
  const groupOps = Array.from({ length: groups }, (_, g) => async () => {
    await slot();
    await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "Team ${g}"`)}`);
    await slot();
    groupIds[g] = String((await scim('POST', '/Groups', { displayName: `Team ${g}` }))?.id);
  });

  const pushStartRef = { at: clock.now() };
  const adminSuccessesBefore = successes.admin;
  let fatal: string | undefined;
  // In enforce mode a breach failed some call: today's figures stop at the first one.
  let stopped = false;
  runtime.onViolation((violation) => {
    if (options.mode !== 'enforce' || stopped) return;
    stopped = true;
    fatal = `first violation ${violation.limit} at ${((violation.at - pushStartRef.at) / 60_000).toFixed(1)} virtual min: ${violation.detail}`;
  });
  const phaseWallCapMs = (options.phaseMinutes ?? phaseMinutesFor(users)) * 60_000;
  const phases = phaseBreaches(runtime);
  const converge = async (label: string): Promise<boolean> => {
    const phaseStart = clock.now();
    const wallPhaseStart = performance.now();
    for (;;) {
      if (stopped) return false;
      await Promise.race([runtime.idle(), clock.sleep(60_000)]);
      if (stopped) return false;
      sampleRss();
      const pending = (await app.store.pendingChanges(1)).entries.length;
      const idle = await Promise.race([runtime.idle().then(() => true), clock.sleep(1).then(() => false)]);
      if (pending === 0 && idle) return true;
      if (clock.now() - phaseStart > PHASE_CAP_MS || performance.now() - wallPhaseStart > phaseWallCapMs) {
        fatal = `${label} did not converge (${pending > 0 ? 'outbox not empty' : 'queue busy'}); first violations: ${runtime.violations.summary().slice(0, 3).join('; ') || 'none'}`;
        return false;
      }
      // Work pending while nothing runs or waits on the queue is stuck: a sweep, as an admin's retry or the next
      // hourly reconcile would do. While the queue is busy the app's own drains are left to it.
      if (pending > 0 && idle)
        await runtime.scheduled('drain', () => sync.dispatcher.drain({ sweep: true })).catch(() => undefined);
    }
  };

  const fiveMinute = startFiveMinuteTrigger(rig, { app, sync, fetch });
  console.log(
    `\n== ${users} users, ${groups} groups, ${users * 3} memberships, ${rules.length} rules (${options.mode}${options.slow ? ', --slow' : ''})`,
  );
  const pushStart = clock.now();
  pushStartRef.at = pushStart;
  await idp([...userOps, ...groupOps]);
  const memberOps: (() => Promise<void>)[] = [];
  const members = new Map<number, string[]>();
  for (let i = 0; i < users; i += 1) {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(3, groups)) chosen.add(Math.floor(random() * groups));
    for (const g of chosen) members.set(g, [...(members.get(g) ?? []), userIds[i] ?? '']);
  }
  let memberships = 0;
  for (const [g, ids] of members) {
    memberships += ids.length;
    for (let i = 0; i < ids.length; i += 50) {
      const value = ids.slice(i, i + 50).map((id) => ({ value: id }));
      memberOps.push(async () => {
        await slot();
        await scim('PATCH', `/Groups/${groupIds[g]}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value }],
        });
      });
    }
  }
  await idp(memberOps);
  phases.note('push');
  const pushedAt = clock.now();
  console.log(
    `  pushed ${scimRequests} SCIM requests in ${((pushedAt - pushStart) / 60_000).toFixed(1)} virtual min (${scim429s} answered 429 and ${scim503s} 503 before a retry went through, ${scimFailures} given up), wall ${((performance.now() - wallStart) / 1000).toFixed(0)} s`,
  );
  const scimWriteRequests = byKind.get('webtrigger')?.requests ?? 0;
  // Units the web trigger wrote (the SCIM writes' own cost; the sync runs meanwhile and is counted apart).
  const scimWriteUnits = byKind.get('webtrigger')?.writeUnits ?? 0;
  const syncUnitsAtPush = (byKind.get('consumer')?.writeUnits ?? 0) + (byKind.get('scheduled')?.writeUnits ?? 0);
  const scimWritesAtPush = scimWrites;
  const converged = await converge('initial sync');
  phases.note('initial sync');
  const convergedAt = clock.now();
  const adminWrites = successes.admin - adminSuccessesBefore;
  const adminCallsAtConvergence = adminTally.calls;
  const remoteWrites = adminWrites + successes.bitbucket;
  const syncWriteRequests = (byKind.get('consumer')?.requests ?? 0) + (byKind.get('scheduled')?.requests ?? 0);
  const syncWriteUnits = (byKind.get('consumer')?.writeUnits ?? 0) + (byKind.get('scheduled')?.writeUnits ?? 0);
  void syncUnitsAtPush;
  const permissions = [...emulators.bitbucket.state.permissions.values()];
  const grants = permissions.length;
  const bitbucketMinimum =
    grants === 0 ? 0 : grants + new Set(permissions.map((p) => `${p.kind}:${p.target}`)).size + 2;
  const bounds = {
    bitbucket: bitbucketMinimum === 0 ? 0 : Math.floor((bitbucketMinimum - 1) / BITBUCKET_PER_HOUR) * 3600_000,
    kvs: ((users + groups + memberships) / KVS_WRITE_UNITS_PER_MINUTE) * 60_000,
    intake: (scimRequests / INTAKE_PER_SECOND) * 1000,
  };
  const lowerBound = Math.max(bounds.bitbucket, bounds.kvs, bounds.intake);
  console.log(
    converged
      ? `  converged ${((convergedAt - pushStart) / 60_000).toFixed(1)} virtual min after the first request; lower bound ${(lowerBound / 60_000).toFixed(1)} min (Bitbucket ${(bounds.bitbucket / 60_000).toFixed(1)}, KVS writes ${(bounds.kvs / 60_000).toFixed(1)}, intake ${(bounds.intake / 60_000).toFixed(1)})`
      : `  NOT converged: ${fatal}`,
  );
  console.log(
    `  Admin API: ${adminTally.calls} calls for ${adminWrites} writes; Bitbucket: ${bitbucketTally.calls} calls, ${grants} grants; KVS: the web trigger ${scimWriteRequests} requests (${scimWriteUnits} write units) for ${scimWritesAtPush} SCIM writes, the sync ${syncWriteRequests} requests (${syncWriteUnits} write units) for ${remoteWrites} remote writes`,
  );
  console.log(`  Admin API calls by operation until then: ${operationCounts(adminTally)}`);
  console.log(`  Bitbucket calls by operation until then: ${operationCounts(bitbucketTally)}`);
  console.log(`  Bitbucket successes: ${callTimeline(bitbucketTally, pushStart)}`);
  console.log(`  org groups created: ${callTimeline(adminTally, pushStart)}`);
  let completed = converged;
  if (completed) {
    const big = Array.from({ length: Math.min(users, 10_000) }, (_, i) => userIds[i] ?? '');
    const created = await scim('POST', '/Groups', { displayName: 'Everyone' });
    const bigOps = Array.from({ length: Math.ceil(big.length / 1000) }, (_, k) => async () => {
      await slot();
      await scim('PATCH', `/Groups/${String(created?.id)}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'add', path: 'members', value: big.slice(k * 1000, (k + 1) * 1000).map((value) => ({ value })) },
        ],
      });
    });
    await idp(bigOps);
    completed = await converge('group of all members');
    phases.note('group of all members');
    console.log(
      completed
        ? `  a group of ${big.length} members converged at ${((clock.now() - pushStart) / 60_000).toFixed(1)} virtual min`
        : `  NOT converged: ${fatal}`,
    );
  }
  if (completed) {
    await runtime.scheduled(
      'reconcile',
      makeReconcile(() => queue),
    );
    completed = await converge('reconcile');
    phases.note('reconcile');
    console.log(
      completed
        ? `  reconcile converged at ${((clock.now() - pushStart) / 60_000).toFixed(1)} virtual min`
        : `  NOT converged: ${fatal}`,
    );
  }
  fiveMinute.stop();
  sampleRss();
  const stats = runtime.stats();
  const deliveries = [...delivered.values()];
  const result: SizeResult = {
    users,
    completed,
    fatal,
    violations: stats.violations,
    convergeRatio: converged && lowerBound > 0 ? (convergedAt - pushStart) / lowerBound : undefined,
    adminCallsPerWrite: adminWrites > 0 ? adminCallsAtConvergence / adminWrites : undefined,
    deliveriesPerEntry: deliveries.length === 0 ? 0 : deliveries.reduce((a, b) => a + b, 0) / deliveries.length,
    maxInvocationFraction: stats.invocations.maxInvocationFraction,
    kvsWriteUnitsPerScimWrite: scimWritesAtPush > 0 ? scimWriteUnits / scimWritesAtPush : undefined,
    kvsWriteUnitsPerRemoteChange: remoteWrites > 0 ? syncWriteUnits / remoteWrites : undefined,
    peakHeapMb: stats.invocations.peakHeapDeltaBytes / 1048576,
    scim429s,
    scimFailures,
    peakRssMb: peakRss / 1048576,
  };
  console.log(
    `  KVS usage by invocation and endpoint (requests / read units / write units):\n    ${usageLines(usage).join('\n    ')}`,
  );
  console.log('  busiest minutes by KVS read units (read / write units by invocation):');
  for (const line of busiestMinuteLines(byMinute)) console.log(`    ${line}`);
  console.log(
    `  KVS by invocation kind (requests / read units / write units): ${[...byKind.entries()].map(([kind, row]) => `${kind} ${row.requests} / ${row.readUnits} / ${row.writeUnits}`).join('; ')}`,
  );
  console.log(`  breaches by phase: ${phases.lines.join('; ')}`);
  console.log(
    `  violations: ${stats.violations}${stats.violations > 0 ? `\n    ${runtime.violations.summary().join('\n    ')}` : ''}`,
  );
  console.log(
    `  invocations ${JSON.stringify(stats.invocations.invocations)}, longest ${(stats.invocations.maxInvocationFraction * 100).toFixed(0)}% of its limit (${stats.invocations.longest ?? '-'}), ` +
      `max outbound requests in one invocation ${stats.invocations.maxOutboundRequests}, peak heap growth in one invocation ${result.peakHeapMb.toFixed(0)} MB`,
  );
  console.log(
    `  queue: ${stats.events.pushes} pushes, ${stats.events.eventsPushed} events, largest push ${stats.events.largestPushKb.toFixed(0)} KB, ${stats.events.deliveries} deliveries (${stats.events.redeliveries} redeliveries), ${result.deliveriesPerEntry.toFixed(2)} deliveries per outbox entry, at most ${stats.events.maxPushesPerOrigin} pushes from one origin; five-minute trigger ${fiveMinute.runs()} runs, ${fiveMinute.failures.length} failed steps${fiveMinute.failures[0] ? ` (first: ${fiveMinute.failures[0]})` : ''}`,
  );
  console.log(
    `  wall ${((performance.now() - wallStart) / 1000).toFixed(0)} s, peak RSS ${result.peakRssMb.toFixed(0)} MB`,
  );
  runtime.stop();
  await rig.close();
  return result;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  // A size runs in a child process of its own (bench/forge-sizes.ts), which hands its figures back.
  const size = childSize();
  if (size !== undefined) return reportToParent(await runSize(size, options));
  console.log(`Forge-fit benchmark on the local Forge runtime (${options.mode} mode)`);
  const model = options.slow ? scaledLatency(DEFAULT_LATENCY, 2) : DEFAULT_LATENCY;
  console.log(
    `Model: ${model.kvsMs} ms a KVS request, ${model.remoteMs} ms an API call, ${model.deliveryMs} ms push to delivery; intake ${INTAKE_PER_SECOND} SCIM requests/s; KVS requests ${options.storageCountsAsOutbound ? 'count' : 'do not count'} as outbound requests.`,
  );
  console.log(
    'KVS quotas: 1,000 requests/s, 4,000 read and 4,000 write units of 10,000 bytes a minute (sliding windows). In enforce mode a size stops at its first violation.',
  );
  const results = await runSizes(options);
  console.log(JSON.stringify(summaryOf(options, results)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
