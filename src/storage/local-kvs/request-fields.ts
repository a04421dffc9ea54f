/**
 * Reading the fields of a storage request body as StorageApi sends them (node_modules/@forge/kvs/out/storage-api.js):
 * each parser validates one field and answers a malformed one with the error code the real service uses.
 */
import { assertValidEntityValue } from './entity-schema';
import { badRequest, KvsErrorCode, KvsServiceError, type KvsErrorCodeName } from './errors';
import { assertValidEntityName, assertValidKey, assertValidValue, KVS_LIMITS } from './limits';
import type { ScanOrder } from './memory-store';
import type { NormalizedEntity } from './types';
import { isScalar } from './values';

/** An item metadata field a request can ask to have returned. */
export type MetadataField = 'CREATED_AT' | 'UPDATED_AT' | 'EXPIRE_TIME';
const METADATA_FIELDS: ReadonlySet<string> = new Set<MetadataField>(['CREATED_AT', 'UPDATED_AT', 'EXPIRE_TIME']);
const TTL_UNIT_MS: Readonly<Record<string, number>> = {
  SECONDS: 1000,
  MINUTES: 60 * 1000,
  HOURS: 60 * 60 * 1000,
  DAYS: 24 * 60 * 60 * 1000,
};

/** The options of a set: time to live, key policy, and what the response returns. */
export interface SetOptions {
  ttlMs?: number;
  keyPolicy?: 'OVERRIDE' | 'FAIL_IF_EXISTS';
  returnValue?: 'PREVIOUS' | 'LATEST';
  returnMetadataFields: ReadonlySet<MetadataField>;
}

/** `value` as a JSON object; anything else is a malformed request body. */
export function record(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('Provided request body is invalid');
  }
  return value as Record<string, unknown>;
}

/** An optional array field named `name`: empty when absent, a bad request when not an array. */
export function optionalArray(value: unknown, name: string): unknown[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw badRequest(`${name} must be an array`);
  }
  return value;
}

/** The entity the manifest declares under `name`; an unknown one is UNKNOWN_ENTITY. */
export function entityNamed(entities: ReadonlyMap<string, NormalizedEntity>, name: unknown): NormalizedEntity {
  assertValidEntityName(name);
  const entity = entities.get(name);
  if (entity === undefined) {
    throw new KvsServiceError(KvsErrorCode.UNKNOWN_ENTITY, `Entity ${name} is not declared in the manifest`);
  }
  return entity;
}

/** The metadata fields a request asks for; none when absent. */
export function parseMetadataFields(raw: unknown): ReadonlySet<MetadataField> {
  if (raw === undefined) {
    return new Set();
  }
  if (!Array.isArray(raw) || !raw.every((field) => typeof field === 'string' && METADATA_FIELDS.has(field))) {
    throw badRequest('Provided request body is invalid: unknown metadata field');
  }
  return new Set(raw as MetadataField[]);
}

function parseSetOptions(raw: unknown): SetOptions {
  if (raw === undefined) {
    return { returnMetadataFields: new Set() };
  }
  const { ttl, keyPolicy, returnValue, returnMetadataFields } = record(raw);
  const options: SetOptions = { returnMetadataFields: parseMetadataFields(returnMetadataFields) };
  if (ttl !== undefined) {
    const { value, unit } = record(ttl);
    const unitMs = typeof unit === 'string' ? TTL_UNIT_MS[unit] : undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || unitMs === undefined) {
      throw new KvsServiceError(
        KvsErrorCode.INVALID_TTL,
        'ttl needs a positive integer value and a unit of SECONDS, MINUTES, HOURS or DAYS',
      );
    }
    options.ttlMs = value * unitMs;
  }
  if (keyPolicy !== undefined) {
    if (keyPolicy !== 'OVERRIDE' && keyPolicy !== 'FAIL_IF_EXISTS') {
      throw badRequest('keyPolicy must be OVERRIDE or FAIL_IF_EXISTS');
    }
    options.keyPolicy = keyPolicy;
  }
  if (returnValue !== undefined) {
    if (returnValue !== 'PREVIOUS' && returnValue !== 'LATEST') {
      throw badRequest('returnValue must be PREVIOUS or LATEST');
    }
    options.returnValue = returnValue;
  }
  return options;
}

/** A set's key, value and options, validated (against the entity's schema for an entity item). */
export function prepareSet(
  key: unknown,
  value: unknown,
  options: unknown,
  entity: NormalizedEntity | undefined,
): { key: string; value: unknown; options: SetOptions } {
  assertValidKey(key, entity === undefined ? 'kvs' : 'entity');
  assertValidValue(value);
  if (entity !== undefined) {
    assertValidEntityValue(entity, value);
  }
  return { key, value, options: parseSetOptions(options) };
}

/** A query's page size: the default when absent, `code` when outside 1 to `max`. */
export function parseLimit(raw: unknown, code: KvsErrorCodeName, max: number = KVS_LIMITS.maxQueryLimit): number {
  if (raw === undefined) {
    return KVS_LIMITS.defaultQueryLimit;
  }
  if (typeof raw !== 'number' || !Number.isInteger(raw)) {
    throw badRequest('limit must be an integer');
  }
  if (raw < 1 || raw > max) {
    throw new KvsServiceError(code, `limit must be between 1 and ${max}, not ${raw}`);
  }
  return raw;
}

/** An entity query's sort order; ascending when absent. */
export function parseSort(raw: unknown): ScanOrder {
  if (raw === undefined || raw === 'ASC' || raw === 'DESC') {
    return raw ?? 'ASC';
  }
  throw badRequest('sort must be ASC or DESC');
}

/** The key prefix of a key query's single `BEGINS_WITH` clause; '' (every key) when absent. */
export function parseKeyWhere(where: unknown): string {
  if (where === undefined) {
    return '';
  }
  if (!Array.isArray(where) || where.length !== 1) {
    throw new KvsServiceError(KvsErrorCode.QUERY_WHERE_INVALID, 'A query takes a single "where" clause');
  }
  const { property, condition, values } = record(where[0]);
  if (property !== 'key') {
    throw new KvsServiceError(KvsErrorCode.QUERY_WHERE_FIELD_INVALID, 'A query can only filter on "key"');
  }
  if (condition !== 'BEGINS_WITH') {
    throw new KvsServiceError(KvsErrorCode.INVALID_FILTER_CONDITION, 'A key query only supports BEGINS_WITH');
  }
  if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string') {
    throw new KvsServiceError(KvsErrorCode.INVALID_FILTER_VALUES, 'BEGINS_WITH takes one string value');
  }
  return values[0];
}

/** The partition values of an index query, one scalar per partition attribute of the index. */
export function parsePartition(raw: unknown, attributes: readonly string[]): Array<string | number | boolean> {
  const values = raw ?? [];
  if (!Array.isArray(values) || values.length !== attributes.length || !values.every(isScalar)) {
    throw new KvsServiceError(
      KvsErrorCode.INVALID_PARTITION,
      attributes.length === 0
        ? 'This index has no partition'
        : `This index needs ${attributes.length} partition value(s), for ${attributes.join(', ')}`,
    );
  }
  return values;
}
