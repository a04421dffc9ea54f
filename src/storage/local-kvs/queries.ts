/**
 * The query endpoints of the local storage service: key-prefix queries of plain keys and index queries of custom
 * entities, each a page of at most the request's limit with a cursor to the next.
 */
import { matchesFilter, parseFilter, parseRangeCondition } from './conditions';
import { decodeIndexCursor, decodeKeyCursor, encodeIndexCursor, encodeKeyCursor } from './cursor';
import { describe, type EngineResponse } from './engine-response';
import { KvsErrorCode, KvsServiceError } from './errors';
import { KVS_LIMITS } from './limits';
import { entityNamespace, KV_NAMESPACE, partitionKey, type MemoryStore } from './memory-store';
import {
  entityNamed,
  parseKeyWhere,
  parseLimit,
  parseMetadataFields,
  parsePartition,
  parseSort,
  record,
} from './request-fields';
import { indexRegion, prefixRegion, type IndexEntry } from './scan';
import type { NormalizedEntity, StoredItem } from './types';
import type { WriteSet } from './write-set';

/** A page of the plain keys that begin with the query's prefix, in key order. */
export function queryKeys(store: MemoryStore, writes: WriteSet, body: unknown): EngineResponse {
  const { where, limit, after, options } = record(body);
  const prefix = parseKeyWhere(where);
  const pageSize = parseLimit(limit, KvsErrorCode.LIST_QUERY_LIMIT_EXCEEDED);
  const fields = parseMetadataFields(record(options ?? {}).metadataFields);
  const afterKey = after === undefined ? undefined : decodeKeyCursor(after);
  const data: unknown[] = [];
  let last: string | undefined;
  let more = false;
  for (const key of store.scanKeys(prefixRegion(prefix), afterKey)) {
    const item = writes.read(KV_NAMESPACE, key);
    if (item === undefined) {
      continue;
    }
    if (data.length === pageSize) {
      more = true;
      break;
    }
    data.push(describe(key, item, fields));
    last = key;
  }
  return { status: 200, body: more && last !== undefined ? { data, cursor: encodeKeyCursor(last) } : { data } };
}

/** A page of an entity's index in one partition, within the query's range, with its filters applied to the page. */
export function queryEntity(
  store: MemoryStore,
  entities: ReadonlyMap<string, NormalizedEntity>,
  writes: WriteSet,
  body: unknown,
): EngineResponse {
  const request = record(body);
  const entity = entityNamed(entities, request.entityName);
  const ns = entityNamespace(entity.name);
  const index = typeof request.indexName === 'string' ? entity.indexes.get(request.indexName) : undefined;
  if (index === undefined) {
    throw new KvsServiceError(
      KvsErrorCode.INDEX_NOT_FOUND,
      `Entity ${entity.name} has no index ${JSON.stringify(request.indexName)}`,
    );
  }
  const partition = partitionKey(parsePartition(request.partition, index.partition));
  const range = request.range === undefined ? undefined : parseRangeCondition(request.range);
  const filter = request.filters === undefined ? undefined : parseFilter(request.filters);
  const order = parseSort(request.sort);
  const pageSize = parseLimit(
    request.limit,
    KvsErrorCode.COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE,
    KVS_LIMITS.maxEntityQueryLimit,
  );
  const fields = parseMetadataFields(request.metadataFields ?? record(request.options ?? {}).metadataFields);
  const cursor = request.cursor === undefined ? undefined : decodeIndexCursor(request.cursor, index.name, partition);

  // The page is the next `pageSize` index entries; filters then drop items from that page (DynamoDB's Limit rule),
  // so a page may hold fewer items than the limit, even none, while a cursor remains.
  const page: Array<{ entry: IndexEntry; item: StoredItem }> = [];
  let more = false;
  for (const entry of store.scanIndex(entity.name, index.name, indexRegion(partition, range), order, cursor)) {
    const item = writes.read(ns, entry.k);
    if (item === undefined) {
      continue;
    }
    if (page.length === pageSize) {
      more = true;
      break;
    }
    page.push({ entry, item });
  }
  const data: unknown[] = [];
  const filteredOut: unknown[] = [];
  for (const { entry, item } of page) {
    const kept = filter === undefined || matchesFilter(filter, item.value as Record<string, unknown>);
    (kept ? data : filteredOut).push(describe(entry.k, item, fields));
  }
  const last = page[page.length - 1];
  const answer = more && last !== undefined ? { data, cursor: encodeIndexCursor(index.name, last.entry) } : { data };
  return { status: 200, body: answer, ...(filteredOut.length > 0 ? { filteredOut } : {}) };
}
