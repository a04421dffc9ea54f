/**
 * The Bitbucket Cloud 2.0 operations the app calls, over BitbucketState: workspace members (with the email
 * filter), projects, repositories, and `permissions-config` for groups on repositories and projects.
 * Behaviour follows bitbucket-cloud-openapi.json and docs/notes/bitbucket-api.md; choices the spec leaves open are
 * marked "assumed".
 */
import type { JsonObject, JsonValue } from '../openapi/openapi-types';
import type { Route, RouteContext, RouteResult } from '../spec-emulator';
import { RouteError } from '../spec-emulator';
import { objectOf, stringField } from '../json-access';
import type { BbqlNode } from './bbql';
import { BbqlSyntaxError, matchesBbql, parseBbql, valuesComparedWith } from './bbql';
import type {
  BitbucketGroup,
  BitbucketMember,
  BitbucketProject,
  BitbucketRepository,
  BitbucketState,
  PermissionGrant,
  PermissionKind,
} from './bitbucket-state';
import { permissionKey } from './bitbucket-state';
import { applyFields } from './partial-response';

/** Where members and groups come from: the emulator's own state, or that plus a linked Admin API. */
export interface BitbucketDirectory {
  members(): readonly BitbucketMember[];
  groups(): readonly BitbucketGroup[];
  /** Account IDs of a group's members (default: the group's own `members`). */
  groupMembers?(slug: string): readonly string[];
  /** Account IDs of the workspace's admins (default: the state's `workspaceAdmins`). */
  admins?(): ReadonlySet<string>;
  /** Any account Bitbucket knows, member or not (a leaver's lingering grant still names them); default: the members. */
  account?(accountId: string): BitbucketMember | undefined;
}

/** Behaviour switches of the Bitbucket emulator, set per test. */
export interface BitbucketBehaviour {
  /**
   * Answer to GET …/permissions-config/groups/{group_slug} for an existing group without an explicit
   * permission: `not-found` (404) or `none` (200 with permission "none", an enum value the GET documents).
   * Which one Bitbucket sends is not documented; 404 is assumed by default.
   */
  unsetGroupPermission: 'not-found' | 'none';
}

/** What the routes need besides the request. */
export interface BitbucketRouteEnvironment {
  readonly state: BitbucketState;
  readonly directory: BitbucketDirectory;
  readonly behaviour: BitbucketBehaviour;
}

/** The members endpoint's limit on addresses in one email filter (its description: "up to 90"). */
export const MAX_EMAIL_FILTER = 90;

const REPO = '/repositories/{workspace}/{repo_slug}';
const PROJECT = '/workspaces/{workspace}/projects/{project_key}';

/** The API root for links (`<base>/2.0`). */
export function api(context: RouteContext): string {
  return `${context.baseUrl}/2.0`;
}

/** Throws 404 unless the path names this workspace (slug or `{uuid}`). */
export function requireWorkspace(env: BitbucketRouteEnvironment, context: RouteContext): void {
  const id = context.params.workspace ?? '';
  if (id !== env.state.workspace.slug && id !== env.state.workspace.uuid)
    throw new RouteError(404, `Workspace ${id} not found.`);
}

/** The path's repository (slug or `{uuid}`), or a 404. */
export function requireRepository(env: BitbucketRouteEnvironment, context: RouteContext): BitbucketRepository {
  requireWorkspace(env, context);
  const id = context.params.repo_slug ?? '';
  const repository = env.state.repositories.find((r) => r.slug === id || r.uuid === id);
  if (repository === undefined) throw new RouteError(404, `Repository ${env.state.workspace.slug}/${id} not found.`);
  return repository;
}

/** The path's project, or a 404. */
export function requireProject(env: BitbucketRouteEnvironment, context: RouteContext): BitbucketProject {
  requireWorkspace(env, context);
  const project = env.state.projects.find((p) => p.key === context.params.project_key);
  if (project === undefined) throw new RouteError(404, `Project ${context.params.project_key ?? ''} not found.`);
  return project;
}

