/**
 * A local implementation of the Forge storage service, exposed as the FetchMethod that @forge/kvs's StorageApi
 * posts to (node_modules/@forge/kvs/out/storage-api.js). `new KvsImpl(new StorageApi(service.fetch))` then runs the
 * genuine @forge/kvs code against it, locally and in tests.
 *
 * Requests are executed one at a time in arrival order through an internal queue, and each one runs synchronously
 * once started (validation, quota check, log append, in-memory apply), so a transaction or batch is atomic with
 * respect to every other request.
 *
 * Every request is metered against Forge's storage quotas (quota.ts, priced by request-cost.ts). The engine never
 * changes the store, so a request is fully evaluated, priced from its actual response, and only then admitted: in
 * enforce mode a request over a quota answers 429 RATE_LIMIT_EXCEEDED, is not applied and consumes nothing.
 */
import type { FetchMethod } from '@forge/api';
import { rmSync } from 'node:fs';
import { DataDirectory, type RecoveryReport } from './data-directory';
import { assertKeyOutside, DataKeyError, defaultDataKeyFile, loadOrCreateDataKey } from './data-key';
import { SecretSealing } from './sealed-items';
import { SecretCipher } from './secret-cipher';
import { KvsEngine } from './engine';
import type { EngineResponse, EngineResult } from './engine-response';
import { normalizeEntityDefinitions } from './entity-schema';
import { KvsErrorCode, KvsServiceError } from './errors';
import { isExpired, MemoryStore } from './memory-store';
import { OperationStats } from './operation-stats';
import {
  FORGE_KVS_QUOTAS,
  KvsQuotaMeter,
  type KvsQuotaLimits,
  type KvsQuotaMode,
  type KvsQuotaViolation,
} from './quota';
import { requestCost, type MeteredRequest, type RequestCost } from './request-cost';
import type { TransactionConditionMode } from './transaction';
import type { EntityDefinition, Mutation, StoredItem } from './types';

/** Options of createLocalKvsService. */
export interface LocalKvsServiceOptions {
  /** The custom entities the app declares (see loadEntityDefinitions); entities not listed cannot be used. */
  entities: EntityDefinition[];
  /** Where to persist data; in-memory only when omitted. */
  dataDir?: string;
  /**
   * The file of the key that encrypts secrets in dataDir (data-key.ts), outside dataDir; default: DATA_KEY_FILE, else
   * `~/.config/bitbucket-scim-sync/data.key` (under XDG_CONFIG_HOME when set). Created when missing.
   */
  dataKeyFile?: string;
  /** Whether to fdatasync every committed write (power-loss durability); default false (kill -9 durability only). */
  fsync?: boolean;
  /** Current time in milliseconds, injectable so tests can drive TTL expiry and quota windows; default Date.now. */
  clock?: () => number;
  /** Log size in bytes that triggers compaction into a snapshot; default 64 MiB. */
  compactAfterBytes?: number;
  /**
   * The storage quotas to meter against: Forge's (FORGE_KVS_QUOTAS) by default, each figure overridable; `false`
   * only measures usage (`quota.snapshot()`) and never refuses or reports.
   */
  quotas?: Partial<KvsQuotaLimits> | false;
  /** `enforce` (default) answers a request over a quota with 429 RATE_LIMIT_EXCEEDED; `record` applies and reports it. */
  quotaMode?: KvsQuotaMode;
  /** Called with every quota breach, in both modes; it must not throw (that fails the request with a 500). */
  onQuotaViolation?: (violation: KvsQuotaViolation) => void;
  /** Called with every request's path and the units it cost (refused ones included), for benchmarks that attribute usage; it must not throw. */
  onCost?: (path: string, cost: RequestCost, body: unknown) => void;
  /**
   * Test switch: how transaction conditions are evaluated (default `evaluated`, the assumed semantics; see
   * TransactionConditionMode). The others stand for a Forge that answers differently, for the Diagnostics tests.
   */
  transactionConditions?: TransactionConditionMode;
}

