/**
 * A review rig: a generated workspace in linked emulators on a virtual clock, the app's knowledge of it (IdP
 * identities, its groups, the grants its rules made) as a stand-in for the app's stores, a review runner over a
 * local KVS, and steps run as Forge would: each inside an invocation budget of 100 outbound requests, with every
 * KVS and HTTP request counted.
 */
import type { AccessWorkspacePlan, AccessWorkspaceSize } from '../emulators/access-workspace';
import {
  ISSUE_17_WORKSPACE,
  planAccessWorkspace,
  seedAccessLayout,
  seedHandMadeAccess,
  seedIdpAccounts,
} from '../emulators/access-workspace';
import { findUserByEmail } from '../emulators/admin-api/admin-state';
import { permissionKey, slugifyGroupName } from '../emulators/bitbucket/bitbucket-state';
import { emulatorFetch } from '../emulators/emulator-fetch';
import { createLinkedEmulators, type LinkedEmulators } from '../emulators/linked-emulators';
import { EMULATED_DIRECTORY_ID, EMULATED_ORG_ID, EMULATED_WORKSPACE_SLUG } from '../emulators/seed';
import { VirtualClock } from '../emulators/virtual-clock';
import type { AppKnowledge } from '../src/review/app-knowledge';
import { ReviewRunner, type StepReport } from '../src/review/review-runner';
import { ReviewStore } from '../src/review/review-store';
import { ruleGrantsOf } from '../src/review/rule-origins';
import { spendCall, withinBudget, callsSpent } from '../src/sync/call-budget';
import type { PermissionRule } from '../src/sync/settings';
import type { LinkDoc, SyncState } from '../src/sync/sync-links';
import { meteredKvs } from '../src/storage/metered-kvs';
import { AdminApiClient } from '../src/targets/admin-api/admin-api-client';
import { ADMIN_API_BASE_URL } from '../src/targets/admin-api/admin-api-operations';
import { BitbucketAccessReader } from '../src/targets/bitbucket/access-reads';
import { BITBUCKET_BASE_URL } from '../src/targets/bitbucket/bitbucket-client';
import type { TargetFetch } from '../src/targets/http/target-fetch';
import { makeKvs, type KvsFixture } from './local-kvs-fixture';

/** The prefix the rig's app gives its org groups. */
export const APP_PREFIX = 'scim-';

/** The mutable knowledge the rig's app has; tests change it (a deactivation, a due permission run). */
export interface RigKnowledge {
  readonly users: Map<string, { accountId: string; userName: string; active: boolean; deleted: boolean }>;
  readonly groups: Map<string, { slug: string; orgGroupId: string; displayName: string }>;
  applied: Record<string, Record<string, string>>;
  rules: PermissionRule[];
  permission: { dueSince?: string; nextRetryAt?: string; rateLimitedUntil?: string };
  /** Times of the Bitbucket requests permission runs made (what src/sync/token-usage.ts records in the app). */
  readonly syncRequests: number[];
}

/** How the rig's emulated Bitbucket behaves. */
export interface RigOptions {
  /** Virtual latency of every Bitbucket request. */
  readonly bitbucketLatencyMs?: number;
}

/** The rig. */
export interface ReviewRig {
  /** The fetch every client of the rig uses (counted against the running invocation's budget). */
  readonly fetch: TargetFetch;
  /** The workspace admin's credentials, as the app's Bitbucket clients send them. */
  readonly credentials: { readonly email: string; readonly apiToken: string };
  readonly clock: VirtualClock;
  readonly emulators: LinkedEmulators;
  readonly plan: AccessWorkspacePlan;
  readonly kvs: KvsFixture;
  readonly store: ReviewStore;
  readonly runner: ReviewRunner;
  readonly known: RigKnowledge;
  /** Outbound requests of each step so far. */
  readonly stepCalls: number[];
  /** Runs one step as one invocation (100 outbound requests, 900 s). */
  step(): Promise<StepReport>;
  /** Steps every five virtual minutes until the review finishes (or `maxSteps`). */
  runToEnd(maxSteps?: number): Promise<StepReport>;
  stop(): Promise<void>;
}

function knowledgeOf(known: RigKnowledge, now: () => number): AppKnowledge {
  const linksOf = (): LinkDoc[] => [
    ...[...known.users].map(([id, u]): LinkDoc => ({
      key: `User.${id}`,
      state: 'synced',
      attempts: 0,
      accountId: u.accountId,
      email: u.userName,
      ...(u.deleted ? { deleted: true } : {}),
    })),
    ...[...known.groups].map(([id, g]): LinkDoc => ({
      key: `Group.${id}`,
      state: 'synced',
      attempts: 0,
      orgGroupId: g.orgGroupId,
      groupSlug: g.slug,
      orgGroupName: `${APP_PREFIX}${g.displayName}`,
    })),
  ];
  return {
    async permissions() {
      spendCall();
      return {
        applied: known.applied,
        ...known.permission,
        recentRequests: known.syncRequests.filter((t) => t > now() - 3_600_000).length,
      };
    },
    async links(state: SyncState, cursor?: string) {
      spendCall();
      const all = state === 'synced' ? linksOf() : [];
      const start = cursor === undefined ? 0 : Number(cursor);
      const page = all.slice(start, start + 20);
      return start + 20 < all.length ? { links: page, cursor: String(start + 20) } : { links: page };
    },
    async users(ids) {
      spendCall();
      const out = new Map<string, { userName: string; active: boolean }>();
      for (const id of ids) {
        const user = known.users.get(id);
        if (user !== undefined && !user.deleted) out.set(id, { userName: user.userName, active: user.active });
      }
      return out;
    },
    async groups(ids) {
      spendCall();
      return new Map(
        ids.flatMap((id) =>
          known.groups.has(id) ? [[id, known.groups.get(id)?.displayName ?? ''] as [string, string]] : [],
        ),
      );
    },
    async rules() {
      spendCall();
      return known.rules;
    },
  };
}

