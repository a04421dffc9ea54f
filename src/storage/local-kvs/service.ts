/**
 * A local implementation of the Forge storage service, exposed as the FetchMethod that @forge/kvs's StorageApi
 * posts to (node_modules/@forge/kvs/out/storage-api.js). `new KvsImpl(new StorageApi(service.fetch))` then runs the
 * genuine @forge/kvs code against it, locally and in tests.
 *
 * Requests are executed one at a time in arrival order through an internal queue, and each one runs synchronously
 * once started (validation, log append, in-memory apply), so a transaction or batch is atomic with respect to every
 * other request.
 */
import type { FetchMethod } from '@forge/api';
import { DataDirectory, type RecoveryReport } from './data-directory';
import { KvsEngine, type EngineResponse } from './engine';
import { normalizeEntityDefinitions } from './entity-schema';
import { KvsErrorCode, KvsServiceError } from './errors';
import { isExpired, MemoryStore } from './memory-store';
import { OperationStats } from './operation-stats';
import type { EntityDefinition, StoredItem } from './types';

/** Options of createLocalKvsService. */
export interface LocalKvsServiceOptions {
  /** The custom entities the app declares (see loadEntityDefinitions); entities not listed cannot be used. */
  entities: EntityDefinition[];
  /** Where to persist data; in-memory only when omitted. */
  dataDir?: string;
  /** Whether to fdatasync every committed write (power-loss durability); default false (kill -9 durability only). */
  fsync?: boolean;
  /** Current time in milliseconds, injectable so tests can drive TTL expiry; default Date.now. */
  clock?: () => number;
  /** Log size in bytes that triggers compaction into a snapshot; default 64 MiB. */
  compactAfterBytes?: number;
}

/** A running local storage service. */
export interface LocalKvsService {
  /** The FetchMethod to give StorageApi: answers POSTs to /api/v1/... with real Response objects. */
  fetch: FetchMethod;
  /** Request counters by endpoint. */
  stats: OperationStats;
  /** What was recovered from dataDir at start; undefined for an in-memory service. */
  recovery: RecoveryReport | undefined;
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
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Starts a local storage service; throws if the entity definitions are invalid or dataDir is locked or corrupt. */
export function createLocalKvsService(options: LocalKvsServiceOptions): LocalKvsService {
  const clock = options.clock ?? Date.now;
  const entities = normalizeEntityDefinitions(options.entities);
  const store = new MemoryStore(entities);
  const engine = new KvsEngine(store, entities);
  const stats = new OperationStats();
  const directory =
    options.dataDir === undefined
      ? undefined
      : DataDirectory.open(
          {
            directory: options.dataDir,
            fsync: options.fsync ?? false,
            compactAfterBytes: options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES,
          },
          (mutation) => store.apply(mutation),
        );
  store.purgeExpired(clock());

  let closed = false;
  let traceCounter = 0;
  let tail: Promise<unknown> = Promise.resolve();

  const execute = (path: string, init: { body?: unknown } | undefined): Response => {
    stats.record(path);
    traceCounter += 1;
    const traceId = `local-kvs-${traceCounter}`;
    if (closed) {
      return errorResponse(new KvsServiceError(KvsErrorCode.SERVICE_CLOSED, 'The local storage service is closed'), traceId);
    }
    try {
      const text = bodyText(init?.body);
      const body = parseJson(text);
      const now = clock();
      store.purgeExpired(now);
      const { response, mutations } = engine.handle(path, body, Buffer.byteLength(text, 'utf8'), now);
      if (mutations.length > 0) {
        // Logged before applied and before the response exists: a failed append leaves memory unchanged.
        directory?.append(mutations);
        mutations.forEach((mutation) => store.apply(mutation));
        if (directory?.needsCompaction) {
          compactQuietly(directory, store, now);
        }
      }
      return jsonResponse(response, traceId);
    } catch (error) {
      if (error instanceof KvsServiceError) {
        return errorResponse(error, traceId);
      }
      return errorResponse(
        new KvsServiceError(KvsErrorCode.INTERNAL_SERVER_ERROR, `Local storage failure: ${(error as Error).message}`),
        traceId,
      );
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
    recovery: directory?.recovery,
    close: async () => {
      await tail;
      if (!closed) {
        closed = true;
        directory?.close();
      }
    },
  };
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

function jsonResponse(response: EngineResponse, traceId: string): Response {
  const hasBody = response.body !== undefined && response.status !== 204;
  return new Response(hasBody ? JSON.stringify(response.body) : null, {
    status: response.status,
    statusText: STATUS_TEXT[response.status] ?? '',
    headers: hasBody ? { 'content-type': 'application/json', 'x-trace-id': traceId } : { 'x-trace-id': traceId },
  });
}

function errorResponse(error: KvsServiceError, traceId: string): Response {
  return jsonResponse({ status: error.status, body: error.toBody() }, traceId);
}
