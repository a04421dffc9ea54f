/**
 * The request handlers of the local storage service: one per endpoint StorageApi calls
 * (node_modules/@forge/kvs/out/storage-api.js), answering in the shapes it parses.
 *
 * A handler never changes the store. It validates the request, reads through a WriteSet and returns the response
 * together with the Mutations to commit; the service logs them and applies them only if the whole request succeeded,
 * which is what makes batches, transactions and the write-ahead log all-or-nothing per request. The handlers live in
 * item-requests.ts, queries.ts, batches.ts and transaction.ts; this module is the table of endpoints.
 */
import { batchDelete, batchGet, batchSet } from './batches';
import type { EngineResponse, EngineResult } from './engine-response';
import { KvsErrorCode, KvsServiceError } from './errors';
import { deleteItem, getItem, setItem } from './item-requests';
import { entityNamespace, KV_NAMESPACE, SECRET_NAMESPACE, type MemoryStore } from './memory-store';
import { queryEntity, queryKeys } from './queries';
import { entityNamed, record } from './request-fields';
import { transaction, type TransactionConditionMode } from './transaction';
import type { NormalizedEntity } from './types';
import { WriteSet } from './write-set';

type Handler = (writes: WriteSet, body: unknown, bodyBytes: number) => EngineResponse;

/** Executes storage requests against a MemoryStore without modifying it. */
export class KvsEngine {
  private readonly handlers: ReadonlyMap<string, Handler>;

  constructor(
    private readonly store: MemoryStore,
    private readonly entities: ReadonlyMap<string, NormalizedEntity>,
    conditionMode: TransactionConditionMode = 'evaluated',
  ) {
    this.handlers = new Map<string, Handler>([
      ['/api/v1/get', (w, b) => getItem(w, b, KV_NAMESPACE, undefined)],
      ['/api/v1/set', (w, b) => setItem(w, b, KV_NAMESPACE, undefined)],
      ['/api/v1/delete', (w, b) => deleteItem(w, b, KV_NAMESPACE, undefined)],
      ['/api/v1/query', (w, b) => queryKeys(this.store, w, b)],
      ['/api/v1/secret/get', (w, b) => getItem(w, b, SECRET_NAMESPACE, undefined)],
      ['/api/v1/secret/set', (w, b) => setItem(w, b, SECRET_NAMESPACE, undefined)],
      ['/api/v1/secret/delete', (w, b) => deleteItem(w, b, SECRET_NAMESPACE, undefined)],
      ['/api/v1/entity/get', (w, b) => this.withEntity(b, (ns, e) => getItem(w, b, ns, e))],
      ['/api/v1/entity/set', (w, b) => this.withEntity(b, (ns, e) => setItem(w, b, ns, e))],
      ['/api/v1/entity/delete', (w, b) => this.withEntity(b, (ns, e) => deleteItem(w, b, ns, e))],
      ['/api/v1/entity/query', (w, b) => queryEntity(this.store, this.entities, w, b)],
      ['/api/v1/batch/get', (w, b) => batchGet(this.entities, w, b)],
      ['/api/v1/batch/set', (w, b, n) => batchSet(this.entities, w, b, n)],
      ['/api/v1/batch/delete', (w, b) => batchDelete(this.entities, w, b)],
      ['/api/v1/transaction', (w, b, n) => transaction(this.entities, conditionMode, w, b, n)],
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
    const entity = entityNamed(this.entities, record(body).entityName);
    return run(entityNamespace(entity.name), entity);
  }
}
