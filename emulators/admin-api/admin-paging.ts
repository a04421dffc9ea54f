/**
 * Cursor paging as the Admin API v2 does it: `cursor` and `limit`, and `links.self|next|prev` holding
 * cursors. The cursor carries the filters of the first request, so that "if present, all other parameters
 * are discarded" (the GET list operations' `cursor` description) holds, and the search bodies may repeat
 * their filters or not (docs/notes/atlassian-admin-api.md section 2, "Paging").
 */
import type { JsonObject, JsonValue } from '../openapi/openapi-types';
import { isJsonObject } from '../openapi/openapi-types';
import { RouteError } from '../spec-emulator';

/** Where a listing starts and what it filters on. */
export interface PageRequest {
  readonly filters: JsonObject;
  readonly offset: number;
  readonly limit: number;
}

/** Encodes an opaque cursor. */
export function encodeCursor(offset: number, filters: JsonObject): string {
  return Buffer.from(JSON.stringify({ o: offset, f: filters }), 'utf8').toString('base64url');
}

/** Decodes a cursor made by encodeCursor; a malformed one is the client's error (400). */
export function decodeCursor(cursor: string): { offset: number; filters: JsonObject } {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isJsonObject(decoded) && typeof decoded.o === 'number' && decoded.o >= 0 && isJsonObject(decoded.f)) {
      return { offset: decoded.o, filters: decoded.f };
    }
  } catch {
    // Fall through to the 400 below.
  }
  throw new RouteError(400, 'The cursor is not valid.');
}

/** Reads paging from a search body: filters are every field except cursor and limit. */
export function pageFromBody(body: JsonObject, defaultLimit: number): PageRequest {
  const limit = typeof body.limit === 'number' ? body.limit : defaultLimit;
  if (typeof body.cursor === 'string') {
    const { offset, filters } = decodeCursor(body.cursor);
    return { filters, offset, limit };
  }
  const filters: JsonObject = {};
  for (const [key, value] of Object.entries(body)) if (key !== 'cursor' && key !== 'limit') filters[key] = value;
  return { filters, offset: 0, limit };
}

/** Reads paging from query parameters of a GET list operation. */
export function pageFromQuery(query: Readonly<Record<string, readonly string[]>>, defaultLimit: number): PageRequest {
  const rawLimit = query.limit?.[0];
  const limit = rawLimit === undefined ? defaultLimit : Number(rawLimit);
  const cursor = query.cursor?.[0];
  if (cursor !== undefined) {
    const { offset, filters } = decodeCursor(cursor);
    return { filters, offset, limit };
  }
  const filters: JsonObject = {};
  for (const [key, values] of Object.entries(query))
    if (key !== 'cursor' && key !== 'limit') filters[key] = [...values];
  return { filters, offset: 0, limit };
}

/** Cuts one page out of `items` and builds its links. */
export function pageOf<T>(items: readonly T[], request: PageRequest): { items: T[]; links: JsonObject } {
  const { offset, limit, filters } = request;
  const links: JsonObject = { self: encodeCursor(offset, filters) };
  if (offset + limit < items.length) links.next = encodeCursor(offset + limit, filters);
  if (offset > 0) links.prev = encodeCursor(Math.max(0, offset - limit), filters);
  return { items: items.slice(offset, offset + limit), links };
}

/** The strings of a filter field (body arrays or repeated query values). */
export function filterList(filters: JsonObject, key: string): string[] | undefined {
  const value: JsonValue | undefined = filters[key];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}
