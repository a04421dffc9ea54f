/**
 * Query and SearchRequest parameters of a list (RFC 7644 sections 3.4.2 and 3.4.3): filter, sort, index paging
 * (section 3.4.2.4), cursor paging (RFC 9865), and attribute projection.
 */
import { ScimError } from './errors';
import type { Filter } from './filter/ast';
import { checkFilterAcrossTypes } from './filter/root-filter';
import { decodeListCursor, encodeListCursor, type CursorSigner } from './list-cursor';
import { parseAttributeList, parseFilter } from './filter/parse-filter';
import type { PagingLimits } from './discovery';
import type { ClientProfile } from './profile';
import type { Projection } from './render';
import type { ResourceType } from './schema/registry';
import { resolvePath } from './schema/registry';

/** Where a page starts: a 0-based offset from index paging, or an RFC 9865 cursor. */
export type Paging =
  | { readonly method: 'index'; readonly offset: number; readonly count: number }
  | { readonly method: 'cursor'; readonly offset: number; readonly count: number };

/** Everything a list request asks for, validated. */
export interface ListParameters {
  readonly filter: Filter | undefined;
  readonly filterText: string | undefined;
  readonly sortBy: string | undefined;
  readonly descending: boolean;
  /** True at the root: the filter may name attributes only some resource types define (RFC 7644 section 3.4.3). */
  readonly acrossTypes: boolean;
  /** Identifies the query (resource types, filter, sort) that a cursor continues. */
  readonly fingerprint: string;
  readonly paging: Paging;
  readonly projection: Projection;
}

/** The raw parameters, from the query string or a SearchRequest body. */
export interface RawListParameters {
  readonly filter?: unknown;
  readonly sortBy?: unknown;
  readonly sortOrder?: unknown;
  readonly startIndex?: unknown;
  readonly count?: unknown;
  readonly cursor?: unknown;
  readonly attributes?: unknown;
  readonly excludedAttributes?: unknown;
}

function integerParameter(name: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(number)) throw ScimError.invalidValue(`${name} must be an integer`);
  return number;
}

function stringParameter(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((v) => stringParameter(name, v)).join(',');
  if (typeof value !== 'string') throw ScimError.invalidValue(`${name} must be a string`);
  return value;
}

/** Parses `attributes` / `excludedAttributes` (RFC 7644 section 3.4.2.5). */
export function parseProjection(
  raw: Pick<RawListParameters, 'attributes' | 'excludedAttributes'>,
  profile: ClientProfile,
): Projection {
  const attributes = stringParameter('attributes', raw.attributes);
  const excluded = stringParameter('excludedAttributes', raw.excludedAttributes);
  const options = { unquotedValues: profile.unquotedFilterValues };
  return {
    ...(attributes !== undefined && attributes.trim() !== ''
      ? { attributes: parseAttributeList(attributes, options) }
      : {}),
    ...(excluded !== undefined && excluded.trim() !== ''
      ? { excludedAttributes: parseAttributeList(excluded, options) }
      : {}),
  };
}

/** A fingerprint of the query a cursor continues: the resource types, filter and sort, FNV-1a hashed. */
function fingerprint(
  scope: string,
  filterText: string | undefined,
  sortBy: string | undefined,
  descending: boolean,
): string {
  const text = `${scope}|${filterText ?? ''}|${sortBy ?? ''}|${descending ? 'd' : 'a'}`;
  let hash = 2166136261;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash.toString(36);
}

/** Encodes the signed cursor that continues a listing at `offset` (RFC 9865 section 3). */
export function encodeCursor(parameters: ListParameters, offset: number, nowMs: number, signer: CursorSigner): string {
  return encodeListCursor({ offset, query: parameters.fingerprint, issuedAtMs: nowMs }, signer);
}

/** What list parsing needs besides the request: the time, and the cursor signer when the request pages by cursor. */
export interface ListContext {
  readonly nowMs: number;
  readonly signer?: CursorSigner;
}

function isTypeList(scope: ResourceType | readonly ResourceType[]): scope is readonly ResourceType[] {
  return Array.isArray(scope);
}

function sortable(scope: readonly ResourceType[], sortBy: string): boolean {
  return scope.some((resourceType) => resolvePath(resourceType, sortBy)?.attribute !== undefined);
}

/**
 * Validates list parameters for one resource type, or for several at the root (RFC 7644 section 3.4.3), where an
 * attribute only some types define is unassigned in the others; `context.nowMs` decides cursor expiry (RFC 9865).
 */
export function parseListParameters(
  raw: RawListParameters,
  scope: ResourceType | readonly ResourceType[],
  profile: ClientProfile,
  limits: PagingLimits,
  context: ListContext,
): ListParameters {
  const acrossTypes = isTypeList(scope);
  const types = isTypeList(scope) ? scope : [scope];
  const scopeName = types.map((t) => t.name).join('+');
  const filterText = stringParameter('filter', raw.filter);
  const filter =
    filterText !== undefined && filterText.trim() !== ''
      ? parseFilter(filterText, { unquotedValues: profile.unquotedFilterValues })
      : undefined;
  if (filter && acrossTypes) checkFilterAcrossTypes(filter, types);
  const sortBy = stringParameter('sortBy', raw.sortBy);
  if (sortBy !== undefined && sortBy !== '' && !sortable(types, sortBy)) {
    throw ScimError.invalidPath(`sortBy names no attribute of ${types.map((t) => t.name).join(' or ')}: ${sortBy}`);
  }
  const sortOrder = stringParameter('sortOrder', raw.sortOrder)?.toLowerCase();
  if (sortOrder !== undefined && sortOrder !== '' && sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw ScimError.invalidValue('sortOrder must be "ascending" or "descending"');
  }
  const descending = sortOrder === 'descending';
  const requestedCount = integerParameter('count', raw.count);
  const cursorText = stringParameter('cursor', raw.cursor);
  const startIndex = integerParameter('startIndex', raw.startIndex);
  const normalisedSort = sortBy === '' ? undefined : sortBy;
  const query = fingerprint(scopeName, filterText, normalisedSort, descending);
  const partial = {
    filter,
    filterText,
    sortBy: normalisedSort,
    descending,
    acrossTypes,
    fingerprint: query,
    projection: parseProjection(raw, profile),
  };

  if (cursorText !== undefined) {
    if (startIndex !== undefined)
      throw ScimError.invalidValue('A request cannot use both startIndex and cursor paging');
    if (requestedCount !== undefined && requestedCount < 0)
      throw ScimError.typed('invalidCount', 'count must not be negative');
    const count = Math.min(requestedCount ?? limits.defaultPageSize, limits.maxPageSize);
    if (cursorText === '') return { ...partial, paging: { method: 'cursor', offset: 0, count } };
    if (!context.signer) throw new Error('Cursor paging needs the cursor signer');
    const state = decodeListCursor(cursorText, context.signer, query, context.nowMs, limits.cursorTimeoutSeconds);
    return { ...partial, paging: { method: 'cursor', offset: state.offset, count } };
  }
  // RFC 7644 section 3.4.2.4: startIndex below 1 is read as 1, a negative count as 0.
  const offset = Math.max((startIndex ?? 1) - 1, 0);
  const count = Math.min(Math.max(requestedCount ?? limits.defaultPageSize, 0), limits.maxPageSize);
  return { ...partial, paging: { method: 'index', offset, count } };
}