function requireGroup(env: BitbucketRouteEnvironment, slug: string | undefined): BitbucketGroup {
  const group = env.directory.groups().find((g) => g.slug === slug);
  if (group === undefined) throw new RouteError(404, `Group ${slug ?? ''} not found.`);
  return group;
}

/** A `link` object. */
export function link(href: string): JsonObject {
  return { href };
}

/** The `workspace` representation. */
export function workspaceJson(env: BitbucketRouteEnvironment, context: RouteContext): JsonObject {
  const ws = env.state.workspace;
  return {
    type: 'workspace',
    uuid: ws.uuid,
    slug: ws.slug,
    name: ws.name,
    links: { self: link(`${api(context)}/workspaces/${ws.slug}`), html: link(`https://bitbucket.org/${ws.slug}/`) },
  };
}

/** The `user` representation of an account. */
export function userJson(member: BitbucketMember, context: RouteContext): JsonObject {
  return {
    type: 'user',
    account_id: member.accountId,
    uuid: member.uuid,
    display_name: member.displayName,
    nickname: member.nickname,
    links: { self: link(`${api(context)}/users/${encodeURIComponent(member.uuid)}`) },
  };
}

function membershipJson(
  env: BitbucketRouteEnvironment,
  member: BitbucketMember,
  context: RouteContext,
  withEmail: boolean,
): JsonObject {
  const user = userJson(member, context);
  if (withEmail) user.email = member.email;
  return {
    type: 'workspace_membership',
    user,
    workspace: workspaceJson(env, context),
    links: {
      self: link(`${api(context)}/workspaces/${env.state.workspace.slug}/members/${encodeURIComponent(member.uuid)}`),
    },
  };
}

/** The `project` representation. */
export function projectJson(env: BitbucketRouteEnvironment, project: BitbucketProject): JsonObject {
  const ws = env.state.workspace;
  return {
    type: 'project',
    key: project.key,
    uuid: project.uuid,
    name: project.name,
    description: project.description,
    is_private: project.isPrivate,
    created_on: project.createdOn,
    updated_on: project.updatedOn,
    has_publicly_visible_repos: false,
    owner: { type: 'team', uuid: ws.uuid, display_name: ws.name, username: ws.slug },
    links: { html: link(`https://bitbucket.org/${ws.slug}/workspace/projects/${project.key}`) },
  };
}

/** The `repository` representation. */
export function repositoryJson(
  env: BitbucketRouteEnvironment,
  repository: BitbucketRepository,
  context: RouteContext,
): JsonObject {
  const ws = env.state.workspace;
  const project = env.state.projects.find((p) => p.key === repository.projectKey);
  const json: JsonObject = {
    type: 'repository',
    uuid: repository.uuid,
    slug: repository.slug,
    name: repository.name,
    full_name: `${ws.slug}/${repository.slug}`,
    description: repository.description,
    is_private: repository.isPrivate,
    scm: 'git',
    fork_policy: 'no_public_forks',
    created_on: repository.createdOn,
    updated_on: repository.updatedOn,
    workspace: workspaceJson(env, context),
    links: {
      self: link(`${api(context)}/repositories/${ws.slug}/${repository.slug}`),
      html: link(`https://bitbucket.org/${ws.slug}/${repository.slug}`),
    },
  };
  if (project !== undefined) json.project = projectJson(env, project);
  return json;
}

function groupJson(env: BitbucketRouteEnvironment, group: BitbucketGroup): JsonObject {
  return { type: 'group', name: group.name, slug: group.slug, full_slug: `${env.state.workspace.slug}:${group.slug}` };
}

function permissionJson(
  env: BitbucketRouteEnvironment,
  context: RouteContext,
  grant: PermissionGrant | { kind: PermissionKind; target: string; groupSlug: string; permission: 'none' },
  group: BitbucketGroup,
): JsonObject {
  const ws = env.state.workspace.slug;
  if (grant.kind === 'repository') {
    const repository = env.state.repositories.find((r) => r.slug === grant.target);
    return {
      type: 'repository_group_permission',
      group: groupJson(env, group),
      permission: grant.permission,
      ...(repository === undefined ? {} : { repository: repositoryJson(env, repository, context) }),
      links: {
        self: link(`${api(context)}/repositories/${ws}/${grant.target}/permissions-config/groups/${group.slug}`),
      },
    };
  }
  const project = env.state.projects.find((p) => p.key === grant.target);
  return {
    type: 'project_group_permission',
    group: groupJson(env, group),
    permission: grant.permission,
    ...(project === undefined ? {} : { project: projectJson(env, project) }),
    links: {
      self: link(`${api(context)}/workspaces/${ws}/projects/${grant.target}/permissions-config/groups/${group.slug}`),
    },
  };
}

