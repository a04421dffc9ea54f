/** The single-item endpoints of the local storage service (get, set, delete), for plain keys, secrets and entities. */
import { describe, keyNotFound, NO_CONTENT, type EngineResponse } from './engine-response';
import { assertValidKey } from './limits';
import { parseMetadataFields, prepareSet, record } from './request-fields';
import type { NormalizedEntity } from './types';
import { writeItem, type WriteSet } from './write-set';

/** Reads the item at the body's key of namespace `ns`; KEY_NOT_FOUND when none. */
export function getItem(
  writes: WriteSet,
  body: unknown,
  ns: string,
  entity: NormalizedEntity | undefined,
): EngineResponse {
  const { key, options } = record(body);
  assertValidKey(key, entity === undefined ? 'kvs' : 'entity');
  const fields = parseMetadataFields(record(options ?? {}).metadataFields);
  const item = writes.read(ns, key);
  if (item === undefined) {
    throw keyNotFound();
  }
  return { status: 200, body: describe(key, item, fields) };
}

/** Sets the body's value at its key, answering with the previous or latest item when the options ask. */
export function setItem(
  writes: WriteSet,
  body: unknown,
  ns: string,
  entity: NormalizedEntity | undefined,
): EngineResponse {
  const { key, value, options } = record(body);
  const set = prepareSet(key, value, options, entity);
  const previous = writes.read(ns, set.key);
  const item = writeItem(writes, ns, set.key, set.value, set.options, previous);
  if (set.options.returnValue === 'LATEST') {
    return { status: 200, body: describe(set.key, item, set.options.returnMetadataFields) };
  }
  if (set.options.returnValue === 'PREVIOUS' && previous !== undefined) {
    return { status: 200, body: describe(set.key, previous, set.options.returnMetadataFields) };
  }
  return NO_CONTENT;
}

/** Deletes the item at the body's key; KEY_NOT_FOUND when none. */
export function deleteItem(
  writes: WriteSet,
  body: unknown,
  ns: string,
  entity: NormalizedEntity | undefined,
): EngineResponse {
  const { key } = record(body);
  assertValidKey(key, entity === undefined ? 'kvs' : 'entity');
  if (writes.read(ns, key) === undefined) {
    throw keyNotFound();
  }
  writes.delete(ns, key);
  return NO_CONTENT;
}
