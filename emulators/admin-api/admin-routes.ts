/**
 * The Admin API v2 operations the app calls, over AdminState. Behaviour follows the organization spec
 * (admin-organization-openapi.json) and docs/notes/atlassian-admin-api.md; where the spec is silent (repeat assigns,
 * revoking what is not assigned, removing a non-member) the choice is marked "assumed".
 */
import type { JsonObject, JsonValue } from '../openapi/openapi-types';
import type { Route, RouteContext, RouteResult } from '../spec-emulator';
import { RouteError } from '../spec-emulator';
import { booleanField, objectList, objectOf, stringField, stringList } from '../json-access';
import type { AdminGroup, AdminResource, AdminState, AdminUser, RoleGrant } from './admin-state';
import {
  GROUP_ROLE_IDS,
  findGroupByName,
  findUserByEmail,
  hasAccess,
  userStatus,
  usersWithAccess,
  UserMap,
} from './admin-state';
import type { PageRequest } from './admin-paging';
import { filterList, pageFromBody, pageFromQuery, pageOf } from './admin-paging';

/** Behaviour switches of the Admin API emulator, set per test. */
export interface AdminBehaviour {
  /**
   * How long a created group stays invisible to groups/search, in clock milliseconds (assumed: the removed
   * v1 create said groups are "eventually created"; the v2 spec says nothing).
   */
  groupSearchDelayMs: number;
  /**
   * Form of group IDs in a user search with `expand: ["groups"]`: `ari` follows the spec's example
   * (`ari:cloud:identity::group/<uuid>`), `plain` returns the bare UUID.
   */
  userGroupIdForm: 'ari' | 'plain';
}

/** What the routes need besides the request. */
export interface AdminRouteEnvironment {
  readonly state: AdminState;
  readonly behaviour: AdminBehaviour;
  /** A new UUID from the emulator's seeded generator. */
  readonly newUuid: () => string;
}

const ORG = '/v2/orgs/{orgId}';
const DIR = `${ORG}/directories/{directoryId}`;
const GROUP_ARI_PREFIX = 'ari:cloud:identity::group/';

function requireOrg(env: AdminRouteEnvironment, context: RouteContext): void {
  if (context.params.orgId === env.state.orgId) return;
  // getDirectoriesForOrg documents no 404; a key used against another org is then an authentication
  // failure (assumed).
  const status = context.operation.operation.responses['404'] !== undefined ? 404 : 401;
  throw new RouteError(status, 'No organization with this ID is accessible with this API key.');
}

/** The directory scope of a call: a real directory ID, or `-` ("all directories") where reads allow it. */
function requireDirectory(env: AdminRouteEnvironment, context: RouteContext, allowAll: boolean): string {
  requireOrg(env, context);
  const id = context.params.directoryId ?? '';
  if (id === '-') {
    if (allowAll) return id;
    throw new RouteError(400, 'Write operations need a directory ID; "-" is documented for reads only.');
  }
  if (!env.state.directories.some((d) => d.directoryId === id)) throw new RouteError(404, 'Directory not found.');
  return id;
}

function inScope(scope: string, directoryId: string | undefined): boolean {
  return scope === '-' || directoryId === scope;
}

function requireGroup(env: AdminRouteEnvironment, scope: string, groupId: string | undefined): AdminGroup {
  const group = env.state.groups.get(normaliseGroupId(groupId ?? ''));
  if (group === undefined || !inScope(scope, group.directoryId)) throw new RouteError(404, 'Group not found.');
  return group;
}

function requireResource(env: AdminRouteEnvironment, resourceId: string, code?: string): AdminResource {
  const resource = env.state.resources.find((r) => r.id === resourceId);
  if (resource === undefined) throw new RouteError(404, `Resource ${resourceId} not found.`, code);
  return resource;
}

function normaliseGroupId(id: string): string {
  return id.startsWith(GROUP_ARI_PREFIX) ? id.slice(GROUP_ARI_PREFIX.length) : id;
}

function effectiveRoles(env: AdminRouteEnvironment, user: AdminUser): RoleGrant[] {
  const roles = [...user.roles];
  for (const group of env.state.groups.values()) if (group.members.has(user.accountId)) roles.push(...group.roles);
  return roles;
}

