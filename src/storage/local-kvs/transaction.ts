/**
 * The transaction endpoint of the local storage service: up to KVS_LIMITS.maxTransactionOperations sets, deletes
 * and checks on distinct keys, every condition evaluated against the state before the transaction, then all writes
 * or none (DAC `/storage-reference/transactions`).
 */
import { matchesFilter, parseFilter, type Filter } from './conditions';
import { NO_CONTENT, type EngineResponse } from './engine-response';
import { badRequest, KvsErrorCode, KvsServiceError } from './errors';
import { assertValidKey, KVS_LIMITS } from './limits';
import { entityNamespace, KV_NAMESPACE } from './memory-store';
import { entityNamed, optionalArray, prepareSet, record, type SetOptions } from './request-fields';
import type { NormalizedEntity } from './types';
import { writeItem, type WriteSet } from './write-set';

/**
 * How transaction conditions are evaluated. Forge does not document what a condition on a key that does not exist
 * does, so besides the assumed semantics (`evaluated`: a missing item has no attributes, see conditions.ts) a test
 * can have the service answer as a store that fails every condition on a missing item (`missing-item-fails`, so
 * NOT_EXISTS on a new key does not pass) or never checks them (`ignored`). The Diagnostics check asks a live
 * installation which one holds (src/diagnostics/checks/kvs-conditions-check.ts).
 */
export type TransactionConditionMode = 'evaluated' | 'missing-item-fails' | 'ignored';

/** Whether a transaction condition holds for the item's attributes (undefined: no item), under the condition mode. */
function conditionHolds(
  mode: TransactionConditionMode,
  condition: Filter,
  attributes: Record<string, unknown> | undefined,
): boolean {
  if (mode === 'ignored') return true;
  if (mode === 'missing-item-fails' && attributes === undefined) return false;
  return matchesFilter(condition, attributes);
}

/** Runs one transaction request; a failed condition is CONDITIONAL_CHECK_FAILED and nothing is written. */
export function transaction(
  entities: ReadonlyMap<string, NormalizedEntity>,
  conditionMode: TransactionConditionMode,
  writes: WriteSet,
  body: unknown,
  bodyBytes: number,
): EngineResponse {
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
    const entity = op.entityName === undefined ? undefined : entityNamed(entities, op.entityName);
    const ns = entity === undefined ? KV_NAMESPACE : entityNamespace(entity.name);
    const prepared = kind === 'set' ? prepareSet(op.key, op.value, op.options, entity) : undefined;
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
    if (op.condition !== undefined && !conditionHolds(conditionMode, op.condition, attributes)) {
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
