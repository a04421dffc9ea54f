/**
 * `npm run bench:sync` (`npx tsx bench/sync-cycle.ts [--users N] [--groups M] [--change-users N] [--change-groups M]
 * [--settings FILE] [--skip-change-set] [--skip-convergence]`): the sync engine's cost and speed against the
 * emulators, in process, on one virtual clock (emulators, HTTP clients and job queue), so hours of Bitbucket rate
 * limiting take seconds of wall time.
 *
 * (a) Remote calls per effective change: a directory is loaded and synced, then a change set (creates, attribute
 * updates, deactivations, deletions, membership adds and removes, renames, group deletes) is applied and synced,
 * then every user and group is replayed (the reconcile). An effective change is one difference in the emulated
 * organization or workspace between before and after (an account created or suspended, a group created or
 * deleted, a role grant, a membership, a Bitbucket permission grant); the goal is 1.00 write per effective change
 * and 0 writes for the replay. (b) Convergence of 10,000 users and 500 groups under Bitbucket's 1,000 requests an
 * hour (rolling window, per credential), printed beside the lower bound that limit allows.
 *
 * The production composition runs (createApp, createSync with its permission sync, the dispatcher, the real HTTP
 * clients); only the queue (bench/virtual-job-queue.ts) and the transport (an in-process adapter to the
 * emulators) differ from the local host. Permission rules come from --settings FILE (a settings document,
 * docs/settings.md) or, by default, one generated rule per group. It prints figures and asserts nothing timed.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { emulatorFetch } from '../emulators/emulator-fetch';
import { createLinkedEmulators, type LinkedEmulators } from '../emulators/linked-emulators';
import { xorshiftRandom } from '../emulators/random';
import {
  EMULATED_BITBUCKET_RESOURCE_ID,
  EMULATED_DIRECTORY_ID,
  EMULATED_ORG_ID,
  EMULATED_PROJECTS,
  EMULATED_REPOSITORIES,
  EMULATED_WORKSPACE_SLUG,
} from '../emulators/seed';
import { snapshotEmulators, type EmulatorSnapshot } from '../emulators/snapshot';
import type { Emulator } from '../emulators/emulator-types';
import { VirtualClock } from '../emulators/virtual-clock';
import { createApp, type AppParts } from '../src/app/create-app';
import { createSync, type SyncParts } from '../src/app/create-sync';
import type { ScimResponse } from '../src/scim/protocol';
import {
  createLocalKvs,
  createLocalKvsService,
  FORGE_KVS_QUOTAS,
  loadEntityDefinitions,
  type KvsQuotaMeter,
} from '../src/storage/local-kvs';
import { loadSettingsFile } from '../src/local/settings-file';
import type { PermissionRule } from '../src/sync/settings';
import { ADMIN_API_BASE_URL } from '../src/targets/admin-api/admin-api-operations';
import { BITBUCKET_BASE_URL } from '../src/targets/bitbucket/bitbucket-client';
import { VirtualJobQueue } from './virtual-job-queue';

const SCIM_BASE_URL = 'https://bench.invalid/scim/v2';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const HOUR_MS = 3_600_000;
/** Bitbucket's limit per credential in a rolling hour (bitbucket-emulator.ts, BITBUCKET_RATE_LIMIT). */
const BITBUCKET_PER_HOUR = 1000;
const MEMBERS_PER_PATCH = 50;
const GROUPS_PER_USER = 3;
/** Bitbucket's documented maximum `pagelen`, which the client uses. */
const PAGE = 100;

/** Command-line settings. */
interface Settings {
  readonly users: number;
  readonly groups: number;
  readonly changeUsers: number;
  readonly changeGroups: number;
  readonly settingsFile: string | undefined;
  readonly changeSet: boolean;
  readonly convergence: boolean;
}

