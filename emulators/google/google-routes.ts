/**
 * The Directory API reads the app calls (users.list, users.get, groups.list, groups.get, members.list) over a
 * GoogleState, with Google's paging (`maxResults` up to each method's maximum in the discovery document, an opaque
 * `pageToken` answered by `nextPageToken`), `customer=my_customer` or the customer id or a `domain`, and the access
 * checks Google makes: the token's scopes must include one of the method's (discovery `scopes`), the impersonated user
 * must be an active admin (else 403 "Not Authorized to access this resource/api"), and the quota may answer 403
 * `userRateLimitExceeded` or `quotaExceeded` (developers.google.com/workspace/admin/directory/v1/limits).
 * `users.list` takes the subset of the search syntax the app uses (`orgUnitPath='/X'`, which matches the unit and
 * every unit below it, `isSuspended=`, `isArchived=`); other queries answer 400 here.
 */
import type { JsonObject, JsonValue } from '../openapi/openapi-types';
import type { Route, RouteContext } from '../spec-emulator';
import { RouteError } from '../spec-emulator';
import type { GoogleGroup, GoogleMember, GoogleState, GoogleUser } from './google-state';
import { etagOf, findGroup, findUser, inOrgUnit } from './google-state';
import type { GoogleQuota } from './google-quota';

/** What the routes need besides the request. */
export interface GoogleRouteEnvironment {
  readonly state: GoogleState;
  readonly quota: GoogleQuota;
  /** The scopes each method accepts, by `METHOD /template` (from the discovery document). */
  readonly scopesOf: (operationKey: string) => readonly string[];
}

const BASE = '/admin/directory/v1';

/** Google's default page sizes (discovery `default`). */
const DEFAULT_PAGE = { users: 100, groups: 200, members: 200 } as const;

function first(context: RouteContext, name: string): string | undefined {
  return context.request.query[name]?.[0];
}

/** The token's grant, its scopes and its subject, checked as Google checks them before any read. */
function authorize(env: GoogleRouteEnvironment, context: RouteContext): void {
  const token = env.state.tokens.get(context.credential.key);
  if (token === undefined) throw new RouteError(401, 'Request had invalid authentication credentials.', 'authError');
  const accepted = env.scopesOf(context.operation.key);
  if (!token.scopes.some((s) => accepted.includes(s)))
    throw new RouteError(403, 'Request had insufficient authentication scopes.', 'insufficientPermissions');
  const admin = findUser(env.state, token.subject);
  if (admin === undefined || !admin.isAdmin || admin.suspended || admin.archived)
    throw new RouteError(403, 'Not Authorized to access this resource/api', 'forbidden');
  const refused = env.quota.take(token.subject, context.now);
  if (refused !== undefined)
    throw new RouteError(
      403,
      refused === 'quotaExceeded'
        ? 'Quota exceeded for quota metric of the Admin SDK API.'
        : 'User Rate Limit Exceeded',
      refused,
    );
}

/** The customer a list names: `my_customer` or the customer id; a `domain` of the account also selects it. */
function requireCustomer(env: GoogleRouteEnvironment, context: RouteContext): string | undefined {
  const customer = first(context, 'customer');
  const domain = first(context, 'domain');
  if (customer !== undefined) {
    if (customer !== 'my_customer' && customer !== env.state.customerId)
      throw new RouteError(400, 'Bad Request', 'badRequest');
    return undefined;
  }
  if (domain !== undefined) {
    if (!env.state.domains.includes(domain.toLowerCase()))
      throw new RouteError(403, 'Not Authorized to access this resource/api', 'forbidden');
    return domain.toLowerCase();
  }
  throw new RouteError(400, 'Bad Request', 'badRequest');
}

interface PageToken {
  readonly offset: number;
  readonly fingerprint: string;
}

function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify([token.offset, token.fingerprint]), 'utf8').toString('base64url');
}

function decodePageToken(raw: string): PageToken {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && value[0] >= 0 && typeof value[1] === 'string')
      return { offset: value[0], fingerprint: value[1] };
  } catch {
    // Answered below.
  }
  throw new RouteError(400, 'Invalid Input: pageToken', 'invalid');
}