/** Throws the 409 "user limit" when granting access to `newcomers` would exceed a resource's capacity. */
function checkCapacity(
  env: AdminRouteEnvironment,
  resourceIds: Iterable<string>,
  newcomers: Iterable<AdminUser>,
  message: string,
  code?: string,
): void {
  for (const resourceId of new Set(resourceIds)) {
    const resource = env.state.resources.find((r) => r.id === resourceId);
    if (resource === undefined || resource.capacity === null) continue;
    const projected = usersWithAccess(env.state, resourceId);
    for (const user of newcomers)
      if (user.accountStatus === 'active' && user.membershipStatus === 'active') projected.add(user.accountId);
    if (projected.size > resource.capacity) throw new RouteError(409, message, code);
  }
}

function userJson(env: AdminRouteEnvironment, user: AdminUser, scope: string, expand: readonly string[]): JsonObject {
  const json: JsonObject = {
    accountId: user.accountId,
    accountType: 'atlassian',
    accountStatus: user.accountStatus,
    membershipStatus: user.membershipStatus,
    status: userStatus(user),
    claimStatus: user.claimStatus,
    managementSource: user.managementSource,
    email: user.email,
    emailVerified: user.emailVerified,
    name: user.name,
    nickname: user.nickname,
    addedToOrg: user.addedToOrg,
    mfaEnabled: user.mfaEnabled,
  };
  if (expand.includes('groups')) {
    const groups: JsonValue[] = [];
    for (const group of env.state.groups.values()) {
      if (!group.members.has(user.accountId) || !inScope(scope, group.directoryId)) continue;
      const id = env.behaviour.userGroupIdForm === 'ari' ? `${GROUP_ARI_PREFIX}${group.id}` : group.id;
      groups.push({ id, name: group.name });
    }
    json.groups = groups;
  }
  const accessible = env.state.resources.filter((r) => hasAccess(env.state, user, r.id));
  if (expand.includes('productAccess')) json.productAccess = accessible.map((r) => ({ id: r.id, key: r.type }));
  if (expand.includes('counts.resources')) json.counts = { resources: accessible.length };
  if (expand.includes('platformRoles')) json.platformRoles = [];
  return json;
}

function groupJson(
  env: AdminRouteEnvironment,
  group: AdminGroup,
  context: RouteContext,
  withCounts: { users: boolean; resources: boolean },
): JsonObject {
  const json: JsonObject = {
    id: group.id,
    name: group.name,
    directoryId: group.directoryId,
    externalSynced: group.externalSynced,
    managedBy: group.managedBy,
    managementAccess: { readable: true, modifiable: !group.externalSynced, deletable: !group.externalSynced },
    links: {
      self: `${context.baseUrl}/v2/orgs/${env.state.orgId}/directories/${group.directoryId}/groups/${group.id}`,
    },
  };
  if (group.description !== undefined) json.description = group.description;
  const counts: JsonObject = {};
  if (withCounts.users) counts.users = group.members.size;
  if (withCounts.resources) counts.resources = new Set(group.roles.map((r) => r.resourceId)).size;
  if (Object.keys(counts).length > 0) json.counts = counts;
  return json;
}

function listDirectories(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  requireOrg(env, context);
  const page: PageRequest = pageFromQuery(context.request.query, 20);
  const accountId = filterList(page.filters, 'accountId')?.[0];
  const ids = filterList(page.filters, 'directoryIds');
  const term = filterList(page.filters, 'searchTerm')?.[0]?.toLowerCase();
  const user = accountId === undefined ? undefined : env.state.users.get(accountId);
  const matching = env.state.directories.filter(
    (d) =>
      (accountId === undefined || user?.directoryId === d.directoryId) &&
      (ids === undefined || ids.includes(d.directoryId)) &&
      (term === undefined || d.name.toLowerCase().includes(term)),
  );
  const { items, links } = pageOf(matching, page);
  return { status: 200, json: { data: items.map((d) => ({ directoryId: d.directoryId, name: d.name })), links } };
}

