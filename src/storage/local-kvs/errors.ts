/**
 * Error codes the local storage service answers with, and where each one comes from.
 *
 * StorageApi turns any non-2xx JSON body `{ code, message, ...extra }` into a ForgeKvsAPIError whose `code` is that
 * code and whose `context` holds the extra fields (node_modules/@forge/kvs/out/utils/error-handling.js).
 *
 * Provenance:
 * - Seen in @forge/kvs's own tests (__test__/index.test.js), i.e. real service responses: KEY_NOT_FOUND (404),
 *   BAD_REQUEST (400), INTERNAL_SERVER_ERROR (500). KEY_NOT_FOUND is also what StorageApi.handleKeyNotFound maps to
 *   `undefined`, and what batch operations put in failedKeys for a missing key.
 * - Listed in DAC `/storage-reference/handling-errors-kvs` and `/storage-reference/handling-errors-customentities`:
 *   KEY_TOO_SHORT, EMPTY_KEY, KEY_TOO_LONG, INVALID_KEY, MAX_SIZE, MAX_DEPTH, ENTITY_TYPE_TOO_SHORT,
 *   ENTITY_TYPE_TOO_LARGE, INVALID_ENTITY_TYPE, INVALID_ENTITY_VALUE, LIST_QUERY_LIMIT_EXCEEDED,
 *   COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE, QUERY_WHERE_INVALID, QUERY_WHERE_FIELD_INVALID, INVALID_FILTER_CONDITION,
 *   INVALID_FILTER_VALUES, INSUFFICIENT_FILTER_VALUES, EMPTY_FILTER_OPERATOR, INVALID_FILTER_OPERATORS_COMBINATION.
 *   The HTTP status of these is 400 per those pages.
 * - Documented on DAC `/rest` (the KVS/Custom Entity Store REST API, "Quotas and limits"): a request over a quota
 *   answers 429 with RATE_LIMIT_EXCEEDED. The body's other fields are not documented, so only `{code, message}` is sent.
 * - Seen only in third-party Forge app code, so unverified: KEY_CONFLICT (set with FAIL_IF_EXISTS on an existing key)
 *   and CONDITIONAL_CHECK_FAILED (a transaction condition or check does not hold). Their status (409) is assumed.
 * - Assumed, descriptive names of our own (Forge documents no code for these cases): UNKNOWN_ENTITY, INDEX_NOT_FOUND,
 *   INVALID_PARTITION, INVALID_CURSOR, INVALID_TTL, TRANSACTION_TOO_MANY_OPERATIONS, TRANSACTION_DUPLICATE_KEY,
 *   TRANSACTION_TOO_LARGE, BATCH_TOO_MANY_ITEMS, BATCH_TOO_LARGE, UNKNOWN_ENDPOINT, SERVICE_CLOSED.
 */

/** Every error code the local service can answer with. */
export const KvsErrorCode = {
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  BAD_REQUEST: 'BAD_REQUEST',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  KEY_TOO_SHORT: 'KEY_TOO_SHORT',
  EMPTY_KEY: 'EMPTY_KEY',
  KEY_TOO_LONG: 'KEY_TOO_LONG',
  INVALID_KEY: 'INVALID_KEY',
  MAX_SIZE: 'MAX_SIZE',
  MAX_DEPTH: 'MAX_DEPTH',
  ENTITY_TYPE_TOO_SHORT: 'ENTITY_TYPE_TOO_SHORT',
  ENTITY_TYPE_TOO_LARGE: 'ENTITY_TYPE_TOO_LARGE',
  INVALID_ENTITY_TYPE: 'INVALID_ENTITY_TYPE',
  INVALID_ENTITY_VALUE: 'INVALID_ENTITY_VALUE',
  LIST_QUERY_LIMIT_EXCEEDED: 'LIST_QUERY_LIMIT_EXCEEDED',
  COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE: 'COMPLEX_QUERY_PAGE_LIMIT_NOT_IN_RANGE',
  QUERY_WHERE_INVALID: 'QUERY_WHERE_INVALID',
  QUERY_WHERE_FIELD_INVALID: 'QUERY_WHERE_FIELD_INVALID',
  INVALID_FILTER_CONDITION: 'INVALID_FILTER_CONDITION',
  INVALID_FILTER_VALUES: 'INVALID_FILTER_VALUES',
  INSUFFICIENT_FILTER_VALUES: 'INSUFFICIENT_FILTER_VALUES',
  EMPTY_FILTER_OPERATOR: 'EMPTY_FILTER_OPERATOR',
  INVALID_FILTER_OPERATORS_COMBINATION: 'INVALID_FILTER_OPERATORS_COMBINATION',
  KEY_CONFLICT: 'KEY_CONFLICT',
  CONDITIONAL_CHECK_FAILED: 'CONDITIONAL_CHECK_FAILED',
  UNKNOWN_ENTITY: 'UNKNOWN_ENTITY',
  INDEX_NOT_FOUND: 'INDEX_NOT_FOUND',
  INVALID_PARTITION: 'INVALID_PARTITION',
  INVALID_CURSOR: 'INVALID_CURSOR',
  INVALID_TTL: 'INVALID_TTL',
  TRANSACTION_TOO_MANY_OPERATIONS: 'TRANSACTION_TOO_MANY_OPERATIONS',
  TRANSACTION_DUPLICATE_KEY: 'TRANSACTION_DUPLICATE_KEY',
  TRANSACTION_TOO_LARGE: 'TRANSACTION_TOO_LARGE',
  BATCH_TOO_MANY_ITEMS: 'BATCH_TOO_MANY_ITEMS',
  BATCH_TOO_LARGE: 'BATCH_TOO_LARGE',
  UNKNOWN_ENDPOINT: 'UNKNOWN_ENDPOINT',
  SERVICE_CLOSED: 'SERVICE_CLOSED',
  RATE_LIMIT_EXCEEDED: 'RATE_LIMIT_EXCEEDED',
} as const;

/** One of the codes in KvsErrorCode. */
export type KvsErrorCodeName = (typeof KvsErrorCode)[keyof typeof KvsErrorCode];

const STATUS_BY_CODE: Partial<Record<KvsErrorCodeName, number>> = {
  KEY_NOT_FOUND: 404,
  UNKNOWN_ENDPOINT: 404,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_CLOSED: 503,
  KEY_CONFLICT: 409,
  CONDITIONAL_CHECK_FAILED: 409,
  RATE_LIMIT_EXCEEDED: 429,
};

/** A failure the service reports to the caller as a JSON error body; thrown by handlers, caught at the endpoint. */
export class KvsServiceError extends Error {
  /** The HTTP status of the error response. */
  readonly status: number;

  constructor(
    readonly code: KvsErrorCodeName,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'KvsServiceError';
    this.status = STATUS_BY_CODE[code] ?? 400;
  }

  /** The error body in the `{ code, message }` shape StorageApi recognises as a Forge error. */
  toBody(): Record<string, unknown> {
    return { ...this.extra, code: this.code, message: this.message };
  }
}

/** Shorthand for throwing a 400 BAD_REQUEST about a malformed request body. */
export function badRequest(message: string): KvsServiceError {
  return new KvsServiceError(KvsErrorCode.BAD_REQUEST, message);
}
