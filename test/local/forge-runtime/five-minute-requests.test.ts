/**
 * The five-minute scheduled trigger (src/forge/five-minute.ts) runs three jobs in one invocation, and Forge stops an
 * invocation at its 101st outbound request (src/local/forge-runtime/limits.ts). Here the handler, composed as
 * src/forge/index.ts composes it from the app's own parts, runs on the local Forge runtime in `enforce` mode (storage
 * requests counted as outbound) with each job at its most: a Google Workspace pull due, with a source configured and
 * approved; an access review in progress over a workspace of 220 targets and the app's 540 links, stepped until it
 * finishes; and a sync sweep with outbox work pending. No invocation may pass 100 requests, and every job must have
 * done its work. Raising the review step's budget (src/forge/review-step.ts) from 75 to 95 makes it fail.
 */
import path from 'node:path';
import {
  ISSUE_17_WORKSPACE,
  planAccessWorkspace,
  seedAccessLayout,
  seedHandMadeAccess,
  seedIdpAccounts,
} from '../../../emulators/access-workspace';
import { findUserByEmail } from '../../../emulators/admin-api/admin-state';
import { slugifyGroupName } from '../../../emulators/bitbucket/bitbucket-state';
import { emulatorFetch } from '../../../emulators/emulator-fetch';
import { GoogleWorkspaceEmulator } from '../../../emulators/google/google-emulator';
import { SEEDED_GOOGLE_ADMIN, seedGoogleDomain } from '../../../emulators/google/google-seed';
import { createLinkedEmulators } from '../../../emulators/linked-emulators';
import {
  EMULATED_BITBUCKET_RESOURCE_ID,
  EMULATED_DIRECTORY_ID,
  EMULATED_ORG_ID,
  EMULATED_WORKSPACE_SLUG,
} from '../../../emulators/seed';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { createApp } from '../../../src/app/create-app';
import { createSync } from '../../../src/app/create-sync';
import { fiveMinuteSteps, makeFiveMinute } from '../../../src/forge/five-minute';
import { ForgeJobQueue, SYNC_QUEUE_KEY } from '../../../src/forge/forge-job-queue';
import { makePullSchedule, pullQueue } from '../../../src/forge/pull-worker';
import { makeReviewStep } from '../../../src/forge/review-step';
import { makeSyncSweep } from '../../../src/forge/sync-worker';
import { DEFAULT_LATENCY, FORGE_LIMITS, ForgeRuntime } from '../../../src/local/forge-runtime';
import { reviewParts } from '../../../src/review/create-review';
import { createPull, PULL_QUEUE_KEY } from '../../../src/sources/create-pull';
import { DEFAULT_GOOGLE } from '../../../src/sources/source-settings';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../../src/storage/local-kvs';
import { CHAINED_KICK_BUDGET } from '../../../src/sync/lineage-budget';
import { ADMIN_API_BASE_URL } from '../../../src/targets/admin-api/admin-api-operations';
import { BITBUCKET_BASE_URL } from '../../../src/targets/bitbucket/bitbucket-client';

jest.setTimeout(120_000);

const MANIFEST = path.resolve(__dirname, '../../../manifest.yml');
const GOOGLE_BASE = 'https://google.emulated.invalid';
const FIVE_MINUTES_MS = 5 * 60_000;

