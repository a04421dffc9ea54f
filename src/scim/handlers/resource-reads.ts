/**
 * The read endpoints: one resource by id (GET, RFC 7644 section 3.4.1), a collection's list (GET with query
 * parameters, section 3.4.2), a collection's `.search` and the root `.search` that spans every resource type
 * (POST with a SearchRequest, section 3.4.3).
 */
import { ScimError } from '../errors';
import { cannotMatch } from '../filter/root-filter';
import { listContext, listResponse, queryResources, type ListPart } from '../list-query';
import { parseListParameters, type RawListParameters } from '../list-parameters';
import { notModified } from '../preconditions';
import { resourceResponse } from '../present-resource';
import type { ClientProfile } from '../profile';
import { queryValue, type ScimRequest, type ScimResponse } from '../protocol';
import { entityTag } from '../render';
import { parseBody } from '../request-body';
import { resourceTypes, type ResourceType } from '../schema/registry';
import { SEARCH_REQUEST } from '../schema/urns';
import type { RouteHandler, ScimContext } from '../scim-context';

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

/** The list parameters of a SearchRequest body, its member names matched case-insensitively (RFC 7644 section 3.4.3). */
function rawSearch(body: unknown, profile: ClientProfile): RawListParameters {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw ScimError.invalidSyntax('A SearchRequest must be a JSON object');
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

async function list(ctx: ScimContext, resourceType: ResourceType, raw: RawListParameters): Promise<ScimResponse> {
  const parameters = parseListParameters(raw, resourceType, ctx.profile, ctx.limits, await listContext(ctx, raw));
  const result = await queryResources(ctx, resourceType, parameters);
  return listResponse(ctx, parameters, [{ resourceType, ...result }]);
}

/** GET /Users/{id}, GET /Groups/{id}: the resource, or 304 when If-None-Match names its version (section 3.14). */
export function readResource(resourceType: ResourceType): RouteHandler {
  return async (ctx, id) => {
    const stored = await ctx.store.get(resourceType.name, id);
    if (!stored) throw ScimError.notFound(`${resourceType.name} ${id} not found`);
    if (notModified(ctx.request, stored.version))
      return { status: 304, headers: { etag: entityTag(stored.version) }, body: undefined };
    return resourceResponse(ctx, stored, resourceType, 200);
  };
}

/** GET /Users, GET /Groups: a page of the collection, filtered and sorted by the query parameters. */
export function listResources(resourceType: ResourceType): RouteHandler {
  return async (ctx) => list(ctx, resourceType, rawQuery(ctx.request));
}

/** POST /Users/.search, POST /Groups/.search: the same list, its parameters in a SearchRequest body. */
export function searchResources(resourceType: ResourceType): RouteHandler {
  return async (ctx) => list(ctx, resourceType, rawSearch(parseBody(ctx.request), ctx.profile));
}

/** POST /.search: a search across every resource type, users first, then groups, paged as one list. */
export const searchAllResources: RouteHandler = async (ctx) => {
  const raw = rawSearch(parseBody(ctx.request), ctx.profile);
  // RFC 7644 section 3.4.3: a search at the root spans every resource type; users come first, then groups. An
  // attribute only some types define is unassigned in the others (filter/root-filter.ts).
  const parameters = parseListParameters(raw, resourceTypes, ctx.profile, ctx.limits, await listContext(ctx, raw));
  const parts: ListPart[] = [];
  let offset = parameters.paging.offset;
  let remaining = parameters.paging.count;
  for (const resourceType of resourceTypes) {
    if (parameters.filter && cannotMatch(parameters.filter, resourceType)) continue;
    const all = await queryResources(ctx, resourceType, {
      ...parameters,
      paging: { method: 'index', offset: 0, count: ctx.limits.maxScan },
    });
    const page = all.page.slice(offset, offset + remaining);
    parts.push({ resourceType, total: all.total, page });
    offset = Math.max(0, offset - all.total);
    remaining -= page.length;
  }
  return listResponse(ctx, parameters, parts);
};
