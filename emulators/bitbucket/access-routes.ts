/**
 * The Bitbucket Cloud 2.0 reads an access review needs, over BitbucketState: explicit user permissions on
 * repositories and projects (`permissions-config/users`, with their PUT and DELETE), the workspace's members
 * with their role (`GET /workspaces/{workspace}/permissions`), and the effective repository permissions of the
 * whole workspace (`GET /workspaces/{workspace}/permissions/repositories[/{repo_slug}]`). Behaviour follows
 * bitbucket-cloud-openapi.json; choices it leaves open are marked "assumed".
 */
import { objectOf, stringField } from '../json-access';
import type { JsonObject } from '../openapi/openapi-types';
import type { Route, RouteContext, RouteResult } from '../spec-emulator';
import { RouteError } from '../spec-emulator';
import type { BbqlNode, BbqlValue } from './bbql';
import { matchesBbql } from './bbql';
import type { BitbucketRouteEnvironment } from './bitbucket-routes';
import {
  api,
  filterAndSort,
  link,
  paginate,
  parseQuery,
  projectJson,
  repositoryJson,
  requireProject,
  requireRepository,
  requireWorkspace,
  userJson,
  withFields,
  workspaceJson,
} from './bitbucket-routes';
import type { BitbucketMember, BitbucketRepository, PermissionKind, UserPermissionGrant } from './bitbucket-state';
import { userPermissionKey } from './bitbucket-state';

const REPO = '/repositories/{workspace}/{repo_slug}';
const PROJECT = '/workspaces/{workspace}/projects/{project_key}';

/** Repository levels, lowest first. */
const REPOSITORY_RANK: Readonly<Record<string, number>> = { read: 1, write: 2, admin: 3 };
const REPOSITORY_LEVELS = ['read', 'write', 'admin'] as const;

/**
 * What a project grant gives on the project's repositories. Assumed: Bitbucket documents "create repositories"
 * as write access plus creating repositories, so it is write on the repositories.
 */
function inheritedLevel(permission: string): 'read' | 'write' | 'admin' {
  return permission === 'admin' ? 'admin' : permission === 'read' ? 'read' : 'write';
}

function admins(env: BitbucketRouteEnvironment): ReadonlySet<string> {
  return env.directory.admins?.() ?? env.state.workspaceAdmins;
}

function groupMembers(env: BitbucketRouteEnvironment, slug: string): readonly string[] {
  if (env.directory.groupMembers !== undefined) return env.directory.groupMembers(slug);
  return env.directory.groups().find((g) => g.slug === slug)?.members ?? [];
}

function accountOf(env: BitbucketRouteEnvironment, id: string): BitbucketMember | undefined {
  const known = env.directory.account?.(id);
  if (known !== undefined) return known;
  return env.directory.members().find((m) => m.accountId === id || m.uuid === id);
}

function requireAccount(env: BitbucketRouteEnvironment, id: string | undefined): BitbucketMember {
  const account = id === undefined ? undefined : accountOf(env, id);
  if (account === undefined) throw new RouteError(404, `User ${id ?? ''} not found.`);
  return account;
}

/** A user JSON for an account the listings name; an account Bitbucket no longer knows keeps its ID only. */
function accountJson(env: BitbucketRouteEnvironment, accountId: string, context: RouteContext): JsonObject {
  const account = accountOf(env, accountId);
  if (account !== undefined) return userJson(account, context);
  return { type: 'user', account_id: accountId };
}

function target(env: BitbucketRouteEnvironment, kind: PermissionKind, context: RouteContext): string {
  return kind === 'repository' ? requireRepository(env, context).slug : requireProject(env, context).key;
}