function parseArgs(argv: readonly string[]): Settings {
  const numbers = new Map<string, number>();
  const flags = new Set<string>();
  let settingsFile: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i] ?? '';
    if (name === '--skip-change-set' || name === '--skip-convergence') {
      flags.add(name);
    } else if (name === '--settings') {
      settingsFile = argv[(i += 1)];
    } else if (['--users', '--groups', '--change-users', '--change-groups'].includes(name)) {
      const value = Number(argv[(i += 1)]);
      if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive whole number`);
      numbers.set(name, value);
    } else {
      throw new Error(`Unknown option ${name}; see the comment at the top of bench/sync-cycle.ts`);
    }
  }
  return {
    users: numbers.get('--users') ?? 10_000,
    groups: numbers.get('--groups') ?? 500,
    changeUsers: numbers.get('--change-users') ?? 1_000,
    changeGroups: numbers.get('--change-groups') ?? 50,
    settingsFile: settingsFile === undefined ? undefined : path.resolve(settingsFile),
    changeSet: !flags.has('--skip-change-set'),
    convergence: !flags.has('--skip-convergence'),
  };
}

/** The default rules: each group gets a level on one project and on the repositories of one slug pattern. */
function generatedRules(groups: number): PermissionRule[] {
  const levels = ['read', 'write', 'admin'] as const;
  return Array.from({ length: Math.min(groups, 500) }, (_, g) => ({
    id: `team-${g}`,
    group: `Team ${g}`,
    projects: [EMULATED_PROJECTS[g % EMULATED_PROJECTS.length]?.key ?? 'PLAT'],
    repositories: [g % 3 === 0 ? 'platform-*' : 'web-*'],
    level: levels[g % levels.length] ?? 'read',
  }));
}

/** The sync composition of the local host, on a virtual clock, with counters of the requests each emulator received. */
interface Rig {
  readonly clock: VirtualClock;
  readonly emulators: LinkedEmulators;
  readonly requests: { admin: number; bitbucket: number };
  /** Requests each emulator answered 429 (refused by its rate limit, so not counted by the limit). */
  readonly rateLimited: { admin: number; bitbucket: number };
  readonly app: AppParts;
  readonly sync: SyncParts;
  readonly queue: VirtualJobQueue;
  /** The local KVS's meter of Forge's storage quotas. */
  readonly storageQuota: KvsQuotaMeter;
  scim(
    method: string,
    pathAndQuery: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> | undefined }>;
  snapshot(): EmulatorSnapshot;
  /** Drains and waits until the outbox is empty and the queue idle; returns the drains it took. */
  converge(): Promise<number>;
}

function counting(emulator: Emulator, count: (status: number | undefined) => void): Emulator {
  return {
    async handle(request) {
      try {
        const response = await emulator.handle(request);
        count(response.status);
        return response;
      } catch (error) {
        count(undefined);
        throw error;
      }
    },
  };
}

async function createRig(rules: readonly PermissionRule[], settingsDocument: Record<string, unknown>): Promise<Rig> {
  const clock = new VirtualClock({ autoAdvance: true });
  const emulators = createLinkedEmulators({ clock });
  const requests = { admin: 0, bitbucket: 0 };
  const rateLimited = { admin: 0, bitbucket: 0 };
  const counter = (api: 'admin' | 'bitbucket') => (status: number | undefined) => {
    requests[api] += 1;
    if (status === 429) rateLimited[api] += 1;
  };
  const fetch = emulatorFetch(
    { baseUrl: ADMIN_API_BASE_URL, emulator: counting(emulators.admin, counter('admin')) },
    { baseUrl: BITBUCKET_BASE_URL, emulator: counting(emulators.bitbucket, counter('bitbucket')) },
  );
  // Storage expiry (kick windows, leases, deferred drains) runs on the same virtual clock as everything else.
  const kvsService = createLocalKvsService({
    entities: loadEntityDefinitions(path.resolve(__dirname, '../manifest.yml')),
    clock: () => clock.now(),
    // SCIM loads arrive at one virtual instant, far faster than any IdP on Forge: metered and printed, not refused.
    quotaMode: 'record',
  });
  const kvs = createLocalKvs(kvsService);
  const now = (): Date => new Date(clock.now());
  const app = createApp({ kvs, logger: { error: () => undefined }, now });
  const { token } = await app.tokens.issue({ label: 'bench' });
  const late: { sync?: SyncParts } = {};
  const queue = new VirtualJobQueue(clock, (job) =>
    late.sync ? late.sync.dispatcher.handle(job) : Promise.resolve(undefined),
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
    clock,
    now,
    dispatcher: { retryDelaySeconds: 60, now: () => clock.now() },
  });
  late.sync = sync;
  await sync.settings.save({
    ...settingsDocument,
    target: {
      orgId: EMULATED_ORG_ID,
      directoryId: EMULATED_DIRECTORY_ID,
      workspace: EMULATED_WORKSPACE_SLUG,
      workspaceResourceId: EMULATED_BITBUCKET_RESOURCE_ID,
    },
    rules,
  });
  const headers = { authorization: [`Bearer ${token}`], 'content-type': ['application/scim+json'] };
  return {
    clock,
    emulators,
    requests,
    rateLimited,
    app,
    sync,
    queue,
    storageQuota: kvsService.quota,
    async scim(method, pathAndQuery, body) {
      const [pathPart = '', search = ''] = pathAndQuery.split('?', 2);
      const query: Record<string, string[]> = {};
      for (const [name, value] of new URLSearchParams(search)) (query[name] ??= []).push(value);
      const response: ScimResponse = await app.handleScim({
        method,
        path: pathPart,
        query,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        baseUrl: SCIM_BASE_URL,
      });
      return {
        status: response.status,
        body: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined,
      };
    },
    snapshot: () => snapshotEmulators(emulators, requests),
    async converge() {
      for (let round = 1; round <= 200; round += 1) {
        await sync.dispatcher.drain({ sweep: true });
        await queue.idle();
        if ((await app.store.pendingChanges(1)).entries.length === 0) return round;
      }
      throw new Error('The sync did not converge within 200 drains');
    },
  };
}

async function expectStatus(
  call: Promise<{ status: number; body: Record<string, unknown> | undefined }>,
  status: number,
  what: string,
): Promise<Record<string, unknown> | undefined> {
  const answer = await call;
  if (answer.status !== status)
    throw new Error(`${what} answered ${answer.status}, not ${status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Loads `users` users and `groups` groups, each user in GROUPS_PER_USER random groups; returns their ids and the memberships. */
async function load(
  rig: Rig,
  users: number,
  groups: number,
  seed: number,
): Promise<{ userIds: string[]; groupIds: string[]; members: Map<string, string[]> }> {
  const random = xorshiftRandom(seed);
  const userIds: string[] = [];
  for (let i = 0; i < users; i += 1) {
    const email = `user${i}@example.com`;
    const body = await expectStatus(
      rig.scim('POST', '/Users', {
        userName: email,
        active: true,
        name: { givenName: 'User', familyName: String(i) },
        emails: [{ type: 'work', value: email, primary: true }],
      }),
      201,
      'POST /Users',
    );
    userIds.push(String(body?.id));
  }
  const groupIds: string[] = [];
  const members = new Map<string, string[]>();
  for (let g = 0; g < groups; g += 1) {
    const body = await expectStatus(rig.scim('POST', '/Groups', { displayName: `Team ${g}` }), 201, 'POST /Groups');
    groupIds.push(String(body?.id));
    members.set(String(body?.id), []);
  }
  for (const userId of userIds) {
    const chosen = new Set<string>();
    while (chosen.size < Math.min(GROUPS_PER_USER, groups))
      chosen.add(groupIds[Math.floor(random() * groupIds.length)] ?? '');
    for (const groupId of chosen) members.get(groupId)?.push(userId);
  }
  for (const [groupId, ids] of members) await addMembers(rig, groupId, ids);
  return { userIds, groupIds, members };
}

async function addMembers(rig: Rig, groupId: string, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += MEMBERS_PER_PATCH) {
    const value = ids.slice(i, i + MEMBERS_PER_PATCH).map((id) => ({ value: id }));
    await expectStatus(
      rig.scim('PATCH', `/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value }],
      }),
      204,
      'PATCH /Groups members add',
    );
  }
}

/** Differences between two snapshots, by kind; one difference is one effective change. */
function effectiveChanges(before: EmulatorSnapshot, after: EmulatorSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  const bump = (kind: string, n = 1): void => {
    if (n > 0) out[kind] = (out[kind] ?? 0) + n;
  };
  const usersBefore = new Map(before.admin.users.map((u) => [u.accountId, u]));
  const usersAfter = new Map(after.admin.users.map((u) => [u.accountId, u]));
  for (const [id, user] of usersAfter) {
    const old = usersBefore.get(id);
    if (old === undefined) bump('account invited');
    else if (old.membershipStatus !== user.membershipStatus || old.directoryId !== user.directoryId)
      bump(`account ${user.membershipStatus}`);
  }
  for (const id of usersBefore.keys()) if (!usersAfter.has(id)) bump('account removed');
  const groupsBefore = new Map(before.admin.groups.map((g) => [g.id, g]));
  const groupsAfter = new Map(after.admin.groups.map((g) => [g.id, g]));
  const roleKey = (r: { resourceId: string; roleId: string }): string => `${r.resourceId} ${r.roleId}`;
  for (const [id, group] of groupsAfter) {
    const old = groupsBefore.get(id);
    if (old === undefined) bump('group created');
    const oldMembers = new Set(old?.members ?? []);
    const newMembers = new Set(group.members);
    bump('member added', [...newMembers].filter((m) => !oldMembers.has(m)).length);
    bump('member removed', [...oldMembers].filter((m) => !newMembers.has(m)).length);
    const oldRoles = new Set((old?.roles ?? []).map(roleKey));
    const newRoles = new Set(group.roles.map(roleKey));
    bump('group role granted', [...newRoles].filter((r) => !oldRoles.has(r)).length);
    bump('group role revoked', [...oldRoles].filter((r) => !newRoles.has(r)).length);
  }
  // A deleted group takes its members and roles with it: one change.
  for (const id of groupsBefore.keys()) if (!groupsAfter.has(id)) bump('group deleted');
  const grantKey = (p: { kind: string; target: string; groupSlug: string }): string =>
    `${p.kind}:${p.target}:${p.groupSlug}`;
  const grantsBefore = new Map(before.bitbucket.permissions.map((p) => [grantKey(p), p.permission]));
  const grantsAfter = new Map(after.bitbucket.permissions.map((p) => [grantKey(p), p.permission]));
  for (const [key, level] of grantsAfter) {
    const old = grantsBefore.get(key);
    if (old === undefined) bump('permission granted');
    else if (old !== level) bump('permission changed');
  }
  for (const key of grantsBefore.keys()) if (!grantsAfter.has(key)) bump('permission revoked');
  return out;
}

interface Tally {
  readonly writes: number;
  readonly failedWrites: number;
  /** Writes that changed nothing, by `operation -> status`. */
  readonly refused: Record<string, number>;
  readonly adminCalls: number;
  readonly bitbucketCalls: number;
}

function succeeded(entry: { status: number | 'dropped'; handledStatus?: number; applied: boolean }): boolean {
  const status = entry.status === 'dropped' ? entry.handledStatus : entry.status;
  return entry.applied && status !== undefined && status >= 200 && status < 300;
}

function tallyBetween(before: EmulatorSnapshot, after: EmulatorSnapshot): Tally {
  const fresh = [
    ...after.writeLog.admin.slice(before.writeLog.admin.length),
    ...after.writeLog.bitbucket.slice(before.writeLog.bitbucket.length),
  ];
  const refused: Record<string, number> = {};
  for (const entry of fresh.filter((e) => !succeeded(e))) {
    const key = `${entry.operation} -> ${entry.status}`;
    refused[key] = (refused[key] ?? 0) + 1;
  }
  return {
    writes: fresh.filter(succeeded).length,
    failedWrites: fresh.filter((e) => !succeeded(e)).length,
    refused,
    adminCalls: after.requests.admin - before.requests.admin,
    bitbucketCalls: after.requests.bitbucket - before.requests.bitbucket,
  };
}

function ratio(numerator: number, denominator: number): string {
  return denominator === 0 ? (numerator === 0 ? '0 / 0' : `${numerator} / 0`) : (numerator / denominator).toFixed(2);
}

function describeChanges(changes: Record<string, number>): string {
  return Object.entries(changes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
}

function printPhase(name: string, changes: Record<string, number>, tally: Tally, virtualMs: number): void {
  const effective = Object.values(changes).reduce((sum, n) => sum + n, 0);
  const calls = tally.adminCalls + tally.bitbucketCalls;
  console.log(`  ${name}`);
  console.log(`    effective changes      ${effective}${effective > 0 ? ` (${describeChanges(changes)})` : ''}`);
  console.log(
    `    remote writes          ${tally.writes} applied${tally.failedWrites > 0 ? `, ${tally.failedWrites} more answered with an error and changed nothing:` : ''}`,
  );
  for (const [what, n] of Object.entries(tally.refused)) console.log(`                             ${n} x ${what}`);
  console.log(`    writes / change        ${ratio(tally.writes, effective)}   (goal 1.00)`);
  console.log(
    `    remote calls           ${calls} (Admin API ${tally.adminCalls}, Bitbucket ${tally.bitbucketCalls}), reads included`,
  );
  console.log(`    calls / change         ${ratio(calls, effective)}`);
  console.log(`    virtual time           ${formatDuration(virtualMs)}`);
}

function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const hours = Math.floor(ms / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return hours > 0
    ? `${hours} h ${String(minutes).padStart(2, '0')} min ${String(seconds).padStart(2, '0')} s`
    : `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

async function syncPhase(rig: Rig, name: string, before: EmulatorSnapshot): Promise<EmulatorSnapshot> {
  const started = rig.clock.now();
  await rig.converge();
  const after = rig.snapshot();
  printPhase(name, effectiveChanges(before, after), tallyBetween(before, after), rig.clock.now() - started);
  return after;
}

/** (a): initial load, a change set of every kind, and a replay of everything. */
async function changeSetBench(
  settings: Settings,
  rulesFor: (groups: number) => PermissionRule[],
  settingsDocument: Record<string, unknown>,
): Promise<void> {
  const { changeUsers: users, changeGroups: groups } = settings;
  console.log(
    `(a) Remote calls per effective change: ${users} users, ${groups} groups, ${GROUPS_PER_USER} groups per user, ${rulesFor(groups).length} permission rules`,
  );
  const rig = await createRig(rulesFor(groups), settingsDocument);
  const empty = rig.snapshot();
  const { userIds, groupIds, members } = await load(rig, users, groups, 17);
  const loaded = await syncPhase(rig, 'initial load', empty);

  const random = xorshiftRandom(23);
  const pick = <T>(items: readonly T[], n: number, from = 0): T[] => items.slice(from, from + n);
  const creates = Math.max(1, Math.round(users * 0.05));
  const newIds: string[] = [];
  for (let i = 0; i < creates; i += 1) {
    const email = `new${i}@example.com`;
    const body = await expectStatus(
      rig.scim('POST', '/Users', {
        userName: email,
        active: true,
        emails: [{ type: 'work', value: email, primary: true }],
      }),
      201,
      'POST /Users',
    );
    newIds.push(String(body?.id));
  }
  for (const [index, id] of newIds.entries()) await addMembers(rig, groupIds[index % groupIds.length] ?? '', [id]);
  const patchUser = (id: string, operations: unknown[]): Promise<Record<string, unknown> | undefined> =>
    expectStatus(
      rig.scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: operations }),
      204,
      'PATCH /Users',
    );
  const updated = Math.round(users * 0.1);
  for (const id of pick(userIds, updated, 0))
    await patchUser(id, [{ op: 'replace', path: 'name.givenName', value: 'Renamed' }]);
  const deactivated = Math.round(users * 0.04);
  for (const id of pick(userIds, deactivated, updated))
    await patchUser(id, [{ op: 'replace', path: 'active', value: false }]);
  const deleted = Math.round(users * 0.01);
  for (const id of pick(userIds, deleted, updated + deactivated))
    await expectStatus(rig.scim('DELETE', `/Users/${id}`), 204, 'DELETE /Users');
  const touched = Math.max(1, Math.round(groups * 0.2));
  for (const groupId of pick(groupIds, touched, 0)) {
    const current = new Set(members.get(groupId) ?? []);
    const outsiders = userIds
      .slice(updated + deactivated + deleted)
      .filter((id) => !current.has(id) && random() < 0.02);
    await addMembers(rig, groupId, outsiders);
    const leaving = [...current].slice(0, 5).map((value) => ({ value }));
    if (leaving.length > 0)
      await expectStatus(
        rig.scim('PATCH', `/Groups/${groupId}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'remove', path: 'members', value: leaving }],
        }),
        204,
        'PATCH /Groups members remove',
      );
  }
  const renamed = Math.max(1, Math.round(groups * 0.06));
  for (const groupId of pick(groupIds, renamed, touched)) {
    await expectStatus(
      rig.scim('PATCH', `/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'displayName', value: `Renamed ${groupId.slice(0, 8)}` }],
      }),
      204,
      'PATCH /Groups rename',
    );
  }
  const groupDeletes = Math.max(1, Math.round(groups * 0.06));
  for (const groupId of pick(groupIds, groupDeletes, touched + renamed))
    await expectStatus(rig.scim('DELETE', `/Groups/${groupId}`), 204, 'DELETE /Groups');
  console.log(
    `  change set: ${creates} creates (each into one group), ${updated} attribute updates, ${deactivated} deactivations, ${deleted} deletions, ` +
      `membership adds and removes in ${touched} groups, ${renamed} renames, ${groupDeletes} group deletes`,
  );
  const changed = await syncPhase(rig, 'change set', loaded);

  const started = rig.clock.now();
  await rig.sync.dispatcher.reconcile();
  await rig.converge();
  const replayed = rig.snapshot();
  const tally = tallyBetween(changed, replayed);
  console.log('  replay of every user and group (reconcile; every job is a no-op)');
  console.log(`    remote writes          ${tally.writes}   (goal 0)`);
  console.log(
    `    remote calls           ${tally.adminCalls + tally.bitbucketCalls} reads (Admin API ${tally.adminCalls}, Bitbucket ${tally.bitbucketCalls})`,
  );
  console.log(`    virtual time           ${formatDuration(rig.clock.now() - started)}`);
  const violations = replayed.violations.admin.length + replayed.violations.bitbucket.length;
  console.log(`  OpenAPI violations seen by the emulators: ${violations}`);
  console.log('');
}