/** A running local storage service. */
export interface LocalKvsService {
  /** The FetchMethod to give StorageApi: answers POSTs to /api/v1/... with real Response objects. */
  fetch: FetchMethod;
  /** Request counters by endpoint. */
  stats: OperationStats;
  /** The quota meter: `quota.snapshot()` gives units and requests used, peaks per window and breaches. */
  quota: KvsQuotaMeter;
  /** What was recovered from dataDir at start; undefined for an in-memory service. */
  recovery: RecoveryReport | undefined;
  /** The key file secrets in dataDir are encrypted under, its fingerprint, and whether this start created it. */
  dataKey: { readonly file: string; readonly id: string; readonly created: boolean } | undefined;
  /** Finishes queued requests, closes the log and releases the directory lock; later requests fail. */
  close(): Promise<void>;
}

const DEFAULT_COMPACT_AFTER_BYTES = 64 * 1024 * 1024;
const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  204: 'No Content',
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Starts a local storage service; throws if the entity definitions are invalid or dataDir is locked or corrupt. */
export function createLocalKvsService(options: LocalKvsServiceOptions): LocalKvsService {
  const clock = options.clock ?? Date.now;
  const entities = normalizeEntityDefinitions(options.entities);
  const store = new MemoryStore(entities);
  const engine = new KvsEngine(store, entities, options.transactionConditions ?? 'evaluated');
  const stats = new OperationStats();
  const quota = new KvsQuotaMeter({
    limits: quotaLimits(options.quotas),
    mode: options.quotaMode ?? 'enforce',
    ...(options.onQuotaViolation === undefined ? {} : { onViolation: options.onQuotaViolation }),
  });
  const opened = options.dataDir === undefined ? undefined : openDataDirectory(options.dataDir, options, store);
  const directory = opened?.directory;
  store.purgeExpired(clock());
  if (directory !== undefined && directory.plaintextSecrets > 0) {
    // Secrets an earlier version wrote in clear: the snapshot is rewritten sealed and the old log deleted now.
    directory.compact(liveItems(store, clock()));
  }

  let closed = false;
  let traceCounter = 0;
  let tail: Promise<unknown> = Promise.resolve();

  const commit = (mutations: Mutation[], now: number): void => {
    if (mutations.length > 0) {
      // Logged before applied and before the response exists: a failed append leaves memory unchanged.
      directory?.append(mutations);
      mutations.forEach((mutation) => store.apply(mutation));
      if (directory?.needsCompaction) {
        compactQuietly(directory, store, now);
      }
    }
  };

  const respond = (path: string, init: { body?: unknown } | undefined, traceId: string): Response => {
    const now = clock();
    const request: MeteredRequest = { path, body: undefined, bodyBytes: 0 };
    let result: EngineResult | KvsServiceError;
    try {
      const text = bodyText(init?.body);
      request.bodyBytes = Buffer.byteLength(text, 'utf8');
      request.body = parseJson(text);
      store.purgeExpired(now);
      result = engine.handle(path, request.body, request.bodyBytes, now);
    } catch (error) {
      result = asServiceError(error);
    }
    if (result instanceof KvsServiceError) {
      const failedCost = requestCost(request, { error: true }, quota.unitBytes);
      options.onCost?.(path, failedCost, request.body);
      return errorResponse(quota.admit(path, failedCost, now) ?? result, traceId);
    }
    const text = responseText(result.response);
    const responseBytes = text === null ? 0 : Buffer.byteLength(text, 'utf8');
    const cost = requestCost(request, { response: result.response, responseBytes }, quota.unitBytes);
    options.onCost?.(path, cost, request.body);
    const refusal = quota.admit(path, cost, now);
    if (refusal !== undefined) {
      return errorResponse(refusal, traceId);
    }
    commit(result.mutations, now);
    return textResponse(result.response.status, text, traceId);
  };

  const execute = (path: string, init: { body?: unknown } | undefined): Response => {
    stats.record(path);
    traceCounter += 1;
    const traceId = `local-kvs-${traceCounter}`;
    if (closed) {
      return errorResponse(
        new KvsServiceError(KvsErrorCode.SERVICE_CLOSED, 'The local storage service is closed'),
        traceId,
      );
    }
    try {
      return respond(path, init, traceId);
    } catch (error) {
      return errorResponse(asServiceError(error), traceId);
    }
  };

  const fetch = (path: string, init?: { body?: unknown }): Promise<Response> => {
    const result = tail.then(() => execute(path, init));
    tail = result.catch(() => undefined);
    return result;
  };

  return {
    fetch: fetch as FetchMethod,
    stats,
    quota,
    recovery: directory?.recovery,
    dataKey: opened?.dataKey,
    close: async () => {
      await tail;
      if (!closed) {
        closed = true;
        directory?.close();
      }
    },
  };
}

