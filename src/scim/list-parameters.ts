/**
 * Query and SearchRequest parameters of a list (RFC 7644 sections 3.4.2 and 3.4.3): filter, sort, index paging
 * (section 3.4.2.4), cursor paging (RFC 9865), and attribute projection.
 */
import { ScimError } from './errors';
import type { Filter } from './filter/ast';
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
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
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
export function parseProjection(raw: Pick<RawListParameters, 'attributes' | 'excludedAttributes'>, profile: ClientProfile): Projection {
  const attributes = stringParameter('attributes', raw.attributes);
  const excluded = stringParameter('excludedAttributes', raw.excludedAttributes);
  const options = { unquotedValues: profile.unquotedFilterValues };
  return {
    ...(attributes !== undefined && attributes.trim() !== '' ? { attributes: parseAttributeList(attributes, options) } : {}),
    ...(excluded !== undefined && excluded.trim() !== '' ? { excludedAttributes: parseAttributeList(excluded, options) } : {}),
  };
}

/** An opaque RFC 9865 cursor: the next offset, a fingerprint of the query, and when it was issued. */
interface CursorState {
  readonly o: number;
  readonly q: string;
  readonly t: number;
}

function fingerprint(resourceType: ResourceType, filterText: string | undefined, sortBy: string | undefined, descending: boolean): string {
  const text = `${resourceType.name}|${filterText ?? ''}|${sortBy ?? ''}|${descending ? 'd' : 'a'}`;
  let hash = 2166136261;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash.toString(36);
}

/** Encodes the cursor that continues a listing at `offset` (RFC 9865 section 3). */
export function encodeCursor(parameters: ListParameters, resourceType: ResourceType, offset: number, nowMs: number): string {
  const state: CursorState = { o: offset, q: fingerprint(resourceType, parameters.filterText, parameters.sortBy, parameters.descending), t: nowMs };
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeCursor(text: string): CursorState {
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw ScimError.typed('invalidCursor', 'The cursor is not one this service issued', error);
  }
  const candidate = state as Partial<CursorState> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    !Number.isSafeInteger(candidate.o) ||
    (candidate.o ?? -1) < 0 ||
    typeof candidate.q !== 'string' ||
    !Number.isSafeInteger(candidate.t)
  ) {
    throw ScimError.typed('invalidCursor', 'The cursor is not one this service issued');
  }
  return candidate as CursorState;
}

/** Validates list parameters; `nowMs` decides cursor expiry (RFC 9865 section 4, expiredCursor). */
export function parseListParameters(
  raw: RawListParameters,
  resourceType: ResourceType,
  profile: ClientProfile,
  limits: PagingLimits,
  nowMs: number,
): ListParameters {
  const filterText = stringParameter('filter', raw.filter);
  const filter = filterText !== undefined && filterText.trim() !== '' ? parseFilter(filterText, { unquotedValues: profile.unquotedFilterValues }) : undefined;
  const sortBy = stringParameter('sortBy', raw.sortBy);
  if (sortBy !== undefined && sortBy !== '' && !resolvePath(resourceType, sortBy)?.attribute) {
    throw ScimError.invalidPath(`sortBy names no attribute of ${resourceType.name}: ${sortBy}`);
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
  const partial = { filter, filterText, sortBy: normalisedSort, descending, projection: parseProjection(raw, profile) };

  if (cursorText !== undefined) {
    if (startIndex !== undefined) throw ScimError.invalidValue('A request cannot use both startIndex and cursor paging');
    if (requestedCount !== undefined && requestedCount < 0) throw ScimError.typed('invalidCount', 'count must not be negative');
    const count = Math.min(requestedCount ?? limits.defaultPageSize, limits.maxPageSize);
    if (cursorText === '') return { ...partial, paging: { method: 'cursor', offset: 0, count } };
    const state = decodeCursor(cursorText);
    if (state.q !== fingerprint(resourceType, filterText, normalisedSort, descending)) {
      throw ScimError.typed('invalidCursor', 'The cursor belongs to a different query');
    }
    if (nowMs - state.t > limits.cursorTimeoutSeconds * 1000) throw ScimError.typed('expiredCursor', 'The cursor has expired; start again');
    return { ...partial, paging: { method: 'cursor', offset: state.o, count } };
  }
  // RFC 7644 section 3.4.2.4: startIndex below 1 is read as 1, a negative count as 0.
  const offset = Math.max((startIndex ?? 1) - 1, 0);
  const count = Math.min(Math.max(requestedCount ?? limits.defaultPageSize, 0), limits.maxPageSize);
  return { ...partial, paging: { method: 'index', offset, count } };
}