it('keeps the pull schedule, a review step and the sync sweep within 100 outbound requests in one invocation', async () => {
  const clock = new VirtualClock({ autoAdvance: true });
  const runtime = new ForgeRuntime({ mode: 'enforce', clock, latency: DEFAULT_LATENCY, storageCountsAsOutbound: true });
  const service = createLocalKvsService({
    entities: loadEntityDefinitions(MANIFEST),
    clock: () => clock.now(),
    quotaMode: 'enforce',
    onQuotaViolation: (v) =>
      runtime.report({ limit: v.limit, observed: v.observed, allowed: v.allowed, detail: v.path }),
  });
  // Each step's requests, counted as the runtime admits them inside the scheduled invocation.
  let requests = 0;
  const counted =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (runtime.currentInvocation()?.kind === 'scheduled') requests += 1;
      return call(...args);
    };
  const kvs = createLocalKvs({ fetch: runtime.storage(counted(service.fetch)) });

  // A workspace of 200 repositories and 20 projects with hand-made access beside the app's, as the review bench has.
  const emulators = createLinkedEmulators({ clock });
  const plan = planAccessWorkspace(ISSUE_17_WORKSPACE);
  seedAccessLayout(emulators.bitbucket.state, plan);
  seedIdpAccounts(emulators, plan, 'scim-');
  seedHandMadeAccess(emulators, plan, (name) => slugifyGroupName(`scim-${name}`));
  const google = new GoogleWorkspaceEmulator({ clock, state: seedGoogleDomain() });
  const keyFile = google.createServiceAccountKey();
  const fetch = runtime.remote(
    counted(
      emulatorFetch(
        { baseUrl: ADMIN_API_BASE_URL, emulator: emulators.admin },
        { baseUrl: BITBUCKET_BASE_URL, emulator: emulators.bitbucket },
        { baseUrl: GOOGLE_BASE, emulator: google },
      ),
    ),
  );

  const now = (): Date => new Date(clock.now());
  const app = createApp({ kvs, logger: { error: () => undefined }, now, sleep: (ms) => runtime.appClock.sleep(ms) });
  const sync = createSync({
    kvs,
    store: app.store,
    queue: new ForgeJobQueue(runtime.queue(SYNC_QUEUE_KEY)),
    fetch,
    credentials: async () => ({
      orgApiKey: 'org-api-key',
      bitbucketEmail: 'admin@emulated.example',
      bitbucketApiToken: 'api-token',
    }),
    clock: runtime.appClock,
    now,
    dispatcher: { now: () => clock.now() },
  });
  await sync.settings.save({
    ...(await sync.settings.get()),
    target: {
      orgId: EMULATED_ORG_ID,
      directoryId: EMULATED_DIRECTORY_ID,
      workspace: EMULATED_WORKSPACE_SLUG,
      workspaceResourceId: EMULATED_BITBUCKET_RESOURCE_ID,
    },
  });
  // As src/forge/forge-app.ts builds the pull, with Google at the emulator.
  const pull = createPull({
    kvs,
    store: app.store,
    fetch,
    clock: runtime.appClock,
    now,
    queue: pullQueue(runtime.queue(PULL_QUEUE_KEY)),
    breaker: sync.breaker,
    syncSettings: () => sync.settings.get(),
    afterWrites: () => sync.dispatcher.kick(CHAINED_KICK_BUDGET),
    auditLog: app.auditLog,
    google: { tokenUrl: `${GOOGLE_BASE}/token`, baseUrl: GOOGLE_BASE },
  });
  await pull.sources.saveKey(JSON.stringify(keyFile));
  const source = { ...DEFAULT_GOOGLE, subject: SEEDED_GOOGLE_ADMIN };
  await pull.sources.save({ kind: 'google-workspace', google: source });
  await pull.sources.save({
    kind: 'google-workspace',
    google: { ...source, approvedConfig: (await pull.status()).config },
  });
  // The queues' events are left undelivered: only the five-minute invocation is measured.
  const pushed = { sync: 0, pull: 0 };
  runtime.consume(SYNC_QUEUE_KEY, async () => void (pushed.sync += 1));
  runtime.consume(PULL_QUEUE_KEY, async () => void (pushed.pull += 1));

  // What the app knows of that workspace: a link for each of its 500 people and 40 groups, as a sync leaves them, so
  // the review reads pages of the app's side too.
  for (const [i, person] of plan.people.entries()) {
    const account = findUserByEmail(emulators.admin.state, person.email);
    if (account !== undefined)
      await sync.links.put({
        key: `User.u${i}`,
        state: 'synced',
        attempts: 0,
        accountId: account.accountId,
        email: person.email,
      });
  }
  const orgGroups = [...emulators.admin.state.groups.values()];
  for (const [i, group] of plan.appGroups.entries()) {
    const org = orgGroups.find((g) => g.name === `scim-${group.name}`);
    if (org !== undefined)
      await sync.links.put({
        key: `Group.g${i}`,
        state: 'synced',
        attempts: 0,
        orgGroupId: org.id,
        orgGroupName: org.name,
        groupSlug: slugifyGroupName(org.name),
      });
  }
  const review = reviewParts(app, sync);
  await review.runner.start({ kind: 'workspace' });

  // The handler as src/forge/index.ts composes it, each job's requests counted as it ends.
  const perStep: Record<string, number>[] = [];
  const warnings: string[] = [];
  const steps = fiveMinuteSteps({
    pullSchedule: makePullSchedule(async () => pull),
    reviewStep: makeReviewStep(
      async () => review,
      (line) => warnings.push(line),
      () => clock.now(),
    ),
    syncSweep: makeSyncSweep(async () => sync.dispatcher),
  });
  const fiveMinute = makeFiveMinute(
    steps.map((step) => ({
      name: step.name,
      run: async () => {
        const before = requests;
        try {
          return await step.run();
        } finally {
          (perStep.at(-1) ?? {})[step.name] = requests - before;
        }
      },
    })),
    (line) => warnings.push(line),
  );

  for (let invocation = 0; invocation < 40; invocation += 1) {
    // Before each: a pull is due (none runs, the last was over an hour ago), and the outbox holds work.
    await pull.runner.cancel();
    await app.store.enqueue([`User.pending-${invocation}`]);
    perStep.push({});
    requests = 0;
    await runtime.scheduled('five-minute', fiveMinute);
    const run = await review.store.run();
    if (run?.status !== 'running') break;
    await clock.sleep(FIVE_MINUTES_MS);
  }
  await runtime.idle();
  const stats = runtime.stats();
  const reviewed = await review.store.run();
  runtime.stop();
  await service.close();

  const totals = perStep.map((step) => Object.values(step).reduce((sum, n) => sum + n, 0));
  const most = totals.indexOf(Math.max(...totals));
  console.log(
    `${perStep.length} five-minute invocations; the largest made ${totals[most]} requests (${JSON.stringify(perStep[most])}); ` +
      `at most ${stats.invocations.maxOutboundRequests} as the runtime counted them`,
  );
  expect(runtime.violations.summary()).toEqual([]);
  expect(warnings).toEqual([]);
  expect(stats.invocations.maxOutboundRequests).toBeLessThanOrEqual(FORGE_LIMITS.outboundRequestsPerInvocation);
  expect(Math.max(...totals)).toBe(stats.invocations.maxOutboundRequests);
  // Each job did its work: every invocation started a pull and pushed a sweep, and the review ran to its end.
  expect(pushed).toEqual({ sync: perStep.length, pull: perStep.length });
  expect(reviewed?.status).toBe('done');
});
