/**
 * What one storage request costs against Forge's read and write quotas (DAC `/limits-kvs-ce`: "Request sizes are
 * rounded up to the nearest 10KB. Requests that are 10KB or smaller are counted as 1 request"; DAC
 * `/storage-reference/transactions`: a transaction counts as one write request, sized in 10 KB units).
 *
 * Forge says which quota a request draws on and that it is sized in units, not what is sized. The rules here, all
 * assumptions, take the stricter reading wherever two were plausible:
 * - A write is sized by the request body it sends, whatever the outcome (a refused or conflicting write was still
 *   received): set and delete cost the units of their body, at least 1; batch set and batch delete, like a
 *   transaction, the units of their whole body, at least 1; a transaction no reads although its conditions read.
 * - A read is sized by what it sends back: get costs the units of its response body, at least 1, so a missing key
 *   costs 1; a query the units of its response body plus the items its filters read and dropped (DynamoDB charges
 *   for items read before a filter; our queries apply filters after the page limit as it does), at least 1; batch
 *   get the units of its whole response body, at least 1. A read refused as invalid costs 1.
 * - Batches are one request each, sized as a whole: DAC `/storage-reference/entities-api` says batch requests "use
 *   rate limits more efficiently" than the same requests made one by one, which pricing every item at a unit would
 *   contradict. (Until 2026-12-07 this model priced each item at least a unit, the stricter reading; the limits
 *   page's sentence is about request sizes, and a batch is one request.)
 * - Not modelled: the batch page's "maximum of 45 batch operations per minute" (DAC `/storage-reference/batchops`),
 *   which reads as a survivor of the per-operation limits that DAC `/limits-kvs-ce` says the unit quotas replaced;
 *   unverified (docs/notes/forge-platform.md).
 * - Secrets are priced like plain keys. An unknown endpoint costs no units (it still counts as a request).
 */
import type { EngineResponse } from './engine-response';

/** Read and write units of one request. */
export interface RequestCost {
  /** Units drawn from the read quota. */
  readUnits: number;
  /** Units drawn from the write quota. */
  writeUnits: number;
}

/** A request as the service received it. */
export interface MeteredRequest {
  /** The endpoint path. */
  path: string;
  /** The parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
  /** Bytes of the UTF-8 request body. */
  bodyBytes: number;
}

/** How the request ended: the response it gets (with its body's UTF-8 byte count), or an error. */
export type MeteredOutcome = { response: EngineResponse; responseBytes: number } | { error: true };

type Pricing = 'read' | 'query' | 'batch-read' | 'write' | 'batch-write' | 'transaction';

const PRICING_BY_PATH: Readonly<Record<string, Pricing>> = {
  '/api/v1/get': 'read',
  '/api/v1/secret/get': 'read',
  '/api/v1/entity/get': 'read',
  '/api/v1/query': 'query',
  '/api/v1/entity/query': 'query',
  '/api/v1/batch/get': 'batch-read',
  '/api/v1/set': 'write',
  '/api/v1/delete': 'write',
  '/api/v1/secret/set': 'write',
  '/api/v1/secret/delete': 'write',
  '/api/v1/entity/set': 'write',
  '/api/v1/entity/delete': 'write',
  '/api/v1/batch/set': 'batch-write',
  '/api/v1/batch/delete': 'batch-write',
  '/api/v1/transaction': 'transaction',
};

/** The read and write units `request` costs given its `outcome`, at `unitBytes` bytes per unit. */
export function requestCost(request: MeteredRequest, outcome: MeteredOutcome, unitBytes: number): RequestCost {
  const units = (bytes: number): number => Math.max(1, Math.ceil(bytes / unitBytes));
  const reads = (readUnits: number): RequestCost => ({ readUnits, writeUnits: 0 });
  const writes = (writeUnits: number): RequestCost => ({ readUnits: 0, writeUnits });
  switch (PRICING_BY_PATH[request.path]) {
    case 'write':
    case 'transaction':
      return writes(units(request.bodyBytes));
    case 'batch-write':
      return writes(units(request.bodyBytes));
    case 'read':
      return reads('error' in outcome ? 1 : units(outcome.responseBytes));
    case 'query':
      return reads(
        'error' in outcome ? 1 : units(outcome.responseBytes + sum(outcome.response.filteredOut ?? [], jsonBytes)),
      );
    case 'batch-read':
      return reads('error' in outcome ? 1 : units(outcome.responseBytes));
    default:
      return { readUnits: 0, writeUnits: 0 };
  }
}

function sum<T>(items: readonly T[], cost: (item: T) => number): number {
  let total = 0;
  for (const item of items) {
    total += cost(item);
  }
  return total;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
