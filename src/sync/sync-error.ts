/**
 * The one error type of the sync layer, SyncError: a kind that says what failed and whether trying again can help,
 * and a `cause` chain down to what the lower layer threw. The engine turns whatever a resource's sync throws into a
 * SyncError (syncErrorOf): the target clients' TargetError, the directory's DirectoryError and the KVS client's
 * errors keep their own retry rules; anything else is a fault in the app itself (a TypeError, a RangeError, an
 * unexpected state), which the same input would only hit again, so it is recorded and not retried. Status shows a
 * failure as its chain of messages (errorChain), bounded in length.
 */
import { DirectoryError } from '../directory/directory-store';
import { isStorageThrottled } from '../storage/kvs-port';
import { TargetError, type TargetErrorKind } from '../targets/ports';

/**
 * What failed: Atlassian refused the call (`target-rejected`) or did not answer (`target-unavailable`); a rate
 * limit or storage quota stopped it (`throttled`); the app's storage failed (`storage`); settings, credentials or a
 * username transform cannot be used (`config`); something else holds what the change needs, such as an org group
 * name or the circuit breaker's lease (`conflict`); or the app itself is at fault (`bug`).
 */
export type SyncErrorKind =
  'target-rejected' | 'target-unavailable' | 'throttled' | 'storage' | 'config' | 'conflict' | 'bug';

/**
 * Whether a failure of each kind is tried again later. A refusal by Atlassian (4xx other than 429) is final until
 * someone changes something and retries; a fault in the app would fail the same way again. A `config` or `conflict`
 * failure is tried again, as it was before this type existed: an admin's fix, or the holder letting go, ends it.
 */
const RETRIED: Readonly<Record<SyncErrorKind, boolean>> = {
  'target-rejected': false,
  'target-unavailable': true,
  throttled: true,
  storage: true,
  config: true,
  conflict: true,
  bug: false,
};

/** The one error type of the sync layer: a kind and a cause; subclasses name kinds that carry details. */
export class SyncError extends Error {
  constructor(
    readonly kind: SyncErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SyncError';
  }

  /** True when trying again later can succeed (see RETRIED). */
  get retryable(): boolean {
    return RETRIED[this.kind];
  }
}

const TARGET_KINDS: Readonly<Record<TargetErrorKind, SyncErrorKind>> = {
  'rate-limited': 'throttled',
  transient: 'target-unavailable',
  'not-found': 'target-rejected',
  forbidden: 'target-rejected',
  unauthorized: 'target-rejected',
  conflict: 'target-rejected',
  'payment-required': 'target-rejected',
  invalid: 'target-rejected',
  'unexpected-response': 'target-rejected',
};

/**
 * The @forge/kvs client's errors (ForgeKvsError, and ForgeKvsAPIError for an error answer, whose `name` is the
 * same: node_modules/@forge/kvs/out/errors.js). Matched by that name, so this module needs no @forge/kvs import.
 */
function isKvsError(error: unknown): boolean {
  return errorLike(error)?.name === 'ForgeKvsError';
}

/** Socket and DNS failures as Node reports them in `code` (and undici's own `UND_ERR_…`). */
const TRANSPORT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/**
 * A request that got no answer, as a fetch throws it: Node's fetch rejects with `TypeError('fetch failed')` (its
 * cause the socket error), node-fetch with a FetchError, an expired AbortSignal.timeout with a TimeoutError. The
 * target clients wrap theirs as a transient TargetError (src/targets/http/request-executor.ts attempt), but the
 * @forge/kvs client passes its transport's errors through (node_modules/@forge/kvs/out/storage-api.js request), so
 * one reaching the engine raw is the app's storage not answering: retried, never taken for a fault in the app.
 */
function isTransportFailure(error: unknown): boolean {
  const failure = errorLike(error);
  if (failure === undefined) return false;
  if (failure.name === 'TypeError' && failure.message.startsWith('fetch failed')) return true;
  if (failure.name === 'FetchError' || failure.name === 'AbortError' || failure.name === 'TimeoutError') return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (TRANSPORT_CODES.has(code) || code.startsWith('UND_ERR_'));
}

/**
 * `value`'s name, message and cause when it is shaped as an error. Read by shape, not `instanceof Error`: the
 * DOMException of an expired AbortSignal.timeout, or an error of another realm, is no instance of this realm's Error.
 */
function errorLike(value: unknown): { name: string; message: string; cause: unknown } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, message, cause } = value as { name?: unknown; message?: unknown; cause?: unknown };
  return typeof name === 'string' && typeof message === 'string' ? { name, message, cause } : undefined;
}

/** Whether `error` is one of the known layers' errors (whose message speaks for itself in a chain). */
function isLayerError(error: unknown): boolean {
  return (
    error instanceof SyncError || error instanceof TargetError || error instanceof DirectoryError || isKvsError(error)
  );
}

/** `error` as a SyncError: itself when it is one, else a SyncError of the kind its layer's error stands for, caused by it. */
export function syncErrorOf(error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  if (error instanceof TargetError) return new SyncError(TARGET_KINDS[error.kind], error.message, { cause: error });
  if (error instanceof DirectoryError)
    return new SyncError(error.kind === 'throttled' ? 'throttled' : 'storage', error.message, { cause: error });
  if (isKvsError(error))
    return new SyncError(isStorageThrottled(error) ? 'throttled' : 'storage', errorLike(error)?.message ?? '', {
      cause: error,
    });
  if (isTransportFailure(error)) return new SyncError('storage', "The app's storage did not answer", { cause: error });
  return new SyncError('bug', 'A fault in the app stopped this change; it is not retried', { cause: error });
}

/** Longest text errorChain returns: what Status shows for a failed resource and the audit keeps (src/sync/audit-log.ts clips details at 1,000). */
export const MAX_ERROR_TEXT = 1000;
/** Most errors of a chain errorChain names. */
const MAX_CHAIN = 6;

function describeOne(error: unknown): string {
  const failure = errorLike(error);
  if (failure === undefined) return String(error);
  if (failure.message === '') return failure.name;
  return isLayerError(error) || failure.name === 'Error' ? failure.message : `${failure.name}: ${failure.message}`;
}

/**
 * An error and its causes as one line, outermost first, joined with ' ← ' (`…: the connection failed ← TypeError:
 * fetch failed ← connect ECONNREFUSED …`); a cause repeating the message before it is left out (a SyncError wrapping
 * its layer's error says the same), and the text is cut at MAX_ERROR_TEXT characters.
 */
export function errorChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < MAX_CHAIN; depth += 1) {
    const text = describeOne(current);
    if (text !== parts.at(-1)) parts.push(text);
    current = errorLike(current)?.cause;
  }
  if (current !== undefined && current !== null) parts.push('…');
  const joined = parts.join(' ← ');
  return joined.length <= MAX_ERROR_TEXT ? joined : `${joined.slice(0, MAX_ERROR_TEXT - 1)}…`;
}
