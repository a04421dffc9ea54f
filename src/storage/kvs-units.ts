/**
 * How Forge sizes a storage request against its per-minute quotas (DAC `/limits-kvs-ce`: 4,000 read and 4,000
 * write requests a minute, "rounded up to the nearest 10KB"), as the app estimates it for itself: writes by the
 * bytes they send, reads by the bytes they get back. The local service's own meter is
 * src/storage/local-kvs/request-cost.ts; the two agree for every endpoint the app uses.
 */

/** Bytes in one quota unit. */
export const KVS_UNIT_BYTES = 10_000;

/** Which per-minute quota a storage endpoint (`/api/v1/...`) draws on; undefined for one this estimate does not know. */
export function kvsQuotaOf(path: string): 'read' | 'write' | undefined {
  if (/\/(transaction|set|delete)$/.test(path)) return 'write';
  if (/\/(get|query)$/.test(path)) return 'read';
  return undefined;
}

/** Units of a request or response of `bytes` bytes: at least one. */
export function kvsUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KVS_UNIT_BYTES));
}
