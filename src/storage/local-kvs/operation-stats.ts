/**
 * Counts of storage requests by endpoint, so tests and benchmarks can assert that one SCIM request costs a bounded
 * number of storage operations (Forge rate-limits reads and writes per installation, DAC `/limits-kvs-ce`).
 */

/** Which budget an endpoint draws on. */
export type OperationCategory = 'reads' | 'writes' | 'queries' | 'transactions';

const CATEGORY_BY_PATH: Readonly<Record<string, OperationCategory>> = {
  '/api/v1/get': 'reads',
  '/api/v1/secret/get': 'reads',
  '/api/v1/entity/get': 'reads',
  '/api/v1/batch/get': 'reads',
  '/api/v1/set': 'writes',
  '/api/v1/delete': 'writes',
  '/api/v1/secret/set': 'writes',
  '/api/v1/secret/delete': 'writes',
  '/api/v1/entity/set': 'writes',
  '/api/v1/entity/delete': 'writes',
  '/api/v1/batch/set': 'writes',
  '/api/v1/batch/delete': 'writes',
  '/api/v1/query': 'queries',
  '/api/v1/entity/query': 'queries',
  '/api/v1/transaction': 'transactions',
};

/** A point-in-time copy of the counters. */
export interface OperationCounts {
  /** Every request received, whatever its outcome. */
  total: number;
  /** Single and batch gets, plain, secret and entity. */
  reads: number;
  /** Single and batch sets and deletes. */
  writes: number;
  /** Key-prefix and index queries. */
  queries: number;
  /** Transactions (one each, whatever their size, as Forge counts them). */
  transactions: number;
  /** Requests by endpoint path. */
  byPath: Record<string, number>;
}

/** Mutable request counters owned by one local storage service. */
export class OperationStats {
  private counts: OperationCounts = emptyCounts();

  /** Counts one request to `path`; called by the service for every request, failed ones included. */
  record(path: string): void {
    this.counts.total += 1;
    this.counts.byPath[path] = (this.counts.byPath[path] ?? 0) + 1;
    const category = CATEGORY_BY_PATH[path];
    if (category !== undefined) {
      this.counts[category] += 1;
    }
  }

  /** A copy of the counters that later requests do not change. */
  snapshot(): OperationCounts {
    return { ...this.counts, byPath: { ...this.counts.byPath } };
  }

  /** Sets every counter back to zero. */
  reset(): void {
    this.counts = emptyCounts();
  }
}

function emptyCounts(): OperationCounts {
  return { total: 0, reads: 0, writes: 0, queries: 0, transactions: 0, byPath: {} };
}