/** Loads (or creates) the data key, refusing one inside the directory, and opens the directory with it. */
function openDataDirectory(
  dataDir: string,
  options: LocalKvsServiceOptions,
  store: MemoryStore,
): { directory: DataDirectory; dataKey: { file: string; id: string; created: boolean } } {
  const file = options.dataKeyFile ?? defaultDataKeyFile();
  assertKeyOutside(file, dataDir);
  const key = loadOrCreateDataKey(file);
  try {
    const directory = DataDirectory.open(
      {
        directory: dataDir,
        fsync: options.fsync ?? false,
        compactAfterBytes: options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES,
        sealing: new SecretSealing(new SecretCipher(key.key)),
      },
      (mutation) => store.apply(mutation),
    );
    return { directory, dataKey: { file: key.file, id: key.id, created: key.created } };
  } catch (error) {
    // A key made just now for a directory sealed under another one would only mislead the next start.
    if (key.created && error instanceof DataKeyError) rmKeyQuietly(key.file);
    throw error;
  }
}

function rmKeyQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    return;
  }
}

// The request is already committed to the log, so a failed compaction must not turn it into an error response; the
// data stays safe in the old snapshot and log, and DataDirectory postpones the next attempt.
function compactQuietly(directory: DataDirectory, store: MemoryStore, now: number): void {
  try {
    directory.compact(liveItems(store, now));
  } catch {
    return;
  }
}

function* liveItems(store: MemoryStore, now: number): Generator<[string, string, StoredItem]> {
  for (const entry of store.entries()) {
    if (!isExpired(entry[2], now)) {
      yield entry;
    }
  }
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') {
    return body;
  }
  if (body instanceof ArrayBuffer) {
    return Buffer.from(body).toString('utf8');
  }
  throw new KvsServiceError(KvsErrorCode.BAD_REQUEST, 'Provided request body is invalid: expected a JSON string');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new KvsServiceError(KvsErrorCode.BAD_REQUEST, 'Provided request body is invalid: not JSON');
  }
}

function quotaLimits(quotas: Partial<KvsQuotaLimits> | false | undefined): KvsQuotaLimits | false {
  if (quotas === false) {
    return false;
  }
  const limits: KvsQuotaLimits = { ...FORGE_KVS_QUOTAS, ...quotas };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`quotas.${name} must be a positive integer, not ${String(value)}`);
    }
  }
  return limits;
}

function asServiceError(error: unknown): KvsServiceError {
  if (error instanceof KvsServiceError) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new KvsServiceError(KvsErrorCode.INTERNAL_SERVER_ERROR, `Local storage failure: ${message}`);
}

// The JSON text of a response body, serialised once: it is both sent and, for reads, priced.
function responseText(response: EngineResponse): string | null {
  return response.body !== undefined && response.status !== 204 ? JSON.stringify(response.body) : null;
}

function textResponse(status: number, text: string | null, traceId: string): Response {
  return new Response(text, {
    status,
    statusText: STATUS_TEXT[status] ?? '',
    headers: text !== null ? { 'content-type': 'application/json', 'x-trace-id': traceId } : { 'x-trace-id': traceId },
  });
}

function errorResponse(error: KvsServiceError, traceId: string): Response {
  return textResponse(error.status, JSON.stringify(error.toBody()), traceId);
}
