/**
 * The SCIM 2.0 service provider (RFC 7644): a function from a ScimRequest to a ScimResponse over the directory
 * store port. It authenticates, routes, validates, reads and writes the directory, and renders responses; it
 * never throws.
 */
import { DirectoryError, type DirectoryStore, type MembershipChange, type ResourceKind, type StoredMember, type StoredResource } from '../directory/directory-store';
import { resourceTypeDocument, resourceTypeDocuments, schemaDocument, schemaDocuments, serviceProviderConfig, type PagingLimits } from './discovery';
import { errorResponse, toErrorResponse, type ScimLogger } from './error-response';
import { ScimError } from './errors';
import type { Filter } from './filter/ast';
import { compileFilter } from './filter/evaluate-filter';
import { memberPredicate } from './filter/member-predicate';
import { findIndexableEquality } from './filter/indexable-equality';
import { cannotMatch } from './filter/root-filter';
import type { CursorSigner } from './list-cursor';
import { assertJsonDepth } from './json-depth';
import { encodeCursor, parseListParameters, parseProjection, type ListContext, type ListParameters, type RawListParameters } from './list-parameters';
import { applyPatch, parsePatchRequest, validateResource } from './patch';
import type { ClientProfile } from './profile';
import { SCIM_MEDIA_TYPE, headerValue, queryValue, type ScimRequest, type ScimResponse } from './protocol';
import { entityTag, project, projectionIncludes, renderResource, resourceLocation, type Projection, type RenderExtras } from './render';
import { checkUniqueName } from './resource/name-text';
import { normalizeResource } from './resource/normalize-resource';
import type { MemberChange, MemberRef, ScimObject } from './resource/types';
import { findAttribute, findSchema, groupResourceType, resolvePath, resourceTypes, schemas, userResourceType, type ResourceType } from './schema/registry';
import { ATLASSIAN_USER_SCHEMA, LIST_RESPONSE, SEARCH_REQUEST } from './schema/urns';

/** Limits of the service; defaults suit IdPs (Okta pages with 100, Entra's validator with 5). */
export interface ServiceLimits extends PagingLimits {
  /** Largest request body accepted (413 beyond; RFC 7644 section 3.12). */
  readonly maxBodyBytes: number;
  /** Most resources a non-indexed filter or a sort may examine (400 tooMany beyond). */
  readonly maxScan: number;
}

/** Default limits. */
export const defaultServiceLimits: ServiceLimits = {
  maxPageSize: 200,
  defaultPageSize: 100,
  // RFC 9865 cursors live 10 minutes: long enough for an IdP to page through, short enough to bound replay.
  cursorTimeoutSeconds: 600,
  maxBodyBytes: 1024 * 1024,
  maxScan: 100_000,
};

/** What the service needs from its host. */
export interface ScimServiceOptions {
  readonly store: DirectoryStore;
  /** True when the bearer token is one of the app's valid tokens; compares in constant time. */
  readonly authenticate: (token: string | undefined) => Promise<boolean>;
  /** The client profile in force (configured by the admin; lenient by default). */
  readonly profile: () => Promise<ClientProfile> | ClientProfile;
  readonly logger: ScimLogger;
  /** Signs and verifies RFC 9865 cursors under the installation's secret (src/auth/cursor-signer.ts). */
  readonly cursorSigner: () => Promise<CursorSigner>;
  readonly now?: () => Date;
  readonly limits?: Partial<ServiceLimits>;
  /** The Atlassian account and sync state of users, rendered as this app's read-only User extension. */
  readonly accountLinks?: (userIds: readonly string[]) => Promise<Map<string, AccountLink>>;
}

/** What the sync engine knows about a user's Atlassian account. */
export interface AccountLink {
  readonly accountId?: string;
  readonly syncState: string;
}

/** A SCIM request handler. */
export type ScimService = (request: ScimRequest) => Promise<ScimResponse>;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const MAX_OPTIMISTIC_ATTEMPTS = 8;

interface Context {
  readonly request: ScimRequest;
  readonly profile: ClientProfile;
  readonly baseUrl: string;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): ScimResponse {
  return { status, headers: { 'content-type': SCIM_MEDIA_TYPE, ...headers }, body: JSON.stringify(body) };
}

function methodNotAllowed(allowed: readonly string[]): ScimError {
  return ScimError.plain(405, `Method not allowed; this endpoint accepts ${allowed.join(', ')}`, { headers: { allow: allowed.join(', ') } });
}

