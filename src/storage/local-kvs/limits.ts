/**
 * The Forge storage limits the local service enforces, so code that passes locally cannot rely on more than Forge
 * allows. Source: DAC `/limits-kvs-ce`, `/storage-reference/transactions`,
 * `/storage-reference/entities-batch` and the error pages cited in errors.ts.
 */
import { KvsErrorCode, KvsServiceError } from './errors';

/** Limits and assumed defaults, in one place so tests and callers can refer to them. */
export const KVS_LIMITS = {
  /** Longest key, in characters. */
  maxKeyLength: 500,
  /** Largest value, as bytes of its JSON serialisation (240 KiB). */
  maxValueBytes: 240 * 1024,
  /** Deepest nesting of objects/arrays in a value; `{}` has depth 1 and a primitive depth 0 (docs say 31, errors page 32). */
  maxValueDepth: 31,
  /** Most operations in one transaction. */
  maxTransactionOperations: 25,
  /**
   * Largest transaction request body. The docs say "4MB", but the transactions page notes bug FRGE-1916, which holds
   * transaction and batch payloads to 1 MB for now; "1 MB" is read as 1,000,000 bytes, the stricter reading (assumption).
   */
  maxTransactionBytes: 1_000_000,
  /** Most items in one batch request. */
  maxBatchItems: 25,
  /** Largest batch request body; 1,000,000 bytes for now because of FRGE-1916, as for transactions (assumption). */
  maxBatchBytes: 1_000_000,
  /** Largest page of a plain key query; the November 2024 limits page says 20 (LIST_QUERY_LIMIT_EXCEEDED). */
  maxQueryLimit: 20,
  /**
   * Largest page of a custom-entity query: DAC `/storage-reference/handling-errors-customentities`,
   * COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE, "The page limit must be set between 1 and 100".
   */
  maxEntityQueryLimit: 100,
  /** Page size when a query sets no limit; Forge documents none, so this is an assumption. */
  defaultQueryLimit: 10,
  /** Shortest entity name. */
  minEntityNameLength: 3,
  /** Longest entity name. */
  maxEntityNameLength: 60,
} as const;

// `\s-#` in the documented pattern is whitespace, '-' and '#' (a class escape cannot start a range); spelled out here.
const KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s\-#]+$/;
// DAC `/storage-reference/handling-errors-customentities`, INVALID_ENTITY_TYPE. `/runtime-reference/custom-entities`
// also allows '_'; the stricter pattern is kept so a name accepted here is accepted by both.
const ENTITY_NAME_PATTERN = /^(?![.-])(?!.*\.{2})[a-z0-9:\-.]*(?<![.])$/;

/** Which store a key belongs to; the empty-key error code differs between the KVS and the Custom Entity Store docs. */
export type KeySpace = 'kvs' | 'entity';

/** Throws the documented error when `key` is not a valid Forge storage key. */
export function assertValidKey(key: unknown, space: KeySpace): asserts key is string {
  if (typeof key !== 'string') {
    throw new KvsServiceError(KvsErrorCode.BAD_REQUEST, 'key must be a string');
  }
  if (key.length === 0) {
    throw space === 'entity'
      ? new KvsServiceError(KvsErrorCode.EMPTY_KEY, 'Key cannot be empty')
      : new KvsServiceError(KvsErrorCode.KEY_TOO_SHORT, 'Key must have at least one character');
  }
  if (key.length > KVS_LIMITS.maxKeyLength) {
    throw new KvsServiceError(KvsErrorCode.KEY_TOO_LONG, `Key is longer than ${KVS_LIMITS.maxKeyLength} characters`);
  }
  if (!KEY_PATTERN.test(key)) {
    throw new KvsServiceError(KvsErrorCode.INVALID_KEY, `Key does not match ${KEY_PATTERN.source}`);
  }
}

/** Throws the documented error when `name` is not a valid custom entity name. */
export function assertValidEntityName(name: unknown): asserts name is string {
  if (typeof name !== 'string') {
    throw new KvsServiceError(KvsErrorCode.BAD_REQUEST, 'entityName must be a string');
  }
  if (name.length < KVS_LIMITS.minEntityNameLength) {
    throw new KvsServiceError(
      KvsErrorCode.ENTITY_TYPE_TOO_SHORT,
      `Entity name must have at least ${KVS_LIMITS.minEntityNameLength} characters`,
    );
  }
  if (name.length > KVS_LIMITS.maxEntityNameLength) {
    throw new KvsServiceError(
      KvsErrorCode.ENTITY_TYPE_TOO_LARGE,
      `Entity name is longer than ${KVS_LIMITS.maxEntityNameLength} characters`,
    );
  }
  if (!ENTITY_NAME_PATTERN.test(name)) {
    throw new KvsServiceError(
      KvsErrorCode.INVALID_ENTITY_TYPE,
      `Entity name does not match ${ENTITY_NAME_PATTERN.source}`,
    );
  }
}

/** Throws MAX_SIZE or MAX_DEPTH when `value` is too large or too deeply nested, and BAD_REQUEST when it is absent. */
export function assertValidValue(value: unknown): void {
  if (value === undefined) {
    throw new KvsServiceError(KvsErrorCode.BAD_REQUEST, 'value is required');
  }
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > KVS_LIMITS.maxValueBytes) {
    throw new KvsServiceError(
      KvsErrorCode.MAX_SIZE,
      `Value is ${bytes} bytes as JSON, more than the ${KVS_LIMITS.maxValueBytes} allowed`,
    );
  }
  if (exceedsDepth(value, KVS_LIMITS.maxValueDepth)) {
    throw new KvsServiceError(KvsErrorCode.MAX_DEPTH, `Value is nested deeper than ${KVS_LIMITS.maxValueDepth} levels`);
  }
}

// Recursion stops one level past the limit, so the stack depth is bounded whatever the input.
function exceedsDepth(value: unknown, remaining: number): boolean {
  if (value === null || typeof value !== 'object') {
    return false;
  }
  if (remaining === 0) {
    return true;
  }
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => exceedsDepth(child, remaining - 1));
}
