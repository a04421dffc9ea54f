/**
 * Opaque query cursors: base64 of the last position a page read. A query resumes strictly after that position in its
 * sort order, so a cursor stays valid when items are added or removed between pages (the item it names included).
 * Forge says not to store cursors (DAC `/limits-kvs-ce`), and ours carry no expiry either.
 */
import { KvsErrorCode, KvsServiceError } from './errors';
import type { IndexEntry } from './scan';
import { isScalar } from './values';

/** Cursor for a plain-key query: the last key read. */
export function encodeKeyCursor(key: string): string {
  return Buffer.from(JSON.stringify({ t: 'key', k: key }), 'utf8').toString('base64');
}

/** The last key read, from a cursor made by encodeKeyCursor. */
export function decodeKeyCursor(cursor: unknown): string {
  const decoded = decode(cursor);
  if (decoded.t !== 'key' || typeof decoded.k !== 'string') {
    throw invalid();
  }
  return decoded.k;
}

/** Cursor for an index query: the index and the last entry read. */
export function encodeIndexCursor(indexName: string, entry: IndexEntry): string {
  return Buffer.from(JSON.stringify({ t: 'index', i: indexName, p: entry.p, r: entry.r, k: entry.k }), 'utf8').toString(
    'base64',
  );
}

/** The last entry read, from a cursor made by encodeIndexCursor for the same index and partition. */
export function decodeIndexCursor(cursor: unknown, indexName: string, partition: string): IndexEntry {
  const decoded = decode(cursor);
  if (
    decoded.t !== 'index' ||
    decoded.i !== indexName ||
    decoded.p !== partition ||
    !isScalar(decoded.r) ||
    typeof decoded.k !== 'string'
  ) {
    throw invalid();
  }
  return { p: decoded.p, r: decoded.r, k: decoded.k };
}

function decode(cursor: unknown): Record<string, unknown> {
  if (typeof cursor !== 'string' || cursor.length === 0) {
    throw invalid();
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Falls through to the INVALID_CURSOR error below.
  }
  throw invalid();
}

function invalid(): KvsServiceError {
  return new KvsServiceError(KvsErrorCode.INVALID_CURSOR, 'The cursor was not issued by this query');
}