function searchUsers(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, true);
  const page = pageFromBody(objectOf(context.body), 50);
  const f = page.filters;
  if (f.emails !== undefined && f.searchTerm !== undefined)
    throw new RouteError(400, 'emails and searchTerm cannot be combined.');
  const emails = filterList(f, 'emails')?.map((e) => e.toLowerCase());
  const term = filterList(f, 'searchTerm')?.[0]?.toLowerCase();
  const accountIds = filterList(f, 'accountIds');
  const groupIds = filterList(f, 'groupIds')?.map(normaliseGroupId);
  const directoryIds = filterList(f, 'directoryIds');
  const domains = filterList(f, 'emailDomains')?.map((d) => d.toLowerCase());
  const statuses = filterList(f, 'status');
  const accountStatus = filterList(f, 'accountStatus');
  const membershipStatus = filterList(f, 'membershipStatus');
  const claimStatus = filterList(f, 'claimStatus')?.[0];
  const mfa = booleanField(f, 'mfaEnabled');
  const resourceIds = filterList(f, 'resourceIds');
  const roleIds = filterList(f, 'roleIds');
  const expand = filterList(f, 'expand') ?? [];

  // With an email or group filter only those users can match: an index finds them, in the users' own order.
  const users = env.state.users;
  const candidates =
    users instanceof UserMap && (emails !== undefined || groupIds !== undefined)
      ? emails !== undefined
        ? users.inOrder([], emails)
        : users.inOrder(groupIds?.flatMap((id) => [...(env.state.groups.get(id)?.members ?? [])]) ?? [])
      : [...users.values()];
  const matching = candidates.filter((user) => {
    if (scope !== '-' && user.directoryId !== scope) return false;
    if (emails !== undefined && !emails.includes(user.email.toLowerCase())) return false;
    if (term !== undefined && !user.name.toLowerCase().includes(term) && !user.email.toLowerCase().includes(term))
      return false;
    if (accountIds !== undefined && !accountIds.includes(user.accountId)) return false;
    if (
      groupIds !== undefined &&
      !groupIds.some((id) => env.state.groups.get(id)?.members.has(user.accountId) === true)
    )
      return false;
    if (directoryIds !== undefined && (user.directoryId === undefined || !directoryIds.includes(user.directoryId)))
      return false;
    if (domains !== undefined && !domains.includes(user.email.split('@')[1]?.toLowerCase() ?? '')) return false;
    if (statuses !== undefined && !statuses.includes(userStatus(user))) return false;
    if (accountStatus !== undefined && !accountStatus.includes(user.accountStatus)) return false;
    if (membershipStatus !== undefined && !membershipStatus.includes(user.membershipStatus)) return false;
    if (claimStatus !== undefined && claimStatus !== user.claimStatus) return false;
    if (mfa !== undefined && mfa !== user.mfaEnabled) return false;
    if (resourceIds !== undefined || roleIds !== undefined) {
      const roles = effectiveRoles(env, user).filter(
        (r) =>
          (resourceIds === undefined || resourceIds.includes(r.resourceId)) &&
          (roleIds === undefined || roleIds.includes(r.roleId)),
      );
      if (roles.length === 0) return false;
    }
    return true;
  });
  const sort = objectList(f, 'sortBy')?.[0];
  if (sort !== undefined) {
    const direction = stringField(sort, 'direction') === 'desc' ? -1 : 1;
    matching.sort((a, b) => direction * a.nickname.localeCompare(b.nickname));
  }
  const { items, links } = pageOf(matching, page);
  return { status: 200, json: { data: items.map((u) => userJson(env, u, scope, expand)), links } };
}

function getUser(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, true);
  const user = env.state.users.get(context.params.userId ?? '');
  if (user === undefined || (scope !== '-' && user.directoryId !== scope)) throw new RouteError(404, 'User not found.');
  return { status: 200, json: { data: userJson(env, user, scope, []) } };
}

