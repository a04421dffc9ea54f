/**
 * The request handlers of the local storage service: one per endpoint StorageApi calls
 * (node_modules/@forge/kvs/out/storage-api.js), answering in the shapes it parses.
 *
 * A handler never changes the store. It validates the request, reads through a WriteSet and returns the response
 * together with the Mutations to commit; the service logs them and applies them only if the whole request succeeded,
 * which is what makes batches, transactions and the write-ahead log all-or-nothing per request.
 */
import { matchesFilter, parseFilter, parseRangeCondition, type Filter } from './conditions';
import { decodeIndexCursor, decodeKeyCursor, encodeIndexCursor, encodeKeyCursor } from './cursor';
import { assertValidEntityValue } from './entity-schema';
import { badRequest, KvsErrorCode, KvsServiceError, type KvsErrorCodeName } from './errors';
import { assertValidEntityName, assertValidKey, assertValidValue, KVS_LIMITS } from './limits';
import { entityNamespace, KV_NAMESPACE, partitionKey, SECRET_NAMESPACE, type MemoryStore, type ScanOrder } from './memory-store';
import { indexRegion, prefixRegion, type IndexEntry } from './scan';
import type { Mutation, NormalizedEntity, StoredItem } from './types';
import { isScalar } from './values';

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

type MetadataField = 'CREATED_AT' | 'UPDATED_AT' | 'EXPIRE_TIME';
const METADATA_FIELDS: ReadonlySet<string> = new Set<MetadataField>(['CREATED_AT', 'UPDATED_AT', 'EXPIRE_TIME']);
const TTL_UNIT_MS: Readonly<Record<string, number>> = {
  SECONDS: 1000,
  MINUTES: 60 * 1000,
  HOURS: 60 * 60 * 1000,
  DAYS: 24 * 60 * 60 * 1000,
};
const NO_CONTENT: EngineResponse = { status: 204 };

interface SetOptions {
  ttlMs?: number;
  keyPolicy?: 'OVERRIDE' | 'FAIL_IF_EXISTS';
  returnValue?: 'PREVIOUS' | 'LATEST';
  returnMetadataFields: ReadonlySet<MetadataField>;
}

type Handler = (writes: WriteSet, body: unknown, bodyBytes: number) => EngineResponse;

/**
 * How transaction conditions are evaluated. Forge does not document what a condition on a key that does not exist
 * does, so besides the assumed semantics (`evaluated`: a missing item has no attributes, see conditions.ts) a test
 * can have the service answer as a store that fails every condition on a missing item (`missing-item-fails`, so
 * NOT_EXISTS on a new key does not pass) or never checks them (`ignored`). The Diagnostics check asks a live
 * installation which one holds (src/diagnostics/checks/kvs-conditions-check.ts).
 */
export type TransactionConditionMode = 'evaluated' | 'missing-item-fails' | 'ignored';

/** Executes storage requests against a MemoryStore without modifying it. */
export class KvsEngine {
  private readonly handlers: ReadonlyMap<string, Handler>;

  constructor(
    private readonly store: MemoryStore,
    private readonly entities: ReadonlyMap<string, NormalizedEntity>,
    private readonly conditionMode: TransactionConditionMode = 'evaluated',
  ) {
    this.handlers = new Map<string, Handler>([
      ['/api/v1/get', (w, b) => this.get(w, b, KV_NAMESPACE, undefined)],
      ['/api/v1/set', (w, b) => this.set(w, b, KV_NAMESPACE, undefined)],
      ['/api/v1/delete', (w, b) => this.delete(w, b, KV_NAMESPACE, undefined)],
      ['/api/v1/query', (w, b) => this.queryKeys(w, b)],
      ['/api/v1/secret/get', (w, b) => this.get(w, b, SECRET_NAMESPACE, undefined)],
      ['/api/v1/secret/set', (w, b) => this.set(w, b, SECRET_NAMESPACE, undefined)],
      ['/api/v1/secret/delete', (w, b) => this.delete(w, b, SECRET_NAMESPACE, undefined)],
      ['/api/v1/entity/get', (w, b) => this.withEntity(b, (ns, e) => this.get(w, b, ns, e))],
      ['/api/v1/entity/set', (w, b) => this.withEntity(b, (ns, e) => this.set(w, b, ns, e))],
      ['/api/v1/entity/delete', (w, b) => this.withEntity(b, (ns, e) => this.delete(w, b, ns, e))],
      ['/api/v1/entity/query', (w, b) => this.queryEntity(w, b)],
      ['/api/v1/batch/get', (w, b) => this.batchGet(w, b)],
      ['/api/v1/batch/set', (w, b, n) => this.batchSet(w, b, n)],
      ['/api/v1/batch/delete', (w, b) => this.batchDelete(w, b)],
      ['/api/v1/transaction', (w, b, n) => this.transaction(w, b, n)],
    ]);
  }