/** One page of `items`: the page token must come from the same listing (its parameters other than paging). */
function page<T>(
  context: RouteContext,
  items: readonly T[],
  defaultSize: number,
): { items: T[]; nextPageToken?: string } {
  const size = Number(first(context, 'maxResults') ?? defaultSize);
  const fingerprint = etagOf(
    Object.entries(context.request.query)
      .filter(([name]) => name !== 'pageToken' && name !== 'maxResults')
      .sort(),
  );
  const raw = first(context, 'pageToken');
  const token = raw === undefined || raw === '' ? { offset: 0, fingerprint } : decodePageToken(raw);
  if (token.fingerprint !== fingerprint)
    throw new RouteError(400, 'Invalid Input: pageToken belongs to another listing', 'invalid');
  const slice = items.slice(token.offset, token.offset + size);
  const next = token.offset + size;
  return next < items.length
    ? { items: slice, nextPageToken: encodePageToken({ offset: next, fingerprint }) }
    : { items: slice };
}

function userQuery(query: string | undefined): (user: GoogleUser) => boolean {
  if (query === undefined || query.trim() === '') return () => true;
  const tests: ((user: GoogleUser) => boolean)[] = [];
  // Terms are separated by spaces outside quotes (developers.google.com/admin-sdk/directory/v1/guides/search-users).
  for (const term of query.match(/(?:[^\s']+|'[^']*')+/g) ?? []) {
    const ou = /^orgUnitPath\s*=\s*'([^']*)'$/i.exec(term) ?? /^orgUnitPath\s*=\s*(\/\S*)$/i.exec(term);
    const flag = /^(isSuspended|isArchived)\s*=\s*(true|false)$/i.exec(term);
    if (ou !== null) {
      const unit = ou[1] ?? '/';
      tests.push((user) => inOrgUnit(user.orgUnitPath, unit));
    } else if (flag !== null) {
      const wanted = (flag[2] ?? '').toLowerCase() === 'true';
      const field = (flag[1] ?? '').toLowerCase() === 'issuspended' ? 'suspended' : 'archived';
      tests.push((user) => user[field] === wanted);
    } else {
      throw new RouteError(400, `Invalid Input: the emulator does not support the query term ${term}`, 'invalid');
    }
  }
  return (user) => tests.every((test) => test(user));
}

/** A user as users.list and users.get answer it (projection basic). */
export function userJson(state: GoogleState, user: GoogleUser): JsonObject {
  const body: JsonObject = {
    kind: 'admin#directory#user',
    id: user.id,
    primaryEmail: user.primaryEmail,
    name: { givenName: user.givenName, familyName: user.familyName, fullName: `${user.givenName} ${user.familyName}` },
    isAdmin: user.isAdmin,
    isDelegatedAdmin: false,
    creationTime: user.creationTime,
    agreedToTerms: true,
    suspended: user.suspended,
    archived: user.archived,
    changePasswordAtNextLogin: false,
    ipWhitelisted: false,
    emails: [{ address: user.primaryEmail, primary: true }, ...user.aliases.map((address) => ({ address }))],
    customerId: state.customerId,
    orgUnitPath: user.orgUnitPath,
    isMailboxSetup: true,
    includeInGlobalAddressList: true,
  };
  if (user.suspended) body.suspensionReason = 'ADMIN';
  if (user.aliases.length > 0) body.aliases = [...user.aliases];
  body.etag = etagOf(body);
  return body;
}

/** A group as groups.list and groups.get answer it. */
export function groupJson(state: GoogleState, group: GoogleGroup): JsonObject {
  const direct = (state.members.get(group.id) ?? []).filter((m) => m.type === 'USER').length;
  const body: JsonObject = {
    kind: 'admin#directory#group',
    id: group.id,
    email: group.email,
    name: group.name,
    directMembersCount: String(direct),
    description: group.description,
    adminCreated: true,
  };
  body.etag = etagOf(body);
  return body;
}

function memberJson(state: GoogleState, member: GoogleMember): JsonObject {
  const user = member.type === 'USER' ? state.users.get(member.id) : undefined;
  const body: JsonObject = { kind: 'admin#directory#member', id: member.id, role: member.role, type: member.type };
  if (member.type === 'USER') body.email = user?.primaryEmail ?? member.email ?? '';
  else if (member.type === 'GROUP') body.email = state.groups.get(member.id)?.email ?? member.email ?? '';
  else if (member.email !== undefined) body.email = member.email;
  if (member.type !== 'CUSTOMER') body.status = user?.suspended === true ? 'SUSPENDED' : 'ACTIVE';
  body.etag = etagOf(body);
  return body;
}

/** Direct members of a group, or with `includeDerivedMembership` the users reached through nested groups too. */
function membersOf(state: GoogleState, group: GoogleGroup, derived: boolean): GoogleMember[] {
  const direct = state.members.get(group.id) ?? [];
  if (!derived) return [...direct];
  const out = new Map<string, GoogleMember>();
  const seen = new Set<string>();
  const walk = (groupId: string, role: GoogleMember['role'] | undefined): void => {
    if (seen.has(groupId)) return;
    seen.add(groupId);
    for (const member of state.members.get(groupId) ?? []) {
      if (member.type === 'GROUP') walk(member.id, role ?? member.role);
      else if (!out.has(`${member.type}:${member.id}`))
        out.set(`${member.type}:${member.id}`, role === undefined ? member : { ...member, role: 'MEMBER' });
    }
  };
  walk(group.id, undefined);
  return [...out.values()];
}