function userPermissionJson(
  env: BitbucketRouteEnvironment,
  context: RouteContext,
  grant: UserPermissionGrant,
): JsonObject {
  const ws = env.state.workspace.slug;
  const user = accountJson(env, grant.accountId, context);
  if (grant.kind === 'repository') {
    const repository = env.state.repositories.find((r) => r.slug === grant.target);
    return {
      type: 'repository_user_permission',
      user,
      permission: grant.permission,
      ...(repository === undefined ? {} : { repository: repositoryJson(env, repository, context) }),
      links: {
        self: link(
          `${api(context)}/repositories/${ws}/${grant.target}/permissions-config/users/${encodeURIComponent(grant.accountId)}`,
        ),
      },
    };
  }
  const project = env.state.projects.find((p) => p.key === grant.target);
  return {
    type: 'project_user_permission',
    user,
    permission: grant.permission,
    ...(project === undefined ? {} : { project: projectJson(env, project) }),
    links: {
      self: link(
        `${api(context)}/workspaces/${ws}/projects/${grant.target}/permissions-config/users/${encodeURIComponent(grant.accountId)}`,
      ),
    },
  };
}

/** The user grants on one target, in account-ID order (assumed: the spec documents no order). */
function userGrantsOf(env: BitbucketRouteEnvironment, kind: PermissionKind, targetId: string): UserPermissionGrant[] {
  const out: UserPermissionGrant[] = [];
  for (const grant of env.state.userPermissions.values())
    if (grant.kind === kind && grant.target === targetId) out.push(grant);
  return out.sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
}

function listUserPermissions(kind: PermissionKind) {
  return (env: BitbucketRouteEnvironment, context: RouteContext): RouteResult => {
    const targetId = target(env, kind, context);
    // "This endpoint does not support BBQL features": `q` and `sort` are not applied.
    const grants = userGrantsOf(env, kind, targetId);
    return {
      status: 200,
      json: paginate(grants, context, (grant) => userPermissionJson(env, context, grant)),
      present: withFields(context, []),
    };
  };
}

function getUserPermission(kind: PermissionKind) {
  return (env: BitbucketRouteEnvironment, context: RouteContext): RouteResult => {
    const targetId = target(env, kind, context);
    const account = requireAccount(env, context.params.selected_user_id);
    const grant = env.state.userPermissions.get(userPermissionKey(kind, targetId, account.accountId));
    if (grant === undefined) throw new RouteError(404, `${account.accountId} has no explicit permission here.`);
    return { status: 200, json: userPermissionJson(env, context, grant), present: withFields(context, []) };
  };
}

function putUserPermission(kind: PermissionKind) {
  return (env: BitbucketRouteEnvironment, context: RouteContext): RouteResult => {
    const targetId = target(env, kind, context);
    const account = requireAccount(env, context.params.selected_user_id);
    // "The selected user must be a member of the workspace" (the PUT's description).
    if (!env.directory.members().some((m) => m.accountId === account.accountId))
      throw new RouteError(400, `${account.accountId} is not a member of the workspace.`);
    if (env.state.planUserLimitReached) {
      throw new RouteError(
        402,
        "You have reached your plan's user limit and must upgrade before giving access to additional users.",
      );
    }
    const permission = stringField(objectOf(context.body), 'permission') as UserPermissionGrant['permission'];
    const grant: UserPermissionGrant = { kind, target: targetId, accountId: account.accountId, permission };
    env.state.userPermissions.set(userPermissionKey(kind, targetId, account.accountId), grant);
    return { status: 200, json: userPermissionJson(env, context, grant), present: withFields(context, []) };
  };
}

function deleteUserPermission(kind: PermissionKind) {
  return (env: BitbucketRouteEnvironment, context: RouteContext): RouteResult => {
    const targetId = target(env, kind, context);
    const id = context.params.selected_user_id ?? '';
    // A leaver Bitbucket no longer lists as a member can still hold a grant: it is found by the grant's own ID too.
    const accountId = accountOf(env, id)?.accountId ?? id;
    // "Deletes the … user permission …, if one exists": no grant is still a 204.
    env.state.userPermissions.delete(userPermissionKey(kind, targetId, accountId));
    return { status: 204 };
  };
}