/** The parsed `q` parameter (BBQL), or undefined; a syntax error is a 400. */
export function parseQuery(context: RouteContext): BbqlNode | undefined {
  const q = context.request.query.q?.[0];
  if (q === undefined || q.trim() === '') return undefined;
  try {
    return parseBbql(q);
  } catch (error) {
    if (error instanceof BbqlSyntaxError) throw new RouteError(400, `Invalid query: ${error.message}`);
    throw error;
  }
}

function readPath(value: JsonValue | undefined, path: string): JsonValue | undefined {
  let node = value;
  for (const key of path.split('.'))
    node = node !== null && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined;
  return node;
}

/** Filters and sorts a collection with `q` and `sort` as the spec's "Filter and sort" narrative describes. */
export function filterAndSort(items: JsonObject[], context: RouteContext, query: BbqlNode | undefined): JsonObject[] {
  const filtered = query === undefined ? items : items.filter((item) => matchesBbql(query, item));
  const sort = context.request.query.sort?.[0];
  if (sort === undefined || sort === '') return filtered;
  const descending = sort.startsWith('-');
  const field = descending ? sort.slice(1) : sort;
  return [...filtered].sort((a, b) => {
    const x = readPath(a, field);
    const y = readPath(b, field);
    const order = String(x ?? '').localeCompare(String(y ?? ''));
    return descending ? -order : order;
  });
}

/**
 * Cuts a page of a collection (spec narrative "Pagination"): `page` from 1, `pagelen` 10 by default and at
 * most 100 (larger values are clamped, assumed), and an absolute `next`/`previous` link.
 */
export function paginate<T = JsonValue>(
  items: readonly T[],
  context: RouteContext,
  toJson?: (item: T) => JsonValue,
): JsonObject {
  const page = Math.max(1, Number(context.request.query.page?.[0] ?? '1'));
  const pagelen = Math.min(100, Math.max(1, Number(context.request.query.pagelen?.[0] ?? '10')));
  const start = (page - 1) * pagelen;
  // Only the page's own items are turned into JSON (the workspace-wide listings hold tens of thousands).
  const slice = items.slice(start, start + pagelen);
  const values = toJson === undefined ? (slice as unknown as JsonValue[]) : slice.map(toJson);
  const result: JsonObject = { size: items.length, page, pagelen, values };
  const linkTo = (target: number): string => {
    const params = new URLSearchParams();
    for (const [name, values] of Object.entries(context.request.query))
      if (name !== 'page') for (const v of values) params.append(name, v);
    params.set('page', String(target));
    return `${context.baseUrl}${context.request.path}?${params.toString()}`;
  };
  if (start + pagelen < items.length) result.next = linkTo(page + 1);
  if (page > 1) result.previous = linkTo(page - 1);
  return result;
}

/** Applies the `fields` parameter (partial responses) to a validated body, keeping `hidden` paths out unless asked for. */
export function withFields(context: RouteContext, hidden: readonly string[]): (value: JsonValue) => JsonValue {
  return (value) => applyFields(value, context.request.query.fields?.[0], hidden);
}

function getWorkspace(env: BitbucketRouteEnvironment, context: RouteContext): RouteResult {
  requireWorkspace(env, context);
  return { status: 200, json: workspaceJson(env, context), present: withFields(context, []) };
}