function bearerToken(request: ScimRequest): string | undefined {
  const header = headerValue(request, 'authorization');
  if (!header) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type === 'application/scim+json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function parseBody(request: ScimRequest): unknown {
  if (request.body === undefined || request.body.trim() === '') throw ScimError.invalidSyntax('The request needs a JSON body');
  // Before JSON.parse and every recursive walk of the value: a deep body is a 400, never a stack overflow.
  assertJsonDepth(request.body);
  try {
    return JSON.parse(request.body) as unknown;
  } catch (error) {
    throw ScimError.invalidSyntax('The request body is not valid JSON', error);
  }
}

/** Reads If-Match: undefined when absent, 'any' for `*`, otherwise the versions it names (RFC 7644 section 3.14). */
function ifMatch(request: ScimRequest): number[] | 'any' | undefined {
  const header = headerValue(request, 'if-match');
  if (header === undefined) return undefined;
  if (header.trim() === '*') return 'any';
  const versions = header
    .split(',')
    .map((tag) => /^\s*(?:W\/)?"(\d+)"\s*$/i.exec(tag)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  return versions;
}

function expectedVersion(request: ScimRequest, current: StoredResource): number | undefined {
  const condition = ifMatch(request);
  if (condition === undefined || condition === 'any') return undefined;
  if (!condition.includes(current.version)) throw ScimError.plain(412, 'The resource has changed since the version named in If-Match');
  return current.version;
}

function notModified(request: ScimRequest, version: number): boolean {
  const header = headerValue(request, 'if-none-match');
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//i, '') === `"${version}"`);
}

function wantsRepresentation(request: ScimRequest): boolean {
  return queryValue(request, 'attributes') !== undefined || queryValue(request, 'excludedAttributes') !== undefined;
}

function mapDirectoryError(error: unknown): unknown {
  if (!(error instanceof DirectoryError)) return error;
  switch (error.kind) {
    case 'not-found':
      return ScimError.plain(404, error.message, { cause: error });
    case 'uniqueness':
      return ScimError.typed('uniqueness', error.message, error);
    case 'version-mismatch':
      return ScimError.plain(412, error.message, { cause: error });
    case 'too-many':
      return ScimError.typed('tooMany', error.message, error);
    case 'too-large':
      return ScimError.invalidValue(error.message, error);
    case 'contention':
      return ScimError.plain(503, 'The resource is being changed by other requests; retry shortly', { cause: error, headers: { 'retry-after': '1' } });
    case 'throttled':
      // RFC 6585 section 4: Too Many Requests, with when to come back; IdPs (Entra, Okta) honour Retry-After.
      return ScimError.plain(429, 'The app is over its storage quota for this minute; retry later', { cause: error, headers: { 'retry-after': String(error.retryAfterSeconds ?? 60) } });
    case 'unavailable':
      // The store refuses the write until an admin acts (src/diagnostics/guarded-directory-store.ts): its message says why.
      return ScimError.plain(503, error.message, { cause: error });
  }
}

function sortValue(rendered: ScimObject, resourceType: ResourceType, sortBy: string): unknown {
  const resolved = resolvePath(resourceType, sortBy);
  if (!resolved?.attribute) return undefined;
  const container = resolved.inExtension && resolved.schemaUrn ? (rendered[resolved.schemaUrn] as ScimObject | undefined) : rendered;
  let value = container?.[resolved.attribute.name];
  if (Array.isArray(value)) {
    const elements = value.filter((e): e is ScimObject => typeof e === 'object' && e !== null);
    value = elements.find((e) => e.primary === true) ?? elements[0] ?? value[0];
  }
  if (typeof value === 'object' && value !== null) value = (value as ScimObject)[resolved.subAttribute?.name ?? 'value'];
  return value;
}

function compareForSort(a: unknown, b: unknown, caseExact: boolean, isDate: boolean): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  if (isDate && typeof a === 'string' && typeof b === 'string') return Date.parse(a) - Date.parse(b);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const left = caseExact ? String(a) : String(a).toLowerCase();
  const right = caseExact ? String(b) : String(b).toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

function mentions(filter: Filter | undefined, attribute: string): boolean {
  if (!filter) return false;
  const head = (path: string): string => path.replace(/^urn:.*:/i, '').split('.')[0]?.toLowerCase() ?? '';
  switch (filter.kind) {
    case 'compare':
    case 'present':
    case 'valuePath':
      return head(filter.path) === attribute;
    case 'and':
    case 'or':
      return mentions(filter.left, attribute) || mentions(filter.right, attribute);
    case 'not':
      return mentions(filter.filter, attribute);
  }
}

/** Builds the SCIM service. */
export function createScimService(options: ScimServiceOptions): ScimService {
  const store = options.store;
  const limits: ServiceLimits = { ...defaultServiceLimits, ...options.limits };
  const now = options.now ?? (() => new Date());

  async function loadMembers(groupId: string): Promise<StoredMember[]> {
    const out: StoredMember[] = [];
    for await (const page of store.members(groupId)) out.push(...page);
    return out;
  }

  async function loadGroupsOf(userId: string): Promise<{ value: string; display?: string }[]> {
    const ids = await store.groupsOf(userId);
    const groups = await store.getMany('Group', ids);
    return ids.map((id) => {
      const displayName = groups.get(id)?.resource.displayName;
      return typeof displayName === 'string' ? { value: id, display: displayName } : { value: id };
    });
  }

  async function extrasFor(stored: StoredResource, needsMembers: boolean, needsGroups: boolean): Promise<RenderExtras> {
    const extras: { members?: StoredMember[]; groups?: { value: string; display?: string }[] } = {};
    if (stored.kind === 'Group' && needsMembers) extras.members = await loadMembers(stored.id);
    if (stored.kind === 'User' && needsGroups) extras.groups = await loadGroupsOf(stored.id);
    return extras;
  }

  async function present(
    ctx: Context,
    stored: StoredResource,
    resourceType: ResourceType,
    projection: Projection,
    known?: RenderExtras,
    accountLinks?: Map<string, AccountLink>,
  ): Promise<ScimObject> {
    const needsMembers = resourceType === groupResourceType && projectionIncludes(projection, resourceType, 'members');
    const needsGroups = resourceType === userResourceType && projectionIncludes(projection, resourceType, 'groups');
    const extras = known ?? (await extrasFor(stored, needsMembers, needsGroups));
    const rendered = renderResource(stored, resourceType, ctx.baseUrl, {
      ...(needsMembers && extras.members ? { members: extras.members } : {}),
      ...(needsGroups && extras.groups ? { groups: extras.groups } : {}),
    });
    if (resourceType === userResourceType && options.accountLinks) {
      const link = (accountLinks ?? (await options.accountLinks([stored.id]))).get(stored.id);
      if (link) {
        rendered[ATLASSIAN_USER_SCHEMA] = { ...(link.accountId ? { accountId: link.accountId } : {}), syncState: link.syncState };
        rendered.schemas = [...(rendered.schemas as string[]), ATLASSIAN_USER_SCHEMA];
        const meta = rendered.meta;
        delete rendered.meta;
        rendered.meta = meta;
      }
    }
    return project(rendered, resourceType, projection);
  }

  async function single(ctx: Context, stored: StoredResource, resourceType: ResourceType, status: number, extras?: RenderExtras): Promise<ScimResponse> {
    const projection = parseProjection({ attributes: queryValue(ctx.request, 'attributes'), excludedAttributes: queryValue(ctx.request, 'excludedAttributes') }, ctx.profile);
    // A resource created by this request has no Atlassian account link yet: nothing to read.
    const body = await present(ctx, stored, resourceType, projection, extras, status === 201 ? new Map() : undefined);
    const headers: Record<string, string> = { etag: entityTag(stored.version) };
    if (status === 201) headers.location = resourceLocation(ctx.baseUrl, resourceType, stored.id);
    return json(status, body, headers);
  }

  async function resolveMembers(ctx: Context, members: readonly MemberRef[], groupId: string | undefined): Promise<MemberRef[]> {
    const values = [...new Set(members.map((m) => m.value))];
    const users = await store.getMany('User', values);
    const groups = await store.getMany('Group', values.filter((v) => !users.has(v)));
    return members.map((member) => {
      if (groupId !== undefined && member.value === groupId) throw ScimError.invalidValue('A group cannot be a member of itself');
      const type = users.has(member.value) ? 'User' : groups.has(member.value) ? 'Group' : undefined;
      if (!type && !ctx.profile.keepUnresolvedMembers) {
        throw ScimError.invalidValue(`Member "${member.value}" is neither a User nor a Group of this service provider`);
      }
      const resolved: { value: string; display?: string; type?: string } = { value: member.value };
      if (member.display !== undefined) resolved.display = member.display;
      if (type) resolved.type = type;
      return resolved;
    });
  }

  async function resolveChanges(ctx: Context, changes: readonly MemberChange[], groupId: string): Promise<MembershipChange[]> {
    const out: MembershipChange[] = [];
    for (const change of changes) {
      if (change.kind === 'add' || change.kind === 'replace') out.push({ kind: change.kind, members: await resolveMembers(ctx, change.members, groupId) });
      else if (change.kind === 'removeWhere') out.push({ kind: 'removeWhere', matches: memberPredicate(change.filter) });
      else out.push(change);
    }
    return out;
  }

  async function matches(ctx: Context, resourceType: ResourceType, filter: Filter, acrossTypes: boolean): Promise<StoredResource[]> {
    const kind = resourceType.name;
    const needsMembers = mentions(filter, 'members');
    const needsGroups = mentions(filter, 'groups');
    const predicate = compileFilter(filter, resourceType, acrossTypes ? { undefinedAttributes: 'unassigned' } : undefined);
    const test = async (stored: StoredResource): Promise<boolean> => {
      const rendered = renderResource(stored, resourceType, ctx.baseUrl, await extrasFor(stored, needsMembers, needsGroups));
      return predicate(rendered);
    };
    const indexed = findIndexableEquality(filter, resourceType);
    let candidates: StoredResource[];
    if (indexed) {
      if (indexed.key === 'id') {
        const stored = await store.get(kind, indexed.value);
        candidates = stored ? [stored] : [];
      } else {
        candidates = await store.find(kind, indexed.key, indexed.value);
      }
      const out: StoredResource[] = [];
      for (const candidate of candidates) if (await test(candidate)) out.push(candidate);
      return out;
    }
    const out: StoredResource[] = [];
    for await (const batch of store.scan(kind, limits.maxScan)) {
      for (const stored of batch) if (await test(stored)) out.push(stored);
    }
    return out;
  }

  async function allOf(resourceType: ResourceType): Promise<StoredResource[]> {
    const out: StoredResource[] = [];
    for await (const batch of store.scan(resourceType.name, limits.maxScan)) out.push(...batch);
    return out;
  }

  async function query(ctx: Context, resourceType: ResourceType, parameters: ListParameters): Promise<{ total: number; page: StoredResource[] }> {
    const { offset, count } = parameters.paging;
    if (!parameters.filter && !parameters.sortBy) {
      const page = await store.page(resourceType.name, offset, count);
      return { total: page.totalResults, page: [...page.resources] };
    }
    let found = parameters.filter ? await matches(ctx, resourceType, parameters.filter, parameters.acrossTypes) : await allOf(resourceType);
    if (parameters.sortBy) {
      const sortBy = parameters.sortBy;
      const resolved = resolvePath(resourceType, sortBy);
      const definition = resolved?.subAttribute ?? resolved?.attribute;
      const caseExact = definition?.caseExact ?? false;
      const isDate = definition?.type === 'dateTime';
      const keyed = found.map((stored) => ({ stored, key: sortValue(renderResource(stored, resourceType, ctx.baseUrl), resourceType, sortBy) }));
      keyed.sort((a, b) => {
        const order = compareForSort(a.key, b.key, caseExact, isDate);
        return parameters.descending && a.key !== undefined && b.key !== undefined ? -order : order;
      });
      found = keyed.map((k) => k.stored);
    }
    return { total: found.length, page: found.slice(offset, offset + count) };
  }

  async function listResponse(ctx: Context, parameters: ListParameters, parts: { resourceType: ResourceType; total: number; page: StoredResource[] }[]): Promise<ScimResponse> {
    const total = parts.reduce((sum, part) => sum + part.total, 0);
    const resources: ScimObject[] = [];
    for (const part of parts) {
      // One batched read of the page's account links, not one per user.
      const links = part.resourceType === userResourceType && options.accountLinks && part.page.length > 0 ? await options.accountLinks(part.page.map((r) => r.id)) : undefined;
      for (const stored of part.page) resources.push(await present(ctx, stored, part.resourceType, parameters.projection, undefined, links));
    }
    const { offset, count } = parameters.paging;
    const body: ScimObject = { schemas: [LIST_RESPONSE], totalResults: total, itemsPerPage: resources.length };
    if (parameters.paging.method === 'index') body.startIndex = offset + 1;
    body.Resources = resources;
    if (parameters.paging.method === 'cursor' && offset + count < total && count > 0) {
      body.nextCursor = encodeCursor(parameters, offset + count, now().getTime(), await options.cursorSigner());
    }
    return json(200, body);
  }

  function rawQuery(request: ScimRequest): RawListParameters {
    return {
      filter: queryValue(request, 'filter'),
      sortBy: queryValue(request, 'sortBy'),
      sortOrder: queryValue(request, 'sortOrder'),
      startIndex: queryValue(request, 'startIndex'),
      count: queryValue(request, 'count'),
      cursor: queryValue(request, 'cursor'),
      attributes: queryValue(request, 'attributes'),
      excludedAttributes: queryValue(request, 'excludedAttributes'),
    };
  }

  function rawSearch(body: unknown, profile: ClientProfile): RawListParameters {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ScimError.invalidSyntax('A SearchRequest must be a JSON object');
    const record = body as Record<string, unknown>;
    const lookup = (name: string): unknown => {
      const key = Object.keys(record).find((k) => k.toLowerCase() === name.toLowerCase());
      return key === undefined ? undefined : record[key];
    };
    const declared = lookup('schemas');
    if (!profile.ignoreUnknownSchemas && !(Array.isArray(declared) && declared.includes(SEARCH_REQUEST))) {
      throw ScimError.invalidSyntax(`A SearchRequest must declare the schema ${SEARCH_REQUEST}`);
    }
    return {
      filter: lookup('filter'),
      sortBy: lookup('sortBy'),
      sortOrder: lookup('sortOrder'),
      startIndex: lookup('startIndex'),
      count: lookup('count'),
      cursor: lookup('cursor'),
      attributes: lookup('attributes'),
      excludedAttributes: lookup('excludedAttributes'),
    };
  }

  /** The time, and the cursor signer when the request pages by cursor (its key is read from storage only then). */
  async function listContext(raw: RawListParameters): Promise<ListContext> {
    const nowMs = now().getTime();
    return raw.cursor === undefined || raw.cursor === null ? { nowMs } : { nowMs, signer: await options.cursorSigner() };
  }

  async function list(ctx: Context, resourceType: ResourceType, raw: RawListParameters): Promise<ScimResponse> {
    const parameters = parseListParameters(raw, resourceType, ctx.profile, limits, await listContext(raw));
    const result = await query(ctx, resourceType, parameters);
    return listResponse(ctx, parameters, [{ resourceType, ...result }]);
  }

  async function rootSearch(ctx: Context, raw: RawListParameters): Promise<ScimResponse> {
    // RFC 7644 section 3.4.3: a search at the root spans every resource type; users come first, then groups. An
    // attribute only some types define is unassigned in the others (filter/root-filter.ts).
    const parameters = parseListParameters(raw, resourceTypes, ctx.profile, limits, await listContext(raw));
    const parts: { resourceType: ResourceType; total: number; page: StoredResource[] }[] = [];
    let offset = parameters.paging.offset;
    let remaining = parameters.paging.count;
    for (const resourceType of resourceTypes) {
      if (parameters.filter && cannotMatch(parameters.filter, resourceType)) continue;
      const all = await query(ctx, resourceType, { ...parameters, paging: { method: 'index', offset: 0, count: limits.maxScan } });
      const page = all.page.slice(offset, offset + remaining);
      parts.push({ resourceType, total: all.total, page });
      offset = Math.max(0, offset - all.total);
      remaining -= page.length;
    }
    return listResponse(ctx, parameters, parts);
  }

  async function create(ctx: Context, resourceType: ResourceType): Promise<ScimResponse> {
    const { resource, members } = normalizeResource(parseBody(ctx.request), resourceType, ctx.profile);
    checkUniqueName(resource, resourceType);
    if (resourceType === groupResourceType) {
      const resolved = members ? await resolveMembers(ctx, members, undefined) : [];
      const stored = await store.create('Group', resource, resolved);
      return single(ctx, stored, resourceType, 201, { members: dedupe(resolved) });
    }
    const stored = await store.create('User', resource);
    return single(ctx, stored, resourceType, 201, { groups: [] });
  }

  async function read(ctx: Context, resourceType: ResourceType, id: string): Promise<ScimResponse> {
    const stored = await store.get(resourceType.name, id);
    if (!stored) throw ScimError.notFound(`${resourceType.name} ${id} not found`);
    if (notModified(ctx.request, stored.version)) return { status: 304, headers: { etag: entityTag(stored.version) }, body: undefined };
    return single(ctx, stored, resourceType, 200);
  }

  async function replace(ctx: Context, resourceType: ResourceType, id: string): Promise<ScimResponse> {
    const { resource, members } = normalizeResource(parseBody(ctx.request), resourceType, ctx.profile);
    const kind: ResourceKind = resourceType.name;
    return optimistic(ctx, async () => {
      const current = await store.get(kind, id);
      if (!current) throw ScimError.notFound(`${kind} ${id} not found`);
      const version = expectedVersion(ctx.request, current) ?? current.version;
      checkUniqueName(resource, resourceType, current.resource);
      const next: ScimObject = { ...resource };
      if (kind === 'User' && ctx.profile.putPreservesOmitted && next.active === undefined && current.resource.active !== undefined) {
        next.active = current.resource.active;
      }
      let nextMembers: MemberRef[] | undefined;
      if (kind === 'Group') {
        if (members) nextMembers = await resolveMembers(ctx, members, id);
        else if (!ctx.profile.putPreservesOmitted) nextMembers = [];
      }
      const stored = await store.replace(kind, id, next, nextMembers, { expectedVersion: version });
      return single(ctx, stored, resourceType, 200);
    });
  }

  async function patch(ctx: Context, resourceType: ResourceType, id: string): Promise<ScimResponse> {
    const operations = parsePatchRequest(parseBody(ctx.request), resourceType, ctx.profile);
    const kind: ResourceKind = resourceType.name;
    return optimistic(ctx, async () => {
      const current = await store.get(kind, id);
      if (!current) throw ScimError.notFound(`${kind} ${id} not found`);
      const clientVersion = expectedVersion(ctx.request, current);
      const { resource, memberChanges } = applyPatch(current.resource, operations, resourceType, ctx.profile);
      validateResource(resource, resourceType);
      checkUniqueName(resource, resourceType, current.resource);
      const changed = JSON.stringify(resource) !== JSON.stringify(current.resource);
      let stored: StoredResource;
      if (kind === 'Group') {
        const changes = await resolveChanges(ctx, memberChanges, id);
        const condition = changed || clientVersion !== undefined ? { expectedVersion: current.version } : {};
        stored = await store.updateGroup(id, changed ? resource : undefined, changes, condition);
      } else {
        stored = changed ? await store.replace('User', id, resource, undefined, { expectedVersion: current.version }) : current;
      }
      // RFC 7644 section 3.5.2: 204 is allowed; Microsoft's collection and Entra expect it. A client that asks
      // for attributes gets the representation.
      if (wantsRepresentation(ctx.request)) return single(ctx, stored, resourceType, 200);
      return { status: 204, headers: { etag: entityTag(stored.version) }, body: undefined };
    });
  }

  async function remove(ctx: Context, resourceType: ResourceType, id: string): Promise<ScimResponse> {
    const current = await store.get(resourceType.name, id);
    if (!current) throw ScimError.notFound(`${resourceType.name} ${id} not found`);
    const version = expectedVersion(ctx.request, current);
    await store.delete(resourceType.name, id, version === undefined ? {} : { expectedVersion: version });
    return { status: 204, headers: {}, body: undefined };
  }

  /** Retries a read-modify-write when another request changed the resource in between, unless If-Match pinned a version. */
  async function optimistic(ctx: Context, body: () => Promise<ScimResponse>): Promise<ScimResponse> {
    const pinned = ifMatch(ctx.request) !== undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await body();
      } catch (error) {
        const retry = error instanceof DirectoryError && error.kind === 'version-mismatch' && !pinned && attempt < MAX_OPTIMISTIC_ATTEMPTS;
        if (!retry) throw error;
      }
    }
  }

  async function route(ctx: Context): Promise<ScimResponse> {
    const { request } = ctx;
    let segments: string[];
    try {
      segments = request.path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch (error) {
      throw ScimError.plain(404, 'The path is not a valid URL path', { cause: error });
    }
    const method = request.method.toUpperCase();
    const [first, second, ...rest] = segments;
    const head = first?.toLowerCase();
    if (head === undefined) throw ScimError.notFound('No resource at the service root; see /ServiceProviderConfig');
    if (rest.length > 0) throw ScimError.notFound(`No resource at ${request.path}`);

    const resourceType = head === 'users' ? userResourceType : head === 'groups' ? groupResourceType : undefined;
    if (resourceType) {
      if (second === undefined) {
        if (method === 'GET') return list(ctx, resourceType, rawQuery(request));
        if (method === 'POST') return create(ctx, resourceType);
        throw methodNotAllowed(['GET', 'POST']);
      }
      if (second.toLowerCase() === '.search') {
        if (method === 'POST') return list(ctx, resourceType, rawSearch(parseBody(request), ctx.profile));
        throw methodNotAllowed(['POST']);
      }
      switch (method) {
        case 'GET':
          return read(ctx, resourceType, second);
        case 'PUT':
          return replace(ctx, resourceType, second);
        case 'PATCH':
          return patch(ctx, resourceType, second);
        case 'DELETE':
          return remove(ctx, resourceType, second);
        default:
          throw methodNotAllowed(['GET', 'PUT', 'PATCH', 'DELETE']);
      }
    }
    switch (head) {
      case '.search':
        if (second !== undefined) break;
        if (method === 'POST') return rootSearch(ctx, rawSearch(parseBody(request), ctx.profile));
        throw methodNotAllowed(['POST']);
      case 'serviceproviderconfig':
      case 'serviceconfiguration':
        // `serviceConfiguration` is the spelling Microsoft's reference collection requests.
        if (second !== undefined) break;
        if (method === 'GET') return json(200, serviceProviderConfig(ctx.baseUrl, limits));
        throw methodNotAllowed(['GET']);
      case 'resourcetypes': {
        if (method !== 'GET') throw methodNotAllowed(['GET']);
        if (second === undefined) return json(200, listOf(resourceTypeDocuments(ctx.baseUrl)));
        const found = resourceTypes.find((t) => t.name.toLowerCase() === second.toLowerCase());
        if (!found) throw ScimError.notFound(`No resource type ${second}`);
        return json(200, resourceTypeDocument(found, ctx.baseUrl));
      }
      case 'schemas': {
        if (method !== 'GET') throw methodNotAllowed(['GET']);
        if (second === undefined) return json(200, listOf(schemaDocuments(ctx.baseUrl)));
        const found = schemas.find((s) => s.id.toLowerCase() === second.toLowerCase());
        if (!found) throw ScimError.notFound(`No schema ${second}`);
        return json(200, schemaDocument(found, ctx.baseUrl));
      }
      case 'me':
        throw ScimError.plain(501, '/Me is not supported: requests are authenticated as the provisioning client, not as a user');
      case 'bulk':
        throw ScimError.plain(501, '/Bulk is not supported (ServiceProviderConfig bulk.supported is false)');
      default:
        break;
    }
    throw ScimError.notFound(`No resource at ${request.path}`);
  }

  return async function serve(request: ScimRequest): Promise<ScimResponse> {
    try {
      if (!(await options.authenticate(bearerToken(request)))) {
        return errorResponse(401, 'A valid bearer token is required', undefined, { 'www-authenticate': 'Bearer realm="SCIM"' });
      }
      if (request.body !== undefined && Buffer.byteLength(request.body) > limits.maxBodyBytes) {
        throw ScimError.plain(413, `The request body exceeds ${limits.maxBodyBytes} bytes`);
      }
      if (WRITE_METHODS.has(request.method.toUpperCase())) {
        const contentType = headerValue(request, 'content-type');
        if (contentType !== undefined && contentType.trim() !== '' && !isJsonMediaType(contentType)) {
          throw ScimError.plain(415, 'Send JSON: application/scim+json or application/json');
        }
      }
      const profile = await options.profile();
      return await route({ request, profile, baseUrl: request.baseUrl.replace(/\/+$/, '') });
    } catch (error) {
      return toErrorResponse(mapDirectoryError(error), options.logger);
    }
  };
}

function listOf(resources: ScimObject[]): ScimObject {
  return { schemas: [LIST_RESPONSE], totalResults: resources.length, itemsPerPage: resources.length, startIndex: 1, Resources: resources };
}

function dedupe(members: readonly MemberRef[]): StoredMember[] {
  const seen = new Map<string, StoredMember>();
  for (const member of members) seen.set(member.value, member);
  return [...seen.values()];
}

/** Re-exported for callers that look attributes up by name. */
export { findAttribute, findSchema };
