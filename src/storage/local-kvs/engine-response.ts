/** What the local storage service's request handlers answer, in the shapes StorageApi parses. */
import { KvsErrorCode, KvsServiceError } from './errors';
import type { MetadataField } from './request-fields';
import type { Mutation, StoredItem } from './types';

/** What a handler answers: an HTTP status and an optional JSON body. */
export interface EngineResponse {
  /** HTTP status; 204 has no body. */
  status: number;
  /** The JSON body, if any. */
  body?: unknown;
  /** Items a query read but its filters dropped, as they would have been returned; they count against the read quota. */
  filteredOut?: unknown[];
}

/** A handler's outcome: the response and the changes to commit before sending it. */
export interface EngineResult {
  /** The response to send once the mutations are committed. */
  response: EngineResponse;
  /** The changes this request makes, in order; empty for reads and failed requests. */
  mutations: Mutation[];
}

/** The answer of a request that returns nothing. */
export const NO_CONTENT: EngineResponse = { status: 204 };

/**
 * An item as a response describes it: key, value and the metadata fields asked for.
 * Timestamps are whole seconds since the epoch, as in @forge/kvs's tests (1718236800); expireTime is ISO 8601 as in
 * the same tests. Both are assumptions about the real service, which documents neither.
 */
export function describe(key: string, item: StoredItem, fields: ReadonlySet<MetadataField>): Record<string, unknown> {
  const described: Record<string, unknown> = { key, value: item.value };
  if (fields.has('CREATED_AT')) {
    described.createdAt = Math.floor(item.createdAt / 1000);
  }
  if (fields.has('UPDATED_AT')) {
    described.updatedAt = Math.floor(item.updatedAt / 1000);
  }
  if (fields.has('EXPIRE_TIME') && item.expireAt !== undefined) {
    described.expireTime = new Date(item.expireAt).toISOString();
  }
  return described;
}

/** The error of a read or delete of a key that holds no item. */
export function keyNotFound(): KvsServiceError {
  return new KvsServiceError(KvsErrorCode.KEY_NOT_FOUND, 'Provided key does not exist');
}