function listMembers(env: BitbucketRouteEnvironment, context: RouteContext): RouteResult {
  requireWorkspace(env, context);
  const query = parseQuery(context);
  const filterEmails =
    query === undefined
      ? []
      : valuesComparedWith(query, 'user.email').filter((v): v is string => typeof v === 'string');
  if (filterEmails.length > MAX_EMAIL_FILTER)
    throw new RouteError(400, `At most ${MAX_EMAIL_FILTER} email addresses can be queried at a time.`);
  const wanted = new Set(filterEmails.map((e) => e.toLowerCase()));
  // Emails are compared case-insensitively (assumed), against a probe that always carries the address.
  const probeQuery = query === undefined ? undefined : lowerEmailLiterals(query);
  const selected = env.directory.members().filter((member) => {
    if (probeQuery === undefined) return true;
    const probe = membershipJson(env, { ...member, email: member.email.toLowerCase() }, context, true);
    return matchesBbql(probeQuery, probe);
  });
  // "Email addresses that you filter by (and only these email addresses) can be included in the response."
  const items = filterAndSort(
    selected.map((m) => membershipJson(env, m, context, wanted.has(m.email.toLowerCase()))),
    context,
    undefined,
  );
  return { status: 200, json: paginate(items, context), present: withFields(context, ['values.user.email']) };
}

function lowerEmailLiterals(node: BbqlNode): BbqlNode {
  if (node.kind !== 'compare')
    return { ...node, left: lowerEmailLiterals(node.left), right: lowerEmailLiterals(node.right) };
  if (node.field !== 'user.email') return node;
  const lower = (v: unknown): typeof node.value => (typeof v === 'string' ? v.toLowerCase() : (v as typeof node.value));
  return { ...node, value: Array.isArray(node.value) ? node.value.map(lower) : lower(node.value) };
}

function getMember(env: BitbucketRouteEnvironment, context: RouteContext): RouteResult {
  requireWorkspace(env, context);
  const id = context.params.member ?? '';
  const member = env.directory.members().find((m) => m.uuid === id || m.accountId === id);
  if (member === undefined) throw new RouteError(404, `${id} is not a member of ${env.state.workspace.slug}.`);
  return { status: 200, json: membershipJson(env, member, context, false), present: withFields(context, []) };
}

function listProjects(env: BitbucketRouteEnvironment, context: RouteContext): RouteResult {
  requireWorkspace(env, context);
  const items = filterAndSort(
    env.state.projects.map((p) => projectJson(env, p)),
    context,
    parseQuery(context),
  );
  return { status: 200, json: paginate(items, context), present: withFields(context, []) };
}

function getProject(env: BitbucketRouteEnvironment, context: RouteContext): RouteResult {
  return { status: 200, json: projectJson(env, requireProject(env, context)), present: withFields(context, []) };
}

function listRepositories(env: BitbucketRouteEnvironment, context: RouteContext): RouteResult {
  requireWorkspace(env, context);
  // `role` narrows by the caller's own role; the emulated caller is a workspace admin, so it changes nothing.
  const items = filterAndSort(
    env.state.repositories.map((r) => repositoryJson(env, r, context)),
    context,
    parseQuery(context),
  );
  return { status: 200, json: paginate(items, context), present: withFields(context, []) };
}

function getRepository(env: BitbucketRouteEnvironment, context: RouteContext): RouteResult {
  return {
    status: 200,
    json: repositoryJson(env, requireRepository(env, context), context),
    present: withFields(context, []),
  };
}

function target(env: BitbucketRouteEnvironment, kind: PermissionKind, context: RouteContext): string {
  return kind === 'repository' ? requireRepository(env, context).slug : requireProject(env, context).key;
}

function grantsOf(
  env: BitbucketRouteEnvironment,
  kind: PermissionKind,
  targetId: string,
): Array<{ grant: PermissionGrant; group: BitbucketGroup }> {
  const groups = env.directory.groups();
  const out: Array<{ grant: PermissionGrant; group: BitbucketGroup }> = [];
  for (const grant of env.state.permissions.values()) {
    if (grant.kind !== kind || grant.target !== targetId) continue;
    // A grant outlives nothing: when its group is gone (deleted in the organization), so is the grant.
    const group = groups.find((g) => g.slug === grant.groupSlug);
    if (group !== undefined) out.push({ grant, group });
  }
  return out;
}