  /** Runs one request at time `now` (milliseconds); throws KvsServiceError for any error response. */
  handle(path: string, body: unknown, bodyBytes: number, now: number): EngineResult {
    const handler = this.handlers.get(path);
    if (handler === undefined) {
      throw new KvsServiceError(KvsErrorCode.UNKNOWN_ENDPOINT, `No storage endpoint at ${path}`);
    }
    const writes = new WriteSet(this.store, now);
    const response = handler(writes, body, bodyBytes);
    return { response, mutations: writes.mutations };
  }

  private withEntity(body: unknown, run: (ns: string, entity: NormalizedEntity) => EngineResponse): EngineResponse {
    const entity = this.entity(record(body).entityName);
    return run(entityNamespace(entity.name), entity);
  }

  private entity(name: unknown): NormalizedEntity {
    assertValidEntityName(name);
    const entity = this.entities.get(name);
    if (entity === undefined) {
      throw new KvsServiceError(KvsErrorCode.UNKNOWN_ENTITY, `Entity ${name} is not declared in the manifest`);
    }
    return entity;
  }

  private get(writes: WriteSet, body: unknown, ns: string, entity: NormalizedEntity | undefined): EngineResponse {
    const { key, options } = record(body);
    assertValidKey(key, entity === undefined ? 'kvs' : 'entity');
    const fields = parseMetadataFields(record(options ?? {}).metadataFields);
    const item = writes.read(ns, key);
    if (item === undefined) {
      throw keyNotFound();
    }
    return { status: 200, body: describe(key, item, fields) };
  }

