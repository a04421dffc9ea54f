/**
 * A generated workspace for access reviews (issue 17): repositories in projects, IdP people, groups the app makes
 * (from IdP groups and permission rules), groups it did not make, workspace admins, hand-made group and direct user
 * grants, public repositories and people with no IdP identity. `planAccessWorkspace` is plain, deterministic data;
 * the seed functions write it into a linked emulator pair, in two steps so an end-to-end test can let the app create
 * the IdP's people and groups first and add what was made by hand afterwards.
 */
import type { AdminUser } from './admin-api/admin-state';
import { findUserByEmail } from './admin-api/admin-state';
import type { BitbucketState } from './bitbucket/bitbucket-state';
import { permissionKey, slugifyGroupName, userPermissionKey } from './bitbucket/bitbucket-state';
import type { LinkedEmulators } from './linked-emulators';
import { randomUuid, seededRandom, type RandomSource } from './random';
import { EMULATED_ADMIN, EMULATED_BITBUCKET_RESOURCE_ID, EMULATED_DIRECTORY_ID } from './seed';
import { VIRTUAL_EPOCH } from './virtual-clock';

/** Sizes of a generated workspace (the issue's defaults). */
export interface AccessWorkspaceSize {
  readonly repositories: number;
  readonly projects: number;
  readonly people: number;
  readonly appGroups: number;
  readonly foreignGroups: number;
  /** People with workspace access but no IdP identity. */
  readonly orphans: number;
  /** Direct user grants made by hand. */
  readonly userGrants: number;
  readonly publicRepositories: number;
  readonly seed: number;
}

/** The issue's workspace: 200 repositories in 20 projects, 500 people, 40 app groups and 10 others, 2 public repositories. */
export const ISSUE_17_WORKSPACE: AccessWorkspaceSize = {
  repositories: 200,
  projects: 20,
  people: 500,
  appGroups: 40,
  foreignGroups: 10,
  orphans: 5,
  userGrants: 120,
  publicRepositories: 2,
  seed: 17,
};

/** A level a grant carries. */
export type PlanLevel = 'read' | 'write' | 'create-repo' | 'admin';

/** A permission rule in the app's settings shape (src/sync/settings.ts), as plain data. */
export interface PlanRule {
  readonly id: string;
  readonly group: string;
  readonly projects: readonly string[];
  readonly repositories: readonly string[];
  readonly level: PlanLevel;
}

/** A hand-made group grant; `group` is an org group name (its slug is derived when seeding). */
export interface PlanGroupGrant {
  readonly kind: 'repository' | 'project';
  readonly target: string;
  readonly group: string;
  readonly level: PlanLevel;
}

/** A hand-made direct grant to a person, by email. */
export interface PlanUserGrant {
  readonly kind: 'repository' | 'project';
  readonly target: string;
  readonly email: string;
  readonly level: PlanLevel;
}

/** The whole generated workspace. */
export interface AccessWorkspacePlan {
  readonly size: AccessWorkspaceSize;
  readonly projects: readonly { readonly key: string; readonly name: string; readonly isPrivate: boolean }[];
  readonly repositories: readonly { readonly slug: string; readonly projectKey: string; readonly isPrivate: boolean }[];
  /** The IdP's people (pushed over SCIM, or seeded as accounts directly). */
  readonly people: readonly { readonly email: string; readonly name: string }[];
  /** IdP groups the app makes: displayName and member emails. */
  readonly appGroups: readonly { readonly name: string; readonly members: readonly string[] }[];
  /** Org groups made by hand: name and member emails. */
  readonly foreignGroups: readonly { readonly name: string; readonly members: readonly string[] }[];
  /** Accounts with workspace access and no IdP identity. */
  readonly orphans: readonly { readonly email: string; readonly name: string }[];
  /** Workspace admins besides the seeded admin (IdP people, by email). */
  readonly admins: readonly string[];
  readonly rules: readonly PlanRule[];
  /** Grants to groups the app did not make. */
  readonly foreignGroupGrants: readonly PlanGroupGrant[];
  /** Grants to app groups made by hand, by the app group's IdP name. */
  readonly handMadeAppGroupGrants: readonly PlanGroupGrant[];
  readonly userGrants: readonly PlanUserGrant[];
  /** IdP people a test deactivates: some hold direct grants, none is in a group the app did not make or an admin. */
  readonly leavers: readonly string[];
}