function listPermissions(kind: PermissionKind) {
  return (env: BitbucketRouteEnvironment, context: RouteContext): RouteResult => {
    const targetId = target(env, kind, context);
    const items = grantsOf(env, kind, targetId).map(({ grant, group }) => permissionJson(env, context, grant, group));
    return { status: 200, json: paginate(items, context), present: withFields(context, []) };
  };
}

function getPermission(kind: PermissionKind) {
  return (env: BitbucketRouteEnvironment, context: RouteContext): RouteResult => {
    const targetId = target(env, kind, context);
    const group = requireGroup(env, context.params.group_slug);
    const grant = env.state.permissions.get(permissionKey(kind, targetId, group.slug));
    if (grant !== undefined)
      return { status: 200, json: permissionJson(env, context, grant, group), present: withFields(context, []) };
    if (env.behaviour.unsetGroupPermission === 'not-found')
      throw new RouteError(404, `Group ${group.slug} has no explicit permission here.`);
    return {
      status: 200,
      json: permissionJson(env, context, { kind, target: targetId, groupSlug: group.slug, permission: 'none' }, group),
      present: withFields(context, []),
    };
  };
}

function putPermission(kind: PermissionKind) {
  return (env: BitbucketRouteEnvironment, context: RouteContext): RouteResult => {
    const targetId = target(env, kind, context);
    const group = requireGroup(env, context.params.group_slug);
    if (env.state.planUserLimitReached) {
      throw new RouteError(
        402,
        "You have reached your plan's user limit and must upgrade before giving access to additional users.",
      );
    }
    const permission = stringField(objectOf(context.body), 'permission') as PermissionGrant['permission'];
    const key = permissionKey(kind, targetId, group.slug);
    const grant: PermissionGrant = { kind, target: targetId, groupSlug: group.slug, permission };
    env.state.permissions.set(key, grant);
    return { status: 200, json: permissionJson(env, context, grant, group), present: withFields(context, []) };
  };
}

function deletePermission(kind: PermissionKind) {
  return (env: BitbucketRouteEnvironment, context: RouteContext): RouteResult => {
    const targetId = target(env, kind, context);
    const group = requireGroup(env, context.params.group_slug);
    // "Deletes the … group permission …, if one exists": no grant is still a 204.
    env.state.permissions.delete(permissionKey(kind, targetId, group.slug));
    return { status: 204 };
  };
}

/** Returns the routes of the Bitbucket emulator (paths relative to the spec's server, https://api.bitbucket.org/2.0). */
export function bitbucketRoutes(env: BitbucketRouteEnvironment): Route[] {
  const route = (
    key: string,
    mutating: boolean,
    handler: (e: BitbucketRouteEnvironment, c: RouteContext) => RouteResult,
  ): Route => ({
    key,
    mutating,
    handle: (context) => handler(env, context),
  });
  return [
    route('GET /workspaces/{workspace}', false, getWorkspace),
    route('GET /workspaces/{workspace}/members', false, listMembers),
    route('GET /workspaces/{workspace}/members/{member}', false, getMember),
    route('GET /workspaces/{workspace}/projects', false, listProjects),
    route(`GET ${PROJECT}`, false, getProject),
    route('GET /repositories/{workspace}', false, listRepositories),
    route(`GET ${REPO}`, false, getRepository),
    route(`GET ${REPO}/permissions-config/groups`, false, listPermissions('repository')),
    route(`GET ${REPO}/permissions-config/groups/{group_slug}`, false, getPermission('repository')),
    route(`PUT ${REPO}/permissions-config/groups/{group_slug}`, true, putPermission('repository')),
    route(`DELETE ${REPO}/permissions-config/groups/{group_slug}`, true, deletePermission('repository')),
    route(`GET ${PROJECT}/permissions-config/groups`, false, listPermissions('project')),
    route(`GET ${PROJECT}/permissions-config/groups/{group_slug}`, false, getPermission('project')),
    route(`PUT ${PROJECT}/permissions-config/groups/{group_slug}`, true, putPermission('project')),
    route(`DELETE ${PROJECT}/permissions-config/groups/{group_slug}`, true, deletePermission('project')),
  ];
}