function invite(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  requireOrg(env, context);
  const body = objectOf(context.body);
  const emails = stringList(body, 'emails') ?? [];
  // The spec writes the 1..25 limit as minimum/maximum, which do not constrain an array (specs/README.md).
  if (emails.length < 1 || emails.length > 25)
    throw new RouteError(400, 'emails must hold 1 to 25 addresses.', 'ADMIN-UAM-400-1');
  if (!env.state.paidSubscription)
    throw new RouteError(402, 'The organization has no paid subscription.', 'ADMIN-UAM-402-1');
  const rules = (objectList(body, 'permissionRules') ?? []).map((r) => ({
    resource: stringField(r, 'resource') ?? '',
    role: stringField(r, 'role') ?? '',
  }));
  for (const rule of rules) {
    const resource = requireResource(env, rule.resource, 'ADMIN-UAM-404-1');
    if (!resource.roles.includes(rule.role))
      throw new RouteError(400, `Role ${rule.role} is not valid for ${rule.resource}.`, 'ADMIN-UAM-400-3');
  }
  const groups = (stringList(body, 'additionalGroups') ?? []).map((id) => {
    const group = env.state.groups.get(normaliseGroupId(id));
    if (group === undefined) throw new RouteError(404, `Group ${id} not found.`, 'ADMIN-UAM-404-3');
    return group;
  });

  const directoryId = env.state.inviteDirectoryId;
  const invitees = emails.map((email) => findUserByEmail(env.state, email) ?? newAccount(env, email, context.now));
  const joining = invitees.map((u) =>
    u.membershipStatus === 'no_membership' ? { ...u, membershipStatus: 'active' as const } : u,
  );
  const granted = [
    ...rules.map((r) => r.resource),
    ...groups.filter((g) => !g.externalSynced).flatMap((g) => g.roles.map((r) => r.resourceId)),
  ];
  checkCapacity(env, granted, joining, 'The invitation exceeds the user limit of an app.', 'ADMIN-UAM-409-3');

  let failed = false;
  const data = invitees.map((user) => {
    if (!env.state.users.has(user.accountId)) env.state.users.set(user.accountId, user);
    if (user.membershipStatus === 'no_membership') {
      user.directoryId = directoryId;
      user.membershipStatus = 'active';
      user.managementSource = 'invited';
    }
    const inactive = user.accountStatus !== 'active';
    const roleAssignmentResult = rules.map((rule) => {
      if (inactive) {
        failed = true;
        return { resource: rule.resource, role: rule.role, status: 'ERROR', statusReason: 'The user is inactive.' };
      }
      if (!user.roles.some((r) => r.resourceId === rule.resource && r.roleId === rule.role))
        user.roles.push({ resourceId: rule.resource, roleId: rule.role });
      return { resource: rule.resource, role: rule.role, status: 'INVITED', statusReason: null };
    });
    const groupAssignmentResult = groups.map((group) => {
      const reason = inactive
        ? 'The user is inactive.'
        : group.externalSynced
          ? 'Users cannot be added to a group synced from an identity provider.'
          : group.directoryId !== user.directoryId
            ? 'The group is in another directory.'
            : undefined;
      if (reason !== undefined) {
        failed = true;
        return { group: group.id, status: 'ERROR', statusReason: reason };
      }
      group.members.add(user.accountId);
      return { group: group.id, status: 'INVITED', statusReason: null };
    });
    return { id: user.accountId, email: user.email, results: [{ roleAssignmentResult, groupAssignmentResult }] };
  });
  return { status: failed ? 206 : 200, json: { data } };
}

function newAccount(env: AdminRouteEnvironment, email: string, now: number): AdminUser {
  const local = email.split('@')[0] ?? email;
  return {
    accountId: `712020:${env.newUuid()}`,
    email,
    name: local,
    nickname: local,
    accountStatus: 'active',
    claimStatus: 'unmanaged',
    managementSource: 'invited',
    emailVerified: false,
    mfaEnabled: false,
    addedToOrg: new Date(now).toISOString(),
    directoryId: undefined,
    membershipStatus: 'no_membership',
    roles: [],
  };
}

function requireDirectoryUser(env: AdminRouteEnvironment, scope: string, accountId: string | undefined): AdminUser {
  const user = env.state.users.get(accountId ?? '');
  if (user === undefined || user.directoryId !== scope) throw new RouteError(404, 'User not found in this directory.');
  return user;
}

function setMembership(status: 'active' | 'suspended') {
  return (env: AdminRouteEnvironment, context: RouteContext): RouteResult => {
    const scope = requireDirectory(env, context, false);
    const user = requireDirectoryUser(env, scope, context.params.accountId);
    // Repeating a suspend or restore is answered 204 (assumed; the spec does not say).
    user.membershipStatus = status;
    return { status: 204 };
  };
}

function removeUser(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, false);
  const user = requireDirectoryUser(env, scope, context.params.accountId);
  // "You'll need to assign their roles and group memberships again" after a new invite (spec text).
  for (const group of env.state.groups.values()) if (group.directoryId === scope) group.members.delete(user.accountId);
  user.roles = [];
  user.directoryId = undefined;
  user.membershipStatus = 'no_membership';
  return { status: 204 };
}

