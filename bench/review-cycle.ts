/**
 * `npm run bench:review` (`npx tsx bench/review-cycle.ts [--repositories N] [--projects N] [--latency-ms N]`): an
 * access review of a 2,000-repository workspace (500 people, 40 app groups and 10 others, hand-made group and user
 * grants, 2 public repositories) against the emulators, on one virtual clock, while permission sync has 500 writes
 * pending, with the review sharing the workspace admin's token (Bitbucket's 1,000 requests a rolling hour, per
 * credential) as it does in the app (docs/notes/access-review.md).
 *
 * Permission sync runs as the app runs it (PermissionSyncer over the real Bitbucket client): when Bitbucket refuses it
 * for its rate limit it tries again a minute later. Its delay is the time it took beside the review minus the time
 * the same run took alone, from the same state. Two runs are measured: the issue's (500 writes pending when the
 * review starts), and a rule change halfway through the review that rewrites 250 of them. The review
 * steps every five minutes, each step one invocation of at most 100 outbound requests.
 *
 * It prints figures and asserts nothing timed; the last line is one JSON object.
 */
import { performance } from 'node:perf_hooks';
import type { PermissionGrant } from '../emulators/bitbucket/bitbucket-state';
import { EMULATED_WORKSPACE_SLUG } from '../emulators/seed';
import { reviewRig, type ReviewRig } from '../rigs/review-rig';
import { STEP_REQUESTS } from '../src/review/read-gate';
import type { SnapshotMeta } from '../src/review/review-snapshot';
import { PermissionSyncer } from '../src/sync/permission-sync';
import type { PermissionRule } from '../src/sync/settings';
import { BitbucketClient } from '../src/targets/bitbucket/bitbucket-client';
import { TargetError } from '../src/targets/ports';
import type { TargetFetch } from '../src/targets/http/target-fetch';

const MINUTE = 60_000;
const STEP_INTERVAL_MS = 5 * MINUTE;