/** Builds the rig over a workspace of `size` (the issue's by default). */
export function reviewRig(size: Partial<AccessWorkspaceSize> = {}, options: RigOptions = {}): ReviewRig {
  const clock = new VirtualClock({ autoAdvance: true });
  const emulators = createLinkedEmulators({ clock });
  if (options.bitbucketLatencyMs !== undefined)
    emulators.bitbucket.faults.add({ fault: { kind: 'latency', ms: options.bitbucketLatencyMs, timer: 'virtual' } });
  const plan = planAccessWorkspace({ ...ISSUE_17_WORKSPACE, ...size });
  seedAccessLayout(emulators.bitbucket.state, plan);
  seedIdpAccounts(emulators, plan, APP_PREFIX);
  const slugOf = (name: string): string => slugifyGroupName(`${APP_PREFIX}${name}`);
  seedHandMadeAccess(emulators, plan, slugOf);

  const known: RigKnowledge = {
    users: new Map(),
    groups: new Map(),
    applied: {},
    rules: [...plan.rules] as PermissionRule[],
    permission: {},
    syncRequests: [],
  };
  plan.people.forEach((person, i) => {
    const user = findUserByEmail(emulators.admin.state, person.email);
    if (user !== undefined)
      known.users.set(`u${i}`, { accountId: user.accountId, userName: person.email, active: true, deleted: false });
  });
  plan.appGroups.forEach((group, i) => {
    const org = [...emulators.admin.state.groups.values()].find((g) => g.name === `${APP_PREFIX}${group.name}`);
    if (org !== undefined)
      known.groups.set(`g${i}`, { slug: slugOf(group.name), orgGroupId: org.id, displayName: group.name });
  });
  // What permission sync would have applied for the rules: the grants in Bitbucket and the app's record.
  const ruleGroups = [...known.groups.values()].map((g) => ({ displayName: g.displayName, groupSlug: g.slug }));
  for (const grant of ruleGrantsOf(known.rules, ruleGroups, plan.projects, plan.repositories)) {
    const key = permissionKey(grant.target.type, grant.target.id, grant.groupSlug);
    // A hand-made grant on the same (target, group) is left as the hand made it: the app's record then differs (drift).
    if (!emulators.bitbucket.state.permissions.has(key))
      emulators.bitbucket.state.permissions.set(key, {
        kind: grant.target.type,
        target: grant.target.id,
        groupSlug: grant.groupSlug,
        permission: grant.level,
      });
    known.applied[`${grant.target.type}:${grant.target.id}`] = {
      ...(known.applied[`${grant.target.type}:${grant.target.id}`] ?? {}),
      [grant.groupSlug]: grant.level,
    };
  }

  const kvs = makeKvs(clock.now());
  const counting: TargetFetch = emulatorFetch(
    { baseUrl: BITBUCKET_BASE_URL, emulator: emulators.bitbucket },
    { baseUrl: ADMIN_API_BASE_URL, emulator: emulators.admin },
  );
  const fetch: TargetFetch = (url, init) => {
    spendCall();
    return counting(url, init);
  };
  const store = new ReviewStore(meteredKvs(kvs.kvs, spendCall));
  const credentials = { email: 'admin@emulated.example', apiToken: 'token' } as const;
  const reader = new BitbucketAccessReader({
    workspace: EMULATED_WORKSPACE_SLUG,
    credentials: () => credentials,
    fetch,
    clock,
  });
  const admin = new AdminApiClient({
    orgId: EMULATED_ORG_ID,
    directoryId: EMULATED_DIRECTORY_ID,
    credentials: () => ({ apiKey: 'key' }),
    fetch,
    clock,
  });
  const runner = new ReviewRunner({
    store,
    knowledge: knowledgeOf(known, () => clock.now()),
    bitbucket: async () => reader,
    admin: async () => admin,
    now: () => new Date(clock.now()),
  });
  const stepCalls: number[] = [];

  const step = async (): Promise<StepReport> => {
    kvs.clock.ms = clock.now();
    return withinBudget(
      { calls: 100, millis: 900_000 },
      () => clock.now(),
      async () => {
        const report = await runner.step();
        stepCalls.push(callsSpent());
        return report;
      },
    );
  };
  return {
    fetch,
    credentials,
    clock,
    emulators,
    plan,
    kvs,
    store,
    runner,
    known,
    stepCalls,
    step,
    async runToEnd(maxSteps = 500) {
      for (let i = 0; i < maxSteps; i++) {
        const report = await step();
        if (report.outcome === 'finished' || report.outcome === 'failed' || report.outcome === 'idle') return report;
        await clock.advance(5 * 60_000);
      }
      throw new Error(`The review did not finish in ${maxSteps} steps`);
    },
    async stop() {
      await kvs.service.close();
    },
  };
}