function createGroup(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, false);
  const body = objectOf(context.body);
  const name = stringField(body, 'name')?.trim() ?? '';
  if (name === '') throw new RouteError(400, 'A group name is required.');
  if (findGroupByName(env.state, name, scope) !== undefined)
    throw new RouteError(409, 'A group with this name already exists.');
  const id = env.newUuid();
  env.state.groups.set(id, {
    id,
    name,
    description: stringField(body, 'description'),
    directoryId: scope,
    externalSynced: false,
    managedBy: 'admins',
    members: new Set(),
    roles: [],
    createdAt: context.now,
  });
  // 201 with no body and no Location: the ID is found with groups/search (docs/notes/atlassian-admin-api.md 3.6).
  return { status: 201 };
}

function searchGroups(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, true);
  const page = pageFromBody(objectOf(context.body), 20);
  const f = page.filters;
  if (f.groupNames !== undefined && f.searchTerm !== undefined)
    throw new RouteError(400, 'groupNames and searchTerm cannot be combined.');
  if (f.groupNames !== undefined && f.groupIds !== undefined)
    throw new RouteError(400, 'groupNames and groupIds cannot be combined.');
  const names = filterList(f, 'groupNames')?.map((n) => n.toLowerCase());
  const term = filterList(f, 'searchTerm')?.[0]?.toLowerCase();
  const ids = filterList(f, 'groupIds')?.map(normaliseGroupId);
  const accountIds = filterList(f, 'accountIds');
  const directoryIds = filterList(f, 'directoryIds');
  const resourceIds = filterList(f, 'resourceIds');
  const roleIds = filterList(f, 'roleIds');
  const expand = filterList(f, 'expand') ?? [];
  const visibleBefore = context.now - env.behaviour.groupSearchDelayMs;

  const matching = [...env.state.groups.values()].filter(
    (g) =>
      g.createdAt <= visibleBefore &&
      inScope(scope, g.directoryId) &&
      (names === undefined || names.includes(g.name.toLowerCase())) &&
      (term === undefined || g.name.toLowerCase().includes(term)) &&
      (ids === undefined || ids.includes(g.id)) &&
      (accountIds === undefined || accountIds.some((a) => g.members.has(a))) &&
      (directoryIds === undefined || directoryIds.includes(g.directoryId)) &&
      (resourceIds === undefined || g.roles.some((r) => resourceIds.includes(r.resourceId))) &&
      (roleIds === undefined || g.roles.some((r) => roleIds.includes(r.roleId))),
  );
  const sort = objectList(f, 'sortBy')?.[0];
  if (sort !== undefined) {
    const direction = stringField(sort, 'direction') === 'desc' ? -1 : 1;
    matching.sort((a, b) => direction * a.name.localeCompare(b.name));
  }
  const { items, links } = pageOf(matching, page);
  const counts = { users: expand.includes('counts.users'), resources: expand.includes('counts.resources') };
  return { status: 200, json: { data: items.map((g) => groupJson(env, g, context, counts)), links } };
}

function getGroup(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, true);
  const group = requireGroup(env, scope, context.params.groupId);
  return { status: 200, json: { data: groupJson(env, group, context, { users: true, resources: true }) } };
}

function deleteGroup(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, false);
  const group = requireGroup(env, scope, context.params.groupId);
  // Assumed: a synced group is refused like its managementAccess.deletable says.
  if (group.externalSynced)
    throw new RouteError(403, 'Groups synced from an identity provider cannot be deleted here.');
  env.state.groups.delete(group.id);
  return { status: 204 };
}

function addMember(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, false);
  const group = requireGroup(env, scope, context.params.groupId);
  const accountId = stringField(objectOf(context.body), 'accountId') ?? '';
  // "The user must be in the same directory as the group."
  const user = requireDirectoryUser(env, group.directoryId, accountId);
  if (group.externalSynced)
    throw new RouteError(403, "You can't add a user to a group synced from an identity provider.");
  if (group.members.has(user.accountId)) throw new RouteError(409, 'The user is already in the group.');
  checkCapacity(
    env,
    group.roles.map((r) => r.resourceId),
    [user],
    "You've exceeded your user limit for an app that the group grants access to.",
  );
  group.members.add(user.accountId);
  return { status: 204 };
}