/** The routes of the Google Directory emulator. */
export function googleRoutes(env: GoogleRouteEnvironment): Route[] {
  const { state } = env;
  return [
    {
      key: `GET ${BASE}/users`,
      mutating: false,
      handle(context) {
        authorize(env, context);
        const domain = requireCustomer(env, context);
        if (first(context, 'showDeleted') === 'true')
          return { status: 200, json: { kind: 'admin#directory#users', etag: etagOf('deleted'), users: [] } };
        const matches = userQuery(first(context, 'query'));
        const users = [...state.users.values()]
          .filter((u) => (domain === undefined || u.primaryEmail.toLowerCase().endsWith(`@${domain}`)) && matches(u))
          .sort((a, b) => a.primaryEmail.localeCompare(b.primaryEmail));
        const { items, nextPageToken } = page(context, users, DEFAULT_PAGE.users);
        const json: JsonObject = {
          kind: 'admin#directory#users',
          etag: etagOf(items.map((u) => u.id)),
          users: items.map((u) => userJson(state, u)),
        };
        if (nextPageToken !== undefined) json.nextPageToken = nextPageToken;
        return { status: 200, json };
      },
    },
    {
      key: `GET ${BASE}/users/{userKey}`,
      mutating: false,
      handle(context) {
        authorize(env, context);
        const user = findUser(state, context.params.userKey ?? '');
        if (user === undefined) throw new RouteError(404, 'Resource Not Found: userKey', 'notFound');
        return { status: 200, json: userJson(state, user) };
      },
    },
    {
      key: `GET ${BASE}/groups`,
      mutating: false,
      handle(context) {
        authorize(env, context);
        const userKey = first(context, 'userKey');
        if (first(context, 'query') !== undefined)
          throw new RouteError(400, 'Invalid Input: the emulator does not support groups.list queries', 'invalid');
        let groups = [...state.groups.values()];
        if (userKey !== undefined) {
          const user = findUser(state, userKey);
          if (user === undefined) throw new RouteError(404, 'Resource Not Found: userKey', 'notFound');
          groups = groups.filter((g) =>
            (state.members.get(g.id) ?? []).some((m) => m.type === 'USER' && m.id === user.id),
          );
        } else {
          const domain = requireCustomer(env, context);
          if (domain !== undefined) groups = groups.filter((g) => g.email.toLowerCase().endsWith(`@${domain}`));
        }
        groups.sort((a, b) => a.email.localeCompare(b.email));
        const { items, nextPageToken } = page(context, groups, DEFAULT_PAGE.groups);
        const json: JsonObject = {
          kind: 'admin#directory#groups',
          etag: etagOf(items.map((g) => g.id)),
          groups: items.map((g) => groupJson(state, g)),
        };
        if (nextPageToken !== undefined) json.nextPageToken = nextPageToken;
        return { status: 200, json };
      },
    },
    {
      key: `GET ${BASE}/groups/{groupKey}`,
      mutating: false,
      handle(context) {
        authorize(env, context);
        const group = findGroup(state, context.params.groupKey ?? '');
        if (group === undefined) throw new RouteError(404, 'Resource Not Found: groupKey', 'notFound');
        return { status: 200, json: groupJson(state, group) };
      },
    },
    {
      key: `GET ${BASE}/groups/{groupKey}/members`,
      mutating: false,
      handle(context) {
        authorize(env, context);
        const group = findGroup(state, context.params.groupKey ?? '');
        if (group === undefined) throw new RouteError(404, 'Resource Not Found: groupKey', 'notFound');
        const roles = first(context, 'roles')
          ?.split(',')
          .map((r) => r.trim().toUpperCase())
          .filter((r) => r !== '');
        const members = membersOf(state, group, first(context, 'includeDerivedMembership') === 'true').filter(
          (m) => roles === undefined || roles.includes(m.role),
        );
        const { items, nextPageToken } = page(context, members, DEFAULT_PAGE.members);
        const json: { [key: string]: JsonValue } = {
          kind: 'admin#directory#members',
          etag: etagOf(items.map((m) => m.id)),
          members: items.map((m) => memberJson(state, m)),
        };
        if (nextPageToken !== undefined) json.nextPageToken = nextPageToken;
        return { status: 200, json };
      },
    },
  ];
}