function pick<T>(random: RandomSource, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new RangeError('pick from an empty list');
  return item;
}

function sample<T>(random: RandomSource, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(...pool.splice(Math.floor(random() * pool.length), 1));
  return out;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

const REPO_LEVELS: readonly PlanLevel[] = ['read', 'write', 'admin'];
const PROJECT_LEVELS: readonly PlanLevel[] = ['read', 'write', 'create-repo', 'admin'];

/** Generates a workspace deterministically from its size (same size and seed, same plan). */
export function planAccessWorkspace(size: AccessWorkspaceSize = ISSUE_17_WORKSPACE): AccessWorkspacePlan {
  const random = seededRandom(size.seed);
  const pw = String(size.projects - 1).length;
  const projects = Array.from({ length: size.projects }, (_, i) => ({
    key: `P${pad(i, pw)}`,
    name: `Project ${i}`,
    isPrivate: true,
  }));
  const perProject = Math.ceil(size.repositories / size.projects);
  const rw = String(perProject - 1).length;
  const repositories = Array.from({ length: size.repositories }, (_, i) => {
    const project = projects[i % size.projects] ?? projects[0];
    if (project === undefined) throw new RangeError('a workspace needs a project');
    return {
      slug: `${project.key.toLowerCase()}-repo-${pad(Math.floor(i / size.projects), rw)}`,
      projectKey: project.key,
      isPrivate: true,
    };
  });
  // Public repositories live in public projects ("private projects cannot contain public repositories", the spec's project).
  const publicRepos = repositories
    .filter((_, i) => i % Math.max(1, Math.floor(size.repositories / Math.max(1, size.publicRepositories))) === 1)
    .slice(0, size.publicRepositories);
  const publicSet = new Set(publicRepos.map((r) => r.slug));
  const publicProjects = new Set(publicRepos.map((r) => r.projectKey));
  const finalRepositories = repositories.map((r) => ({ ...r, isPrivate: !publicSet.has(r.slug) }));
  const finalProjects = projects.map((p) => ({ ...p, isPrivate: !publicProjects.has(p.key) }));

  const uw = String(size.people).length;
  const people = Array.from({ length: size.people }, (_, i) => ({
    email: `person-${pad(i + 1, uw)}@example.com`,
    name: `Person ${i + 1}`,
  }));
  const emails = people.map((p) => p.email);
  const appGroups = Array.from({ length: size.appGroups }, (_, i) => ({
    name: `team-${pad(i, 2)}`,
    members: sample(random, emails, 8 + Math.floor(random() * 20)),
  }));
  const orphans = Array.from({ length: size.orphans }, (_, i) => ({
    email: `orphan-${i + 1}@example.com`,
    name: `Orphan ${i + 1}`,
  }));
  const admins = emails.slice(0, 2);

  // Leavers: IdP people in no group the app did not make, not admins; the first ones get direct grants below.
  const reserved = new Set(admins);
  const leaverCount = Math.min(10, Math.max(0, size.people - admins.length));
  const leavers = sample(
    random,
    emails.filter((e) => !reserved.has(e)),
    leaverCount,
  );
  const leaverSet = new Set(leavers);
  const groupable = [...emails.filter((e) => !leaverSet.has(e)), ...orphans.map((o) => o.email)];
  const foreignGroups = Array.from({ length: size.foreignGroups }, (_, i) => ({
    name: `legacy-${pad(i, 2)}`,
    members: sample(random, groupable, 5 + Math.floor(random() * 25)),
  }));

  const rules: PlanRule[] = appGroups.map((group, i) => {
    const project = finalProjects[i % size.projects];
    if (project === undefined) throw new RangeError('no project');
    if (i < size.appGroups / 2)
      return {
        id: `rule-${pad(i, 2)}`,
        group: group.name,
        projects: [project.key],
        repositories: [],
        level: i % 3 === 0 ? 'admin' : 'write',
      };
    return {
      id: `rule-${pad(i, 2)}`,
      group: group.name,
      projects: [],
      repositories: [`${project.key.toLowerCase()}-repo-*`],
      level: 'read',
    };
  });

  const targets = [
    ...finalRepositories.map((r) => ({ kind: 'repository' as const, target: r.slug })),
    ...finalProjects.map((p) => ({ kind: 'project' as const, target: p.key })),
  ];
  const levelFor = (kind: 'repository' | 'project'): PlanLevel =>
    pick(random, kind === 'repository' ? REPO_LEVELS : PROJECT_LEVELS);
  const foreignGroupGrants: PlanGroupGrant[] = [];
  for (const group of foreignGroups) {
    for (const t of sample(random, targets, 4))
      foreignGroupGrants.push({ ...t, group: group.name, level: levelFor(t.kind) });
  }
  const handMadeAppGroupGrants: PlanGroupGrant[] = sample(random, appGroups, Math.min(5, appGroups.length)).map(
    (group) => {
      const t = pick(random, finalRepositories);
      return { kind: 'repository', target: t.slug, group: group.name, level: pick(random, REPO_LEVELS) };
    },
  );
  const userGrants: PlanUserGrant[] = [];
  const seen = new Set<string>();
  const grantees = [...emails.filter((e) => !leaverSet.has(e)), ...orphans.map((o) => o.email)];
  // About half the leavers hold direct grants (so the rest have nothing left once the sync removes their groups).
  for (const email of leavers.slice(0, Math.ceil(leavers.length * 0.6))) {
    const t = pick(random, targets);
    seen.add(`${t.kind}:${t.target}:${email}`);
    userGrants.push({ ...t, email, level: levelFor(t.kind) });
  }
  while (userGrants.length < size.userGrants) {
    const t = pick(random, targets);
    const email = pick(random, grantees);
    const key = `${t.kind}:${t.target}:${email}`;
    if (seen.has(key)) continue;
    seen.add(key);
    userGrants.push({ ...t, email, level: levelFor(t.kind) });
  }
  return {
    size,
    projects: finalProjects,
    repositories: finalRepositories,
    people,
    appGroups,
    foreignGroups,
    orphans,
    admins,
    rules,
    foreignGroupGrants,
    handMadeAppGroupGrants,
    userGrants,
    leavers,
  };
}

/** Replaces the workspace's projects and repositories with the plan's. */
export function seedAccessLayout(state: BitbucketState, plan: AccessWorkspacePlan): void {
  const random = seededRandom(plan.size.seed ^ 0x1a7);
  const created = new Date(VIRTUAL_EPOCH - 30 * 86_400_000).toISOString();
  state.projects.splice(
    0,
    state.projects.length,
    ...plan.projects.map((p) => ({
      key: p.key,
      uuid: `{${randomUuid(random)}}`,
      name: p.name,
      description: '',
      isPrivate: p.isPrivate,
      createdOn: created,
      updatedOn: created,
    })),
  );
  state.repositories.splice(
    0,
    state.repositories.length,
    ...plan.repositories.map((r) => ({
      slug: r.slug,
      uuid: `{${randomUuid(random)}}`,
      name: r.slug,
      projectKey: r.projectKey,
      description: '',
      isPrivate: r.isPrivate,
      createdOn: created,
      updatedOn: created,
    })),
  );
}

function addAccount(emulators: LinkedEmulators, random: RandomSource, email: string, name: string): AdminUser {
  const existing = findUserByEmail(emulators.admin.state, email);
  if (existing !== undefined) return existing;
  const accountId = `712020:${randomUuid(random)}`;
  const user: AdminUser = {
    accountId,
    email,
    name,
    nickname: email.slice(0, email.indexOf('@')),
    accountStatus: 'active',
    claimStatus: 'managed',
    managementSource: null,
    emailVerified: true,
    mfaEnabled: false,
    addedToOrg: new Date(VIRTUAL_EPOCH - 86_400_000).toISOString(),
    directoryId: EMULATED_DIRECTORY_ID,
    membershipStatus: 'active',
    roles: [{ resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: 'atlassian/user' }],
  };
  emulators.admin.state.users.set(accountId, user);
  return user;
}

function addGroup(emulators: LinkedEmulators, random: RandomSource, name: string, members: readonly string[]): void {
  const id = randomUuid(random);
  emulators.admin.state.groups.set(id, {
    id,
    name,
    description: undefined,
    directoryId: EMULATED_DIRECTORY_ID,
    externalSynced: false,
    managedBy: 'admins',
    members: new Set(members),
    roles: [{ resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: 'atlassian/user' }],
    createdAt: emulators.clock.now(),
  });
}

function accountIdOf(emulators: LinkedEmulators, email: string): string {
  const user = findUserByEmail(emulators.admin.state, email);
  if (user === undefined) throw new Error(`No account has the email ${email}; create the IdP's people first`);
  return user.accountId;
}

/**
 * What the app would create from the IdP, done directly (for benchmarks and tests that do not run the sync): the
 * IdP's people as accounts with Bitbucket access, and the app's groups as org groups named `prefix + name`.
 */
export function seedIdpAccounts(emulators: LinkedEmulators, plan: AccessWorkspacePlan, prefix = ''): void {
  const random = seededRandom(plan.size.seed ^ 0x1d9);
  for (const person of plan.people) addAccount(emulators, random, person.email, person.name);
  for (const group of plan.appGroups)
    addGroup(
      emulators,
      random,
      `${prefix}${group.name}`,
      group.members.map((e) => accountIdOf(emulators, e)),
    );
}

/**
 * Everything made by hand, once the IdP's people have accounts: the accounts without an IdP identity, the org groups
 * the app did not make, the workspace admins, and the hand-made group and user grants. `appGroupSlug` gives the
 * Bitbucket slug of an app group by its IdP name (the app chooses its org group names).
 */
export function seedHandMadeAccess(
  emulators: LinkedEmulators,
  plan: AccessWorkspacePlan,
  appGroupSlug: (idpName: string) => string,
): void {
  const random = seededRandom(plan.size.seed ^ 0x4a4d);
  for (const orphan of plan.orphans) addAccount(emulators, random, orphan.email, orphan.name);
  for (const group of plan.foreignGroups)
    addGroup(
      emulators,
      random,
      group.name,
      group.members.map((e) => accountIdOf(emulators, e)),
    );
  const bitbucket = emulators.bitbucket.state;
  bitbucket.workspaceAdmins.add(EMULATED_ADMIN.accountId);
  for (const email of plan.admins) {
    const user = findUserByEmail(emulators.admin.state, email);
    if (user === undefined) throw new Error(`No account has the email ${email}`);
    if (!user.roles.some((r) => r.roleId === 'atlassian/admin'))
      user.roles.push({ resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: 'atlassian/admin' });
  }
  for (const grant of plan.foreignGroupGrants) {
    const slug = slugifyGroupName(grant.group);
    bitbucket.permissions.set(permissionKey(grant.kind, grant.target, slug), {
      kind: grant.kind,
      target: grant.target,
      groupSlug: slug,
      permission: grant.level,
    });
  }
  for (const grant of plan.handMadeAppGroupGrants) {
    const slug = appGroupSlug(grant.group);
    bitbucket.permissions.set(permissionKey(grant.kind, grant.target, slug), {
      kind: grant.kind,
      target: grant.target,
      groupSlug: slug,
      permission: grant.level,
    });
  }
  for (const grant of plan.userGrants) {
    const accountId = accountIdOf(emulators, grant.email);
    bitbucket.userPermissions.set(userPermissionKey(grant.kind, grant.target, accountId), {
      kind: grant.kind,
      target: grant.target,
      accountId,
      permission: grant.level,
    });
  }
}