function removeMember(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, false);
  const group = requireGroup(env, scope, context.params.groupId);
  if (group.externalSynced)
    throw new RouteError(403, 'Groups synced from an identity provider cannot be changed here.');
  // Assumed: removing a non-member is a 404, which the client confirms with a search (notes section 8).
  if (!group.members.delete(context.params.accountId ?? ''))
    throw new RouteError(404, 'The user is not a member of the group.');
  return { status: 204 };
}

function roleChange(kind: 'assign' | 'revoke') {
  return (env: AdminRouteEnvironment, context: RouteContext): RouteResult => {
    const scope = requireDirectory(env, context, false);
    const group = requireGroup(env, scope, context.params.groupId);
    const body = objectOf(context.body);
    const resourceId = stringField(body, 'resourceId') ?? '';
    const roleId = stringField(body, 'roleId') ?? '';
    const resource = requireResource(env, resourceId);
    if (!(GROUP_ROLE_IDS as readonly string[]).includes(roleId) || !resource.roles.includes(roleId)) {
      throw new RouteError(400, `Role ${roleId} is not valid for ${resourceId}.`);
    }
    const held = group.roles.some((r) => r.resourceId === resourceId && r.roleId === roleId);
    if (kind === 'revoke') {
      // Revoking a role the group does not hold is answered 204 (assumed).
      group.roles = group.roles.filter((r) => !(r.resourceId === resourceId && r.roleId === roleId));
      return { status: 204 };
    }
    if (!held) {
      const members = [...group.members]
        .map((id) => env.state.users.get(id))
        .filter((u): u is AdminUser => u !== undefined);
      checkCapacity(env, [resourceId], members, "You've exceeded your user limit for the app.");
      group.roles.push({ resourceId, roleId });
    }
    // Assigning a held role again is answered 200 (assumed); 200 carries no body.
    return { status: 200 };
  };
}

function listGroupRoles(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  const scope = requireDirectory(env, context, true);
  const group = requireGroup(env, scope, context.params.groupId);
  const page = pageFromQuery(context.request.query, 20);
  const resourceIds = filterList(page.filters, 'resourceIds');
  const roleIds = filterList(page.filters, 'roleIds');
  const byResource = new Map<string, string[]>();
  for (const grant of group.roles) {
    if (resourceIds !== undefined && !resourceIds.includes(grant.resourceId)) continue;
    if (roleIds !== undefined && !roleIds.includes(grant.roleId)) continue;
    byResource.set(grant.resourceId, [...(byResource.get(grant.resourceId) ?? []), grant.roleId]);
  }
  const entries = [...byResource.entries()].map(([resourceId, roles]) => ({
    resourceId,
    resourceOwner: env.state.resources.find((r) => r.id === resourceId)?.type ?? 'unknown',
    roles,
    defaultRole: null,
  }));
  const { items, links } = pageOf(entries, page);
  return { status: 200, json: { data: items, links } };
}

function workspaceJson(env: AdminRouteEnvironment, resource: AdminResource, context: RouteContext): JsonObject {
  return {
    id: resource.id,
    type: 'workspace',
    attributes: {
      name: resource.name,
      type: resource.type,
      typeKey: resource.type,
      hostUrl: resource.hostUrl,
      status: 'online',
      capacity: resource.capacity,
      usage: usersWithAccess(env.state, resource.id).size,
      owner: null,
      realm: 'us',
      regions: [],
      labels: [],
    },
    links: { self: `${context.baseUrl}/v2/orgs/${env.state.orgId}/workspaces/${encodeURIComponent(resource.id)}` },
  };
}

function readPath(value: JsonValue | undefined, path: string): JsonValue | undefined {
  let node = value;
  for (const key of path.split('.'))
    node = node !== null && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined;
  return node;
}