/** The fewest Bitbucket requests the final workspace needs: one write per app grant, plus one read pass. */
function minimumBitbucketRequests(final: EmulatorSnapshot): { total: number; grants: number; reads: number } {
  const grants = final.bitbucket.permissions.length;
  const targets = new Set(final.bitbucket.permissions.map((p) => `${p.kind}:${p.target}`)).size;
  // listProjects and listRepositories (one page each for the seeded workspace), then one permissions page per
  // target that ends up with a grant (empty at the first read, so one page each).
  const reads = Math.ceil(EMULATED_PROJECTS.length / PAGE) + Math.ceil(EMULATED_REPOSITORIES.length / PAGE) + targets;
  // Nothing to grant needs no Bitbucket request at all.
  return grants === 0 ? { total: 0, grants: 0, reads: 0 } : { total: grants + reads, grants, reads };
}

/** (b): 10,000 users and 500 groups under Bitbucket's hourly limit, on the virtual clock. */
async function convergenceBench(
  settings: Settings,
  rulesFor: (groups: number) => PermissionRule[],
  settingsDocument: Record<string, unknown>,
): Promise<void> {
  const { users, groups } = settings;
  const rules = rulesFor(groups);
  console.log(
    `(b) Convergence under Bitbucket's ${BITBUCKET_PER_HOUR} requests/hour: ${users} users, ${groups} groups, ${GROUPS_PER_USER} groups per user, ${rules.length} permission rules`,
  );
  const wallStart = performance.now();
  const rig = await createRig(rules, settingsDocument);
  const loadStart = performance.now();
  const { members } = await load(rig, users, groups, 29);
  const memberships = [...members.values()].reduce((sum, ids) => sum + ids.length, 0);
  console.log(
    `  directory loaded over SCIM in ${((performance.now() - loadStart) / 1000).toFixed(1)} s wall (${memberships} memberships)`,
  );
  const before = rig.snapshot();
  const rejectedBefore = rig.rateLimited.bitbucket;
  const started = rig.clock.now();
  const syncWallStart = performance.now();
  const drains = await rig.converge();
  const virtualMs = rig.clock.now() - started;
  const syncWallMs = performance.now() - syncWallStart;
  const after = rig.snapshot();
  const tally = tallyBetween(before, after);
  const rejected = rig.rateLimited.bitbucket - rejectedBefore;
  const bitbucketWrites = after.writeLog.bitbucket.slice(before.writeLog.bitbucket.length).filter(succeeded).length;
  const minimum = minimumBitbucketRequests(after);
  const rateBoundMs = (minimum.total / BITBUCKET_PER_HOUR) * HOUR_MS;
  const windowBoundMs = minimum.total === 0 ? 0 : Math.floor((minimum.total - 1) / BITBUCKET_PER_HOUR) * HOUR_MS;
  const accounts = after.admin.users.filter(
    (u) => u.email.endsWith('@example.com') && u.membershipStatus === 'active',
  ).length;
  const orgGroups = after.admin.groups.filter((g) => g.name.startsWith('scim-'));
  const orgMemberships = orgGroups.reduce((sum, g) => sum + g.members.length, 0);
  console.log(
    `  converged: ${accounts} active accounts, ${orgGroups.length} org groups, ${orgMemberships} memberships, ${after.bitbucket.permissions.length} Bitbucket grants; ${drains} drain(s), ${rig.queue.delivered} job deliveries`,
  );
  console.log(`  remote calls             Admin API ${tally.adminCalls}, Bitbucket ${tally.bitbucketCalls}`);
  console.log(
    `  Bitbucket requests       ${tally.bitbucketCalls - rejected} accepted (${bitbucketWrites} permission writes, ${tally.bitbucketCalls - rejected - bitbucketWrites} reads), ` +
      `${rejected} refused with 429 (refused requests do not count against the limit)`,
  );
  console.log(`  remote writes            ${tally.writes} applied`);
  const storage = rig.storageQuota.snapshot();
  console.log(
    `  Forge storage (KVS)      ${storage.requests} requests, ${storage.readUnits} read and ${storage.writeUnits} write units; peaks ` +
      `${storage.peakRequestsPerSecond}/s (quota ${FORGE_KVS_QUOTAS.requestsPerSecond}), ${storage.peakReadUnitsPerMinute} read and ` +
      `${storage.peakWriteUnitsPerMinute} write units/min (quotas ${FORGE_KVS_QUOTAS.readUnitsPerMinute} each); ${storage.violations} quota breaches, load included`,
  );
  console.log(`  virtual time to converge ${formatDuration(virtualMs)}`);
  console.log(
    `  lower bound              ${formatDuration(windowBoundMs)} = floor((${minimum.total} - 1) / ${BITBUCKET_PER_HOUR}) h`,
  );
  console.log(
    `    (${minimum.total} Bitbucket requests at least = ${minimum.grants} permission PUTs, one per grant the rules ask for, + ${minimum.reads} reads: ` +
      `one page of projects, one of repositories, and one permissions page per project or repository that gets a grant. The rolling window ` +
      `admits the first ${BITBUCKET_PER_HOUR} at once and each later one an hour after an earlier one, hence the floor; at a steady ` +
      `${BITBUCKET_PER_HOUR} an hour they would take ${formatDuration(rateBoundMs)}. The Admin API publishes no limit, so its ` +
      `${tally.adminCalls} calls add nothing to the bound.)`,
  );
  console.log(
    `  wall time                ${((performance.now() - wallStart) / 1000).toFixed(1)} s in all, ${(syncWallMs / 1000).toFixed(1)} s of it syncing`,
  );
  const memory = process.memoryUsage();
  console.log(
    `  peak RSS                 ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (at the end: heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB, RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB)`,
  );
  const violations = after.violations.admin.length + after.violations.bitbucket.length;
  console.log(`  OpenAPI violations seen by the emulators: ${violations}`);
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  let rulesFor = generatedRules;
  let settingsDocument: Record<string, unknown> = {};
  if (settings.settingsFile !== undefined) {
    const fromFile = await loadSettingsFile(settings.settingsFile);
    rulesFor = () => [...fromFile.rules];
    settingsDocument = { ...fromFile };
    console.log(
      `Settings and permission rules from ${settings.settingsFile} (${fromFile.rules.length} rules; its target is replaced by the emulated one)`,
    );
  } else {
    console.log(
      'Permission rules: generated, one per group (Team g -> one project and the repositories of one slug pattern, read/write/admin in turn)',
    );
  }
  console.log('');
  if (settings.changeSet) await changeSetBench(settings, rulesFor, settingsDocument);
  if (settings.convergence) await convergenceBench(settings, rulesFor, settingsDocument);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