function membershipWithRole(
  env: BitbucketRouteEnvironment,
  member: BitbucketMember,
  context: RouteContext,
  owners: ReadonlySet<string>,
): JsonObject {
  return {
    type: 'workspace_membership',
    permission: owners.has(member.accountId) ? 'owner' : 'member',
    user: userJson(member, context),
    workspace: workspaceJson(env, context),
    links: {
      self: link(`${api(context)}/workspaces/${env.state.workspace.slug}/members/${encodeURIComponent(member.uuid)}`),
    },
  };
}

/** `GET /workspaces/{workspace}/permissions`: every member with `owner` (workspace admin) or `member`; `q=permission="owner"` filters. */
function listWorkspacePermissions(env: BitbucketRouteEnvironment, context: RouteContext): RouteResult {
  requireWorkspace(env, context);
  const owners = admins(env);
  const items = filterAndSort(
    env.directory.members().map((m) => membershipWithRole(env, m, context, owners)),
    context,
    parseQuery(context),
  );
  return { status: 200, json: paginate(items, context), present: withFields(context, []) };
}

/** One effective permission: the highest level an account holds on a repository. */
interface Effective {
  readonly repository: BitbucketRepository;
  readonly accountId: string;
  readonly permission: 'read' | 'write' | 'admin';
}

/**
 * Every account's effective permission on the given repositories: workspace admins hold admin everywhere; a
 * project grant reaches the project's repositories; group grants reach the groups' members; the highest level
 * wins ("the highest level of permission the user has", the listing's description). Assumed: public access is
 * not a permission and is not listed, and an account whose grant outlived its membership is listed.
 */
function effectivePermissions(
  env: BitbucketRouteEnvironment,
  repositories: readonly BitbucketRepository[],
): Effective[] {
  const owners = admins(env);
  const groups = new Set(env.directory.groups().map((g) => g.slug));
  const membersOf = new Map<string, readonly string[]>();
  const members = (slug: string): readonly string[] => {
    let found = membersOf.get(slug);
    if (found === undefined) {
      found = groups.has(slug) ? groupMembers(env, slug) : [];
      membersOf.set(slug, found);
    }
    return found;
  };
  // Grants indexed by target once, not per repository.
  const groupGrants = new Map<string, { slug: string; level: string }[]>();
  for (const grant of env.state.permissions.values()) {
    const key = `${grant.kind}:${grant.target}`;
    groupGrants.set(key, [...(groupGrants.get(key) ?? []), { slug: grant.groupSlug, level: grant.permission }]);
  }
  const userGrants = new Map<string, { accountId: string; level: string }[]>();
  for (const grant of env.state.userPermissions.values()) {
    const key = `${grant.kind}:${grant.target}`;
    userGrants.set(key, [...(userGrants.get(key) ?? []), { accountId: grant.accountId, level: grant.permission }]);
  }
  const out: Effective[] = [];
  for (const repository of repositories) {
    const best = new Map<string, number>();
    const raise = (accountId: string, level: 'read' | 'write' | 'admin'): void => {
      const rank = REPOSITORY_RANK[level] ?? 0;
      if (rank > (best.get(accountId) ?? 0)) best.set(accountId, rank);
    };
    for (const id of owners) raise(id, 'admin');
    for (const key of [`project:${repository.projectKey}`, `repository:${repository.slug}`]) {
      for (const grant of userGrants.get(key) ?? []) raise(grant.accountId, inheritedLevel(grant.level));
      for (const grant of groupGrants.get(key) ?? [])
        for (const id of members(grant.slug)) raise(id, inheritedLevel(grant.level));
    }
    for (const accountId of [...best.keys()].sort()) {
      out.push({ repository, accountId, permission: REPOSITORY_LEVELS[(best.get(accountId) ?? 1) - 1] ?? 'read' });
    }
  }
  return out;
}