/** Evaluates the workspaces search `query` tree; `features` and `policies` are not emulated and match all. */
function matchesQuery(workspace: JsonObject, query: JsonValue | undefined): boolean {
  if (query === undefined || query === null || typeof query !== 'object' || Array.isArray(query)) return true;
  if (Array.isArray(query.and)) return query.and.every((q) => matchesQuery(workspace, q));
  if (Array.isArray(query.nor)) return !query.nor.some((q) => matchesQuery(workspace, q));
  const field = objectOf(query.field);
  if (query.field !== undefined) {
    const value = readPath(workspace, stringField(field, 'name') ?? '');
    return (stringList(field, 'values') ?? []).includes(String(value));
  }
  if (typeof query.searchWorkspaces === 'string') {
    const term = query.searchWorkspaces.toLowerCase();
    const attributes = objectOf(workspace.attributes);
    return [stringField(attributes, 'name'), stringField(attributes, 'hostUrl')].some(
      (v) => v?.toLowerCase().includes(term) === true,
    );
  }
  return true;
}

function getDomains(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  requireOrg(env, context);
  const page = pageFromQuery(context.request.query, 20);
  const { items, links } = pageOf(env.state.domains, page);
  const base = `${context.baseUrl}/v1/orgs/${env.state.orgId}/domains`;
  // LinkPageModel: links are URLs ("URL to fetch the Next Page"), the cursor in their query.
  const url = (cursor: JsonValue | undefined): string | undefined =>
    typeof cursor === 'string' ? `${base}?cursor=${encodeURIComponent(cursor)}` : undefined;
  const next = url(links.next);
  return {
    status: 200,
    json: {
      data: items.map((d) => ({
        id: d.id,
        type: 'domains',
        attributes: { name: d.name, claim: { type: 'dns', status: d.status } },
        links: { self: `${base}/${d.id}` },
      })),
      links: { self: url(links.self) ?? base, ...(next ? { next } : {}) },
    },
  };
}

function searchWorkspaces(env: AdminRouteEnvironment, context: RouteContext): RouteResult {
  requireOrg(env, context);
  const body = objectOf(context.body);
  if (typeof body.cursor === 'string' && Object.keys(body).some((k) => k !== 'cursor')) {
    throw new RouteError(400, 'When a cursor is provided, no other properties may be present.', 'ADMIN-400-4');
  }
  const page = pageFromBody(body, 20);
  const all = env.state.resources
    .map((r) => workspaceJson(env, r, context))
    .filter((w) => matchesQuery(w, page.filters.query));
  const { items, links } = pageOf(all, page);
  return {
    status: 200,
    json: {
      data: items,
      links,
      meta: { total: all.length, pageSize: page.limit, startIndex: page.offset, endIndex: page.offset + items.length },
    },
  };
}

/** Returns the routes of the Admin API emulator. */
export function adminRoutes(env: AdminRouteEnvironment): Route[] {
  const route = (
    key: string,
    mutating: boolean,
    handler: (e: AdminRouteEnvironment, c: RouteContext) => RouteResult,
  ): Route => ({
    key,
    mutating,
    handle: (context) => handler(env, context),
  });
  return [
    route(`GET ${ORG}/directories`, false, listDirectories),
    route(`POST ${DIR}/users/search`, false, searchUsers),
    route(`GET ${DIR}/users/{userId}`, false, getUser),
    route(`POST ${ORG}/users/invite`, true, invite),
    route(`POST ${DIR}/users/{accountId}/suspend`, true, setMembership('suspended')),
    route(`POST ${DIR}/users/{accountId}/restore`, true, setMembership('active')),
    route(`DELETE ${DIR}/users/{accountId}`, true, removeUser),
    route(`POST ${DIR}/groups`, true, createGroup),
    route(`POST ${DIR}/groups/search`, false, searchGroups),
    route(`GET ${DIR}/groups/{groupId}`, false, getGroup),
    route(`DELETE ${DIR}/groups/{groupId}`, true, deleteGroup),
    route(`POST ${DIR}/groups/{groupId}/memberships`, true, addMember),
    route(`DELETE ${DIR}/groups/{groupId}/memberships/{accountId}`, true, removeMember),
    route(`POST ${DIR}/groups/{groupId}/role-assignments/assign`, true, roleChange('assign')),
    route(`POST ${DIR}/groups/{groupId}/role-assignments/revoke`, true, roleChange('revoke')),
    route(`GET ${DIR}/groups/{groupId}/role-assignments`, false, listGroupRoles),
    route(`POST ${ORG}/workspaces`, false, searchWorkspaces),
    route('GET /v1/orgs/{orgId}/domains', false, getDomains),
  ];
}
