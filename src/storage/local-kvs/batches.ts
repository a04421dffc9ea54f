/**
 * The batch endpoints of the local storage service: up to KVS_LIMITS.maxBatchItems gets, sets or deletes, each of
 * which succeeds or fails on its own, failures reported per key (DAC `/storage-reference/entities-batch`).
 */
import { describe, keyNotFound, type EngineResponse } from './engine-response';
import { badRequest, KvsErrorCode, KvsServiceError } from './errors';
import { assertValidKey, KVS_LIMITS } from './limits';
import { entityNamespace, KV_NAMESPACE } from './memory-store';
import { entityNamed, parseMetadataFields, prepareSet, record } from './request-fields';
import type { NormalizedEntity } from './types';
import { writeItem, type WriteSet } from './write-set';

type Entities = ReadonlyMap<string, NormalizedEntity>;

function batchItems(body: unknown, bodyBytes: number): Array<Record<string, unknown>> {
  if (!Array.isArray(body)) {
    throw badRequest('A batch request body must be an array');
  }
  if (body.length > KVS_LIMITS.maxBatchItems) {
    throw new KvsServiceError(
      KvsErrorCode.BATCH_TOO_MANY_ITEMS,
      `A batch may hold at most ${KVS_LIMITS.maxBatchItems} items, not ${body.length}`,
    );
  }
  if (bodyBytes > KVS_LIMITS.maxBatchBytes) {
    throw new KvsServiceError(KvsErrorCode.BATCH_TOO_LARGE, `A batch may be at most ${KVS_LIMITS.maxBatchBytes} bytes`);
  }
  return body.map((item) => record(item));
}

function batch(
  entities: Entities,
  body: unknown,
  bodyBytes: number,
  run: (item: Record<string, unknown>, ns: string, entity: NormalizedEntity | undefined) => Record<string, unknown>,
): EngineResponse {
  const successfulKeys: unknown[] = [];
  const failedKeys: unknown[] = [];
  for (const item of batchItems(body, bodyBytes)) {
    const identity = {
      key: typeof item.key === 'string' ? item.key : String(item.key),
      ...(item.entityName === undefined ? {} : { entityName: item.entityName }),
    };
    try {
      const entity = item.entityName === undefined ? undefined : entityNamed(entities, item.entityName);
      const extra = run(item, entity === undefined ? KV_NAMESPACE : entityNamespace(entity.name), entity);
      successfulKeys.push({ ...identity, ...extra });
    } catch (error) {
      if (!(error instanceof KvsServiceError)) {
        throw error;
      }
      failedKeys.push({ ...identity, error: { code: error.code, message: error.message } });
    }
  }
  return { status: 200, body: { successfulKeys, failedKeys } };
}

/** Sets each item of the batch. */
export function batchSet(entities: Entities, writes: WriteSet, body: unknown, bodyBytes: number): EngineResponse {
  return batch(entities, body, bodyBytes, (item, ns, entity) => {
    const set = prepareSet(item.key, item.value, item.options, entity);
    writeItem(writes, ns, set.key, set.value, set.options, writes.read(ns, set.key));
    return {};
  });
}

/** Reads each item of the batch; a missing key is a failed key (KEY_NOT_FOUND). */
export function batchGet(entities: Entities, writes: WriteSet, body: unknown): EngineResponse {
  return batch(entities, body, 0, (item, ns, entity) => {
    assertValidKey(item.key, entity === undefined ? 'kvs' : 'entity');
    const fields = parseMetadataFields(record(item.options ?? {}).metadataFields);
    const stored = writes.read(ns, item.key);
    if (stored === undefined) {
      throw keyNotFound();
    }
    const { key: _key, ...rest } = describe(item.key, stored, fields);
    return rest;
  });
}

/** Deletes each item of the batch; a missing key is a failed key (KEY_NOT_FOUND). */
export function batchDelete(entities: Entities, writes: WriteSet, body: unknown): EngineResponse {
  return batch(entities, body, 0, (item, ns, entity) => {
    assertValidKey(item.key, entity === undefined ? 'kvs' : 'entity');
    if (writes.read(ns, item.key) === undefined) {
      throw keyNotFound();
    }
    writes.delete(ns, item.key);
    return {};
  });
}