function numberArg(argv: readonly string[], name: string, fallback: number): number {
  const at = argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a whole number`);
  return value;
}

/** `writes` new grants: ten app groups reading the same repositories, none of which any rule covers yet. */
function pendingRules(rig: ReviewRig, writes: number): PermissionRule[] {
  const perGroup = 10;
  const covered = new Set(Object.keys(rig.known.applied));
  const free = rig.plan.repositories
    .filter((r) => !covered.has(`repository:${r.slug}`) && !covered.has(`project:${r.projectKey}`))
    .slice(0, Math.ceil(writes / perGroup));
  return rig.plan.appGroups.slice(0, perGroup).map((g, i) => ({
    id: `bench-${i}`,
    group: g.name,
    projects: [],
    repositories: free.map((r) => r.slug),
    level: 'read' as const,
  }));
}

/** The rules with half the benchmark's own rules raised to write: a rule change that rewrites 250 grants. */
function halfRaised(rules: readonly PermissionRule[]): PermissionRule[] {
  return rules.map((r) =>
    r.id.startsWith('bench-') && Number(r.id.slice('bench-'.length)) < 5 ? { ...r, level: 'write' as const } : r,
  );
}

interface World {
  readonly permissions: Map<string, PermissionGrant>;
  readonly applied: Record<string, Record<string, string>>;
}

function save(rig: ReviewRig): World {
  return {
    permissions: new Map([...rig.emulators.bitbucket.state.permissions].map(([k, v]) => [k, { ...v }])),
    applied: JSON.parse(JSON.stringify(rig.known.applied)) as World['applied'],
  };
}

function restore(rig: ReviewRig, world: World): void {
  const live = rig.emulators.bitbucket.state.permissions;
  live.clear();
  for (const [k, v] of world.permissions) live.set(k, { ...v });
  rig.known.applied = JSON.parse(JSON.stringify(world.applied)) as World['applied'];
  rig.emulators.bitbucket.setRateLimit({ limit: 1000, windowMs: 3_600_000 });
}

/** Runs permission sync to completion as the app would; returns its duration and requests. */
async function permissionRun(
  rig: ReviewRig,
  rules: readonly PermissionRule[],
): Promise<{ ms: number; attempts: number; writes: number }> {
  const start = rig.clock.now();
  rig.known.rules = [...rules];
  rig.known.permission = { dueSince: new Date(start).toISOString() };
  // Every request counted, as create-sync.ts counts them into src/sync/token-usage.ts for the read gate.
  const counted: TargetFetch = (url, init) => {
    rig.known.syncRequests.push(rig.clock.now());
    return rig.fetch(url, init);
  };
  const client = new BitbucketClient({
    workspace: EMULATED_WORKSPACE_SLUG,
    credentials: () => rig.credentials,
    fetch: counted,
    clock: rig.clock,
  });
  const groups = [...rig.known.groups.values()].map((g) => ({ displayName: g.displayName, groupSlug: g.slug }));
  let attempts = 0;
  let writes = 0;
  for (;;) {
    attempts += 1;
    try {
      const result = await new PermissionSyncer(client, rules).run(groups, rig.known.applied, false);
      rig.known.applied = result.grants;
      writes += result.audit.filter((e) => e.outcome === 'applied').length;
      if (result.interruptedBy === undefined && (result.failed ?? 0) === 0) break;
    } catch (error) {
      // The plan's reads were refused: the engine records the wait and throws (src/sync/permission-run.ts).
      if (!(error instanceof TargetError && error.kind === 'rate-limited')) throw error;
    }
    // The engine's wait after a rate limit without Retry-After (src/sync/permission-debounce.ts, rateLimitEnd).
    rig.known.permission = {
      dueSince: new Date(start).toISOString(),
      rateLimitedUntil: new Date(rig.clock.now() + MINUTE).toISOString(),
    };
    await rig.clock.sleep(MINUTE);
  }
  rig.known.permission = {};
  return { ms: rig.clock.now() - start, attempts, writes };
}

function grantsPerTarget(rig: ReviewRig): { lowerBound: number } {
  const state = rig.emulators.bitbucket.state;
  const count = (map: Iterable<{ kind: string; target: string }>): Map<string, number> => {
    const out = new Map<string, number>();
    for (const g of map) out.set(`${g.kind}:${g.target}`, (out.get(`${g.kind}:${g.target}`) ?? 0) + 1);
    return out;
  };
  const groups = count(state.permissions.values());
  const users = count(state.userPermissions.values());
  let lowerBound = 0;
  for (const r of state.repositories)
    lowerBound +=
      Math.max(1, Math.ceil((groups.get(`repository:${r.slug}`) ?? 0) / 100)) +
      Math.max(1, Math.ceil((users.get(`repository:${r.slug}`) ?? 0) / 100));
  for (const p of state.projects)
    lowerBound +=
      Math.max(1, Math.ceil((groups.get(`project:${p.key}`) ?? 0) / 100)) +
      Math.max(1, Math.ceil((users.get(`project:${p.key}`) ?? 0) / 100));
  return { lowerBound };
}

/** Entries of the effective listing now (its `size`), asked outside the rate limit. */
async function effectiveEntries(rig: ReviewRig): Promise<number> {
  const emulator = rig.emulators.bitbucket;
  emulator.setRateLimit(undefined);
  const auth = `Basic ${Buffer.from(`${rig.credentials.email}:${rig.credentials.apiToken}`).toString('base64')}`;
  const response = await emulator.handle({
    method: 'GET',
    path: `/2.0/workspaces/${EMULATED_WORKSPACE_SLUG}/permissions/repositories`,
    query: { pagelen: ['1'] },
    headers: { authorization: [auth] },
    body: undefined,
  });
  return Number((JSON.parse(response.body ?? '{}') as { size?: number }).size ?? 0);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const repositories = numberArg(argv, 'repositories', 2000);
  const projects = numberArg(argv, 'projects', 200);
  const latencyMs = numberArg(argv, 'latency-ms', 150);
  const wallStart = performance.now();
  const rig = reviewRig(
    {
      repositories,
      projects,
      people: 500,
      appGroups: 40,
      foreignGroups: 10,
      orphans: 5,
      userGrants: 120,
      publicRepositories: 2,
    },
    { bitbucketLatencyMs: latencyMs },
  );
  const r1 = [...rig.known.rules, ...pendingRules(rig, 500)];
  const r2 = halfRaised(r1);
  console.log(
    `Workspace: ${repositories} repositories in ${projects} projects, ${rig.plan.people.length} people, ${rig.plan.appGroups.length} app groups and ${rig.plan.foreignGroups.length} others, ${rig.emulators.bitbucket.state.userPermissions.size} direct user grants`,
  );
  console.log(
    `Bitbucket: 1,000 requests a rolling hour per credential, ${latencyMs} ms per request (virtual); review steps every 5 minutes, at most ${STEP_REQUESTS} Bitbucket reads each`,
  );

  // Alone: the same two permission runs without a review, from the same states.
  const initial = save(rig);
  const alone1 = await permissionRun(rig, r1);
  await rig.clock.advance(2 * 3_600_000);
  rig.emulators.bitbucket.setRateLimit({ limit: 1000, windowMs: 3_600_000 });
  const alone2 = await permissionRun(rig, r2);
  console.log(
    `Permission sync alone: 500 writes pending ${(alone1.ms / 1000).toFixed(0)} s (${alone1.writes} writes, ${alone1.attempts} attempts); a rule change rewriting 250 grants ${(alone2.ms / 1000).toFixed(0)} s (${alone2.writes} writes)`,
  );

  // Beside the review: the first run pending when the review starts, the rule change halfway through.
  await rig.clock.advance(2 * 3_600_000);
  restore(rig, initial);
  const bitbucketBefore = rig.emulators.bitbucket.writeLog.length;
  const reviewStart = rig.clock.now();
  await rig.runner.start({ kind: 'workspace' });
  let midway: Promise<{ ms: number; attempts: number; writes: number }> | undefined;
  const first = permissionRun(rig, r1);
  let snapshot: SnapshotMeta | undefined;
  let steps = 0;
  for (;;) {
    const report = await rig.step();
    steps += 1;
    if (report.outcome === 'finished') {
      snapshot = report.snapshot;
      break;
    }
    if (report.outcome === 'failed') throw new Error(`The review failed: ${report.run?.error ?? ''}`);
    const progress = report.run;
    if (
      midway === undefined &&
      progress !== undefined &&
      progress.bitbucket.phase === 'targets' &&
      progress.bitbucket.targetIndex >= progress.targets.length / 2
    ) {
      await first;
      // The rule change lands one second into the next step, while that step reads.
      midway = rig.clock.sleep(STEP_INTERVAL_MS + 1000).then(() => permissionRun(rig, r2));
    }
    await rig.clock.sleep(STEP_INTERVAL_MS);
  }
  const beside1 = await first;
  const beside2 = midway === undefined ? undefined : await midway;
  if (snapshot === undefined) throw new Error('no snapshot');
  const reviewHours = (rig.clock.now() - reviewStart) / 3_600_000;
  const { lowerBound } = grantsPerTarget(rig);
  const effectivePages = Math.ceil((await effectiveEntries(rig)) / 100);
  const lowerBoundRequests = lowerBound + effectivePages;
  const delay1 = Math.max(0, (beside1.ms - alone1.ms) / 1000);
  const delay2 = beside2 === undefined ? undefined : Math.max(0, (beside2.ms - alone2.ms) / 1000);
  const violations = rig.emulators.bitbucket.violations.length + rig.emulators.admin.violations.length;
  console.log(
    `Review: ${snapshot.requests.bitbucket} Bitbucket requests (lower bound ${lowerBoundRequests}: ${lowerBound} grant pages, ${effectivePages} pages of the effective listing), ${snapshot.requests.admin} Admin API calls, ${steps} steps, ${reviewHours.toFixed(1)} h`,
  );
  console.log(
    `  most outbound requests in one step ${Math.max(...rig.stepCalls)} (Forge allows 100); cross-check mismatches ${snapshot.crossCheck?.mismatched ?? 'not checked'}; OpenAPI violations ${violations}`,
  );
  console.log(
    `  ${snapshot.summary.people} people, ${snapshot.summary.entries} (person, target) entries; flags: ${snapshot.summary.leavers} leavers, ${snapshot.summary.orphans} orphans, ${snapshot.summary.handMade} hand-made grants on managed targets, ${snapshot.summary.drift} drifted app grants`,
  );
  console.log(
    `Permission sync beside the review: 500 writes pending ${(beside1.ms / 1000).toFixed(0)} s, delay ${delay1.toFixed(0)} s; rule change halfway ${beside2 === undefined ? 'not reached' : `${(beside2.ms / 1000).toFixed(0)} s, delay ${(delay2 ?? 0).toFixed(0)} s`}`,
  );
  console.log(
    '  (the cross-check mismatches and drift come from the rule changes applied while the review read: a review reads over hours)',
  );
  console.log(
    `  Bitbucket writes by the review: ${rig.emulators.bitbucket.writeLog.slice(bitbucketBefore).filter((w) => w.operation.includes('users')).length}; wall time ${((performance.now() - wallStart) / 1000).toFixed(1)} s`,
  );
  await rig.stop();
  console.log(
    JSON.stringify({
      bitbucket_requests: snapshot.requests.bitbucket,
      lower_bound_requests: lowerBoundRequests,
      review_hours: Number(reviewHours.toFixed(2)),
      permission_sync_delay_s: Number(Math.max(delay1, delay2 ?? 0).toFixed(1)),
      permission_sync_delay_pending_at_start_s: Number(delay1.toFixed(1)),
      permission_sync_delay_rule_change_midway_s: delay2 === undefined ? null : Number(delay2.toFixed(1)),
      repositories,
      projects,
      review_lower_bound_as_read: snapshot.requests.lowerBound,
      review_steps: steps,
      max_outbound_requests_per_step: Math.max(...rig.stepCalls),
      admin_api_calls: snapshot.requests.admin,
      cross_check_mismatches: snapshot.crossCheck?.mismatched ?? null,
      openapi_violations: violations,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