function effectiveJson(env: BitbucketRouteEnvironment, context: RouteContext, entry: Effective): JsonObject {
  const ws = env.state.workspace.slug;
  return {
    type: 'repository_permission',
    permission: entry.permission,
    user: accountJson(env, entry.accountId, context),
    repository: {
      type: 'repository',
      name: entry.repository.name,
      full_name: `${ws}/${entry.repository.slug}`,
      uuid: entry.repository.uuid,
    },
  };
}

function listEffective(single: boolean) {
  return (env: BitbucketRouteEnvironment, context: RouteContext): RouteResult => {
    requireWorkspace(env, context);
    // Only workspace admins may read it ("Only users with admin permission for the team"); the emulated callers are.
    const repositories = single
      ? [requireRepository(env, context)]
      : [...env.state.repositories].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
    const entries = effectivePermissions(env, repositories);
    const query = parseQuery(context);
    const sort = context.request.query.sort?.[0];
    if (query === undefined && (sort === undefined || sort === '')) {
      return {
        status: 200,
        json: paginate(entries, context, (entry) => effectiveJson(env, context, entry)),
        present: withFields(context, []),
      };
    }
    // Assumed: `permission` compares by level (read < write < admin), as `permission>"read"` in the description implies.
    const ranked = query === undefined ? undefined : rankPermissions(query);
    const json = entries.map((entry) => effectiveJson(env, context, entry));
    const filtered =
      ranked === undefined
        ? json
        : json.filter((item) =>
            matchesBbql(ranked, { ...item, permission: REPOSITORY_RANK[String(item.permission)] ?? 0 }),
          );
    return {
      status: 200,
      json: paginate(filterAndSort(filtered, context, undefined), context),
      present: withFields(context, []),
    };
  };
}

function rankPermissions(node: BbqlNode): BbqlNode {
  if (node.kind !== 'compare') return { ...node, left: rankPermissions(node.left), right: rankPermissions(node.right) };
  if (node.field !== 'permission') return node;
  const rank = (v: BbqlValue): BbqlValue => (typeof v === 'string' ? (REPOSITORY_RANK[v] ?? 0) : v);
  return { ...node, value: Array.isArray(node.value) ? node.value.map(rank) : rank(node.value) };
}

type Handler = (env: BitbucketRouteEnvironment, context: RouteContext) => RouteResult;

const HANDLERS: ReadonlyArray<readonly [string, boolean, Handler]> = [
  ['GET /workspaces/{workspace}/permissions', false, listWorkspacePermissions],
  ['GET /workspaces/{workspace}/permissions/repositories', false, listEffective(false)],
  ['GET /workspaces/{workspace}/permissions/repositories/{repo_slug}', false, listEffective(true)],
  [`GET ${REPO}/permissions-config/users`, false, listUserPermissions('repository')],
  [`GET ${REPO}/permissions-config/users/{selected_user_id}`, false, getUserPermission('repository')],
  [`PUT ${REPO}/permissions-config/users/{selected_user_id}`, true, putUserPermission('repository')],
  [`DELETE ${REPO}/permissions-config/users/{selected_user_id}`, true, deleteUserPermission('repository')],
  [`GET ${PROJECT}/permissions-config/users`, false, listUserPermissions('project')],
  [`GET ${PROJECT}/permissions-config/users/{selected_user_id}`, false, getUserPermission('project')],
  [`PUT ${PROJECT}/permissions-config/users/{selected_user_id}`, true, putUserPermission('project')],
  [`DELETE ${PROJECT}/permissions-config/users/{selected_user_id}`, true, deleteUserPermission('project')],
];

/** The operations these routes serve, as `METHOD /template`. */
export const ACCESS_ROUTE_KEYS: readonly string[] = HANDLERS.map(([key]) => key);

/** Returns the access-review routes (paths relative to https://api.bitbucket.org/2.0). */
export function accessRoutes(env: BitbucketRouteEnvironment): Route[] {
  return HANDLERS.map(([key, mutating, handler]) => ({
    key,
    mutating,
    handle: (context: RouteContext) => handler(env, context),
  }));
}