  private set(writes: WriteSet, body: unknown, ns: string, entity: NormalizedEntity | undefined): EngineResponse {
    const { key, value, options } = record(body);
    const set = this.prepareSet(key, value, options, entity);
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

  private prepareSet(
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

  private delete(writes: WriteSet, body: unknown, ns: string, entity: NormalizedEntity | undefined): EngineResponse {
    const { key } = record(body);
    assertValidKey(key, entity === undefined ? 'kvs' : 'entity');
    if (writes.read(ns, key) === undefined) {
      throw keyNotFound();
    }
    writes.delete(ns, key);
    return NO_CONTENT;
  }

  private queryKeys(writes: WriteSet, body: unknown): EngineResponse {
    const { where, limit, after, options } = record(body);
    const prefix = parseKeyWhere(where);
    const pageSize = parseLimit(limit, KvsErrorCode.LIST_QUERY_LIMIT_EXCEEDED);
    const fields = parseMetadataFields(record(options ?? {}).metadataFields);
    const afterKey = after === undefined ? undefined : decodeKeyCursor(after);
    const data: unknown[] = [];
    let last: string | undefined;
    let more = false;
    for (const key of this.store.scanKeys(prefixRegion(prefix), afterKey)) {
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

  private queryEntity(writes: WriteSet, body: unknown): EngineResponse {
    const request = record(body);
    const entity = this.entity(request.entityName);
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
    const pageSize = parseLimit(request.limit, KvsErrorCode.COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE, KVS_LIMITS.maxEntityQueryLimit);
    const fields = parseMetadataFields(request.metadataFields ?? record(request.options ?? {}).metadataFields);
    const cursor = request.cursor === undefined ? undefined : decodeIndexCursor(request.cursor, index.name, partition);

    // The page is the next `pageSize` index entries; filters then drop items from that page (DynamoDB's Limit rule),
    // so a page may hold fewer items than the limit, even none, while a cursor remains.
    const page: Array<{ entry: IndexEntry; item: StoredItem }> = [];
    let more = false;
    for (const entry of this.store.scanIndex(entity.name, index.name, indexRegion(partition, range), order, cursor)) {
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

  private batchItems(body: unknown, bodyBytes: number): Array<Record<string, unknown>> {
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

  private batchSet(writes: WriteSet, body: unknown, bodyBytes: number): EngineResponse {
    return this.batch(body, bodyBytes, (item, ns, entity) => {
      const set = this.prepareSet(item.key, item.value, item.options, entity);
      writeItem(writes, ns, set.key, set.value, set.options, writes.read(ns, set.key));
      return {};
    });
  }

  private batchGet(writes: WriteSet, body: unknown): EngineResponse {
    return this.batch(body, 0, (item, ns, entity) => {
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

  private batchDelete(writes: WriteSet, body: unknown): EngineResponse {
    return this.batch(body, 0, (item, ns, entity) => {
      assertValidKey(item.key, entity === undefined ? 'kvs' : 'entity');
      if (writes.read(ns, item.key) === undefined) {
        throw keyNotFound();
      }
      writes.delete(ns, item.key);
      return {};
    });
  }

  // Each item succeeds or fails on its own and failures are reported per key (DAC `/storage-reference/entities-batch`).
  private batch(
    body: unknown,
    bodyBytes: number,
    run: (item: Record<string, unknown>, ns: string, entity: NormalizedEntity | undefined) => Record<string, unknown>,
  ): EngineResponse {
    const successfulKeys: unknown[] = [];
    const failedKeys: unknown[] = [];
    for (const item of this.batchItems(body, bodyBytes)) {
      const identity = {
        key: typeof item.key === 'string' ? item.key : String(item.key),
        ...(item.entityName === undefined ? {} : { entityName: item.entityName }),
      };
      try {
        const entity = item.entityName === undefined ? undefined : this.entity(item.entityName);
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

  /** Whether a transaction condition holds for the item's attributes (undefined: no item), under the condition mode. */
  private conditionHolds(condition: Filter, attributes: Record<string, unknown> | undefined): boolean {
    if (this.conditionMode === 'ignored') return true;
    if (this.conditionMode === 'missing-item-fails' && attributes === undefined) return false;
    return matchesFilter(condition, attributes);
  }

  private transaction(writes: WriteSet, body: unknown, bodyBytes: number): EngineResponse {
    const request = record(body);
    const sets = optionalArray(request.set, 'set');
    const deletes = optionalArray(request.delete, 'delete');
    const checks = optionalArray(request.check, 'check');
    const total = sets.length + deletes.length + checks.length;
    if (total === 0) {
      throw badRequest('A transaction needs at least one operation');
    }
    if (total > KVS_LIMITS.maxTransactionOperations) {
      throw new KvsServiceError(
        KvsErrorCode.TRANSACTION_TOO_MANY_OPERATIONS,
        `A transaction may hold at most ${KVS_LIMITS.maxTransactionOperations} operations, not ${total}`,
      );
    }
    if (bodyBytes > KVS_LIMITS.maxTransactionBytes) {
      throw new KvsServiceError(
        KvsErrorCode.TRANSACTION_TOO_LARGE,
        `A transaction may be at most ${KVS_LIMITS.maxTransactionBytes} bytes`,
      );
    }

    interface Operation {
      kind: 'set' | 'delete' | 'check';
      ns: string;
      key: string;
      entityName?: string;
      condition?: Filter;
      set?: { value: unknown; options: SetOptions };
    }
    const operations: Operation[] = [];
    const seen = new Set<string>();
    const add = (kind: Operation['kind'], raw: unknown): void => {
      const op = record(raw);
      const entity = op.entityName === undefined ? undefined : this.entity(op.entityName);
      const ns = entity === undefined ? KV_NAMESPACE : entityNamespace(entity.name);
      const prepared =
        kind === 'set' ? this.prepareSet(op.key, op.value, op.options, entity) : undefined;
      assertValidKey(op.key, entity === undefined ? 'kvs' : 'entity');
      if (kind === 'check' && op.conditions === undefined) {
        throw badRequest('A transaction check needs conditions');
      }
      if (op.conditions !== undefined && entity === undefined) {
        throw badRequest('Transaction conditions need an entityName');
      }
      // Keys are unique per namespace: the same key in two entities names two different items (assumption).
      const identity = `${ns}\u0000${op.key}`;
      if (seen.has(identity)) {
        throw new KvsServiceError(
          KvsErrorCode.TRANSACTION_DUPLICATE_KEY,
          `Key ${op.key} is used more than once in the transaction`,
        );
      }
      seen.add(identity);
      operations.push({
        kind,
        ns,
        key: op.key,
        ...(entity === undefined ? {} : { entityName: entity.name }),
        ...(op.conditions === undefined ? {} : { condition: parseFilter(op.conditions) }),
        ...(prepared === undefined ? {} : { set: { value: prepared.value, options: prepared.options } }),
      });
    };
    sets.forEach((op) => add('set', op));
    deletes.forEach((op) => add('delete', op));
    checks.forEach((op) => add('check', op));

    // Every condition is evaluated against the state before the transaction, then all writes happen or none do.
    for (const op of operations) {
      const current = writes.read(op.ns, op.key);
      const attributes = current?.value as Record<string, unknown> | undefined;
      if (op.condition !== undefined && !this.conditionHolds(op.condition, attributes)) {
        throw new KvsServiceError(
          KvsErrorCode.CONDITIONAL_CHECK_FAILED,
          `The ${op.kind} condition on key ${op.key} of entity ${op.entityName} does not hold`,
          { key: op.key, entityName: op.entityName, operation: op.kind },
        );
      }
      if (op.set?.options.keyPolicy === 'FAIL_IF_EXISTS' && current !== undefined) {
        throw new KvsServiceError(KvsErrorCode.KEY_CONFLICT, `Key ${op.key} already exists`, { key: op.key });
      }
    }
    for (const op of operations) {
      if (op.set !== undefined) {
        writeItem(writes, op.ns, op.key, op.set.value, op.set.options, writes.read(op.ns, op.key));
      } else if (op.kind === 'delete' && writes.read(op.ns, op.key) !== undefined) {
        // A transactional delete succeeds whether or not the key exists (DAC `/storage-reference/transactions`).
        writes.delete(op.ns, op.key);
      }
    }
    return NO_CONTENT;
  }
}

/** Reads see the store as changed by the earlier writes of the same request; writes are collected as Mutations. */
class WriteSet {
  readonly mutations: Mutation[] = [];
  private readonly pending = new Map<string, StoredItem | null>();

  constructor(
    private readonly store: MemoryStore,
    readonly now: number,
  ) {}

  read(ns: string, key: string): StoredItem | undefined {
    const pending = this.pending.get(`${ns}\u0000${key}`);
    if (pending !== undefined) {
      return pending ?? undefined;
    }
    return this.store.read(ns, key, this.now);
  }

  put(ns: string, key: string, item: StoredItem): void {
    this.pending.set(`${ns}\u0000${key}`, item);
    this.mutations.push({ t: 'put', ns, key, item });
  }

  delete(ns: string, key: string): void {
    this.pending.set(`${ns}\u0000${key}`, null);
    this.mutations.push({ t: 'del', ns, key });
  }
}

function writeItem(
  writes: WriteSet,
  ns: string,
  key: string,
  value: unknown,
  options: SetOptions,
  previous: StoredItem | undefined,
): StoredItem {
  if (options.keyPolicy === 'FAIL_IF_EXISTS' && previous !== undefined) {
    throw new KvsServiceError(KvsErrorCode.KEY_CONFLICT, `Key ${key} already exists`);
  }
  const now = writes.now;
  const item: StoredItem = {
    value,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    ...(options.ttlMs === undefined ? {} : { expireAt: now + options.ttlMs }),
  };
  writes.put(ns, key, item);
  return item;
}

// Timestamps are whole seconds since the epoch, as in @forge/kvs's tests (1718236800); expireTime is ISO 8601 as in
// the same tests. Both are assumptions about the real service, which documents neither.
function describe(key: string, item: StoredItem, fields: ReadonlySet<MetadataField>): Record<string, unknown> {
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

function keyNotFound(): KvsServiceError {
  return new KvsServiceError(KvsErrorCode.KEY_NOT_FOUND, 'Provided key does not exist');
}

function record(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('Provided request body is invalid');
  }
  return value as Record<string, unknown>;
}

function optionalArray(value: unknown, name: string): unknown[] {
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw badRequest(`${name} must be an array`);
  }
  return value;
}

function parseMetadataFields(raw: unknown): ReadonlySet<MetadataField> {
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
      throw new KvsServiceError(KvsErrorCode.INVALID_TTL, 'ttl needs a positive integer value and a unit of SECONDS, MINUTES, HOURS or DAYS');
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

function parseLimit(raw: unknown, code: KvsErrorCodeName, max: number = KVS_LIMITS.maxQueryLimit): number {
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

function parseSort(raw: unknown): ScanOrder {
  if (raw === undefined || raw === 'ASC' || raw === 'DESC') {
    return raw ?? 'ASC';
  }
  throw badRequest('sort must be ASC or DESC');
}

function parseKeyWhere(where: unknown): string {
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

function parsePartition(raw: unknown, attributes: readonly string[]): Array<string | number | boolean> {
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
