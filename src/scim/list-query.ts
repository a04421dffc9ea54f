/**
 * The list machinery behind GET on a collection and every `.search` (RFC 7644 sections 3.4.2 and 3.4.3): finds the
 * resources a filter matches (an index hit when filter/indexable-equality.ts finds one, otherwise a bounded scan),
 * sorts them (section 3.4.2.3), cuts the page and renders the ListResponse with its RFC 9865 cursor.
 */
import type { StoredResource } from '../directory/directory-store';
import type { Filter } from './filter/ast';
import { compileFilter } from './filter/evaluate-filter';
import { findIndexableEquality } from './filter/indexable-equality';
import { encodeCursor, type ListContext, type ListParameters, type RawListParameters } from './list-parameters';
import type { ScimResponse } from './protocol';
import { renderResource } from './render';
import type { ScimObject } from './resource/types';
import { resolvePath, userResourceType, type ResourceType } from './schema/registry';
import { LIST_RESPONSE } from './schema/urns';
import { presentResource, resourceExtras } from './present-resource';
import { json, type ScimContext } from './scim-context';

/** The resources of one type that a list found: how many in all, and the requested page of them. */
export interface ListPart {
  readonly resourceType: ResourceType;
  readonly total: number;
  readonly page: StoredResource[];
}

function sortValue(rendered: ScimObject, resourceType: ResourceType, sortBy: string): unknown {
  const resolved = resolvePath(resourceType, sortBy);
  if (!resolved?.attribute) return undefined;
  const container =
    resolved.inExtension && resolved.schemaUrn ? (rendered[resolved.schemaUrn] as ScimObject | undefined) : rendered;
  let value = container?.[resolved.attribute.name];
  if (Array.isArray(value)) {
    const elements = value.filter((e): e is ScimObject => typeof e === 'object' && e !== null);
    value = elements.find((e) => e.primary === true) ?? elements[0] ?? value[0];
  }
  if (typeof value === 'object' && value !== null)
    value = (value as ScimObject)[resolved.subAttribute?.name ?? 'value'];
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
  const head = (path: string): string =>
    path
      .replace(/^urn:.*:/i, '')
      .split('.')[0]
      ?.toLowerCase() ?? '';
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

async function matches(
  ctx: ScimContext,
  resourceType: ResourceType,
  filter: Filter,
  acrossTypes: boolean,
): Promise<StoredResource[]> {
  const kind = resourceType.name;
  const needsMembers = mentions(filter, 'members');
  const needsGroups = mentions(filter, 'groups');
  const predicate = compileFilter(
    filter,
    resourceType,
    acrossTypes ? { undefinedAttributes: 'unassigned' } : undefined,
  );
  const test = async (stored: StoredResource): Promise<boolean> => {
    const rendered = renderResource(
      stored,
      resourceType,
      ctx.baseUrl,
      await resourceExtras(ctx, stored, needsMembers, needsGroups),
    );
    return predicate(rendered);
  };
  const indexed = findIndexableEquality(filter, resourceType);
  let candidates: StoredResource[];
  if (indexed) {
    if (indexed.key === 'id') {
      const stored = await ctx.store.get(kind, indexed.value);
      candidates = stored ? [stored] : [];
    } else {
      candidates = await ctx.store.find(kind, indexed.key, indexed.value);
    }
    const out: StoredResource[] = [];
    for (const candidate of candidates) if (await test(candidate)) out.push(candidate);
    return out;
  }
  const out: StoredResource[] = [];
  for await (const batch of ctx.store.scan(kind, ctx.limits.maxScan)) {
    for (const stored of batch) if (await test(stored)) out.push(stored);
  }
  return out;
}

async function allOf(ctx: ScimContext, resourceType: ResourceType): Promise<StoredResource[]> {
  const out: StoredResource[] = [];
  for await (const batch of ctx.store.scan(resourceType.name, ctx.limits.maxScan)) out.push(...batch);
  return out;
}

/**
 * Finds the page of one resource type that `parameters` ask for: without filter or sort one roster page read,
 * otherwise every match (at most `maxScan` examined) sorted and sliced.
 */
export async function queryResources(
  ctx: ScimContext,
  resourceType: ResourceType,
  parameters: ListParameters,
): Promise<{ total: number; page: StoredResource[] }> {
  const { offset, count } = parameters.paging;
  if (!parameters.filter && !parameters.sortBy) {
    const page = await ctx.store.page(resourceType.name, offset, count);
    return { total: page.totalResults, page: [...page.resources] };
  }
  let found = parameters.filter
    ? await matches(ctx, resourceType, parameters.filter, parameters.acrossTypes)
    : await allOf(ctx, resourceType);
  if (parameters.sortBy) {
    const sortBy = parameters.sortBy;
    const resolved = resolvePath(resourceType, sortBy);
    const definition = resolved?.subAttribute ?? resolved?.attribute;
    const caseExact = definition?.caseExact ?? false;
    const isDate = definition?.type === 'dateTime';
    const keyed = found.map((stored) => ({
      stored,
      key: sortValue(renderResource(stored, resourceType, ctx.baseUrl), resourceType, sortBy),
    }));
    keyed.sort((a, b) => {
      const order = compareForSort(a.key, b.key, caseExact, isDate);
      return parameters.descending && a.key !== undefined && b.key !== undefined ? -order : order;
    });
    found = keyed.map((k) => k.stored);
  }
  return { total: found.length, page: found.slice(offset, offset + count) };
}

/** The time, and the cursor signer when the request pages by cursor (its key is read from storage only then). */
export async function listContext(ctx: ScimContext, raw: RawListParameters): Promise<ListContext> {
  const nowMs = ctx.now().getTime();
  return raw.cursor === undefined || raw.cursor === null ? { nowMs } : { nowMs, signer: await ctx.cursorSigner() };
}

/** Renders the ListResponse of the parts' pages, in order, with startIndex or the next RFC 9865 cursor. */
export async function listResponse(
  ctx: ScimContext,
  parameters: ListParameters,
  parts: readonly ListPart[],
): Promise<ScimResponse> {
  const total = parts.reduce((sum, part) => sum + part.total, 0);
  const resources: ScimObject[] = [];
  for (const part of parts) {
    // One batched read of the page's account links, not one per user.
    const links =
      part.resourceType === userResourceType && ctx.accountLinks && part.page.length > 0
        ? await ctx.accountLinks(part.page.map((r) => r.id))
        : undefined;
    for (const stored of part.page)
      resources.push(await presentResource(ctx, stored, part.resourceType, parameters.projection, undefined, links));
  }
  const { offset, count } = parameters.paging;
  const body: ScimObject = { schemas: [LIST_RESPONSE], totalResults: total, itemsPerPage: resources.length };
  if (parameters.paging.method === 'index') body.startIndex = offset + 1;
  body.Resources = resources;
  if (parameters.paging.method === 'cursor' && offset + count < total && count > 0) {
    body.nextCursor = encodeCursor(parameters, offset + count, ctx.now().getTime(), await ctx.cursorSigner());
  }
  return json(200, body);
}
