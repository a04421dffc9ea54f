/**
 * How the KVS directory store (src/storage/kvs-directory-store.ts) reads and writes within Forge's limits: writes
 * are described first and executed as one transaction of at most 25 operations, reads are batches of at most 25
 * keys (Forge docs, /limits-kvs-ce), and a write that lost a race with a concurrent writer is run again.
 */
import { Filter as KvsFilter, FilterConditions } from '@forge/kvs';
import { DirectoryError } from '../../directory/directory-store';
import { isStorageThrottled, THROTTLED_RETRY_AFTER_SECONDS, type ForgeKvs } from '../kvs-port';

/** Forge KVS: at most 25 operations in one transaction or batch. */
export const MAX_BATCH = 25;
/** Forge's custom-entity queries: at most 100 results a page (src/storage/local-kvs/limits.ts maxEntityQueryLimit). */
export const QUERY_PAGE = 100;
/** Tries of a contended write before it is answered as contention (a 503 with Retry-After at the SCIM edge). */
const MAX_ATTEMPTS = 14;
/** The first retry waits up to this long; each later one up to twice the previous, capped at BACKOFF_CAP_MS. */
const BACKOFF_BASE_MS = 20;
const BACKOFF_CAP_MS = 2_000;

/** Waits `ms` milliseconds on the host's clock (the local Forge runtime's virtual one in benchmarks and tests). */
export type Sleep = (ms: number) => Promise<void>;

/** The default Sleep: a timer. */
export const timerSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A condition on a stored item's attributes that a transactional write requires. */
export type Condition = ReturnType<KvsFilter<Record<string, unknown>>['and']>;

/** One operation of a transaction: an entity item set or deleted, under an optional condition. */
export type Write =
  | { kind: 'set'; key: string; entityName: string; value: object; condition?: Condition }
  | { kind: 'delete'; key: string; entityName: string; condition?: Condition }
  | { kind: 'set-plain'; key: string; value: string }
  | { kind: 'delete-plain'; key: string };

/** Thrown inside an attempt to ask for another try after a concurrent change. */
export class Retry {
  constructor(public reason: string) {}
}

/** The condition that the item's `version` attribute is `version`. */
export function versionIs(version: number): Condition {
  return new KvsFilter<Record<string, unknown>>().and('version', FilterConditions.equalTo(version));
}

/** The condition that the item has no `attribute` (in practice: that the item does not exist). */
export function absent(attribute: string): Condition {
  return new KvsFilter<Record<string, unknown>>().and(attribute, FilterConditions.notExists());
}

/** `items` in consecutive slices of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The directory error a storage quota breach becomes. */
export function throttled(error: unknown): DirectoryError {
  return new DirectoryError('throttled', 'Storage is over its per-installation quota; retry later', {
    cause: error,
    retryAfterSeconds: THROTTLED_RETRY_AFTER_SECONDS,
  });
}

/**
 * Runs `body` until it completes without asking for a retry; concurrent writers make it ask. Retries wait an
 * exponentially growing, fully jittered time: an IdP's burst of parallel creates all append to the roster's tail,
 * and retrying at once multiplied their KVS requests past Forge's 1,000 a second (the findings replay,
 * test/local/forge-runtime/todays-findings.test.ts).
 */
export async function attempt<T>(body: () => Promise<T>, sleep: Sleep = timerSleep): Promise<T> {
  let lastReason = '';
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    try {
      return await body();
    } catch (error) {
      if (!(error instanceof Retry)) throw error;
      lastReason = error.reason;
      await sleep(Math.floor(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt)));
    }
  }
  throw new DirectoryError('contention', `Gave up after ${MAX_ATTEMPTS} attempts: ${lastReason}`);
}

/** Executes writes as one transaction; when it fails, `diagnose` decides between a domain error and a retry. */
export async function commit(kvs: ForgeKvs, writes: readonly Write[], diagnose: () => Promise<Retry>): Promise<void> {
  if (writes.length > MAX_BATCH)
    throw new Error(`A transaction of ${writes.length} operations exceeds the KVS limit of ${MAX_BATCH}`);
  let tx = kvs.transact();
  for (const write of writes) {
    if (write.kind === 'set-plain') {
      tx = tx.set<string>(write.key, write.value);
    } else if (write.kind === 'delete-plain') {
      tx = tx.delete(write.key);
    } else if (write.kind === 'set') {
      tx = tx.set<Record<string, unknown>>(
        write.key,
        write.value as Record<string, unknown>,
        write.condition
          ? { entityName: write.entityName, conditions: write.condition }
          : { entityName: write.entityName },
      );
    } else {
      tx = tx.delete<Record<string, unknown>>(
        write.key,
        write.condition
          ? { entityName: write.entityName, conditions: write.condition }
          : { entityName: write.entityName },
      );
    }
  }
  try {
    await tx.execute();
  } catch (error) {
    if (isStorageThrottled(error)) throw throttled(error);
    // The KVS does not document the error code of a failed condition, so the state decides what happened.
    const verdict = await diagnose();
    verdict.reason = `${verdict.reason} (${error instanceof Error ? error.message : String(error)})`;
    throw verdict;
  }
}

/** Reads the items of `entityName` (plain keys when undefined) at `keys` in batches of at most 25; a missing key is absent from the map. */
export async function batchGet<T>(
  kvs: ForgeKvs,
  entityName: string | undefined,
  keys: readonly string[],
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (const batch of chunk([...new Set(keys)], MAX_BATCH)) {
    if (batch.length === 0) continue;
    const result = await kvs.batchGet<T>(
      batch.map((key) => (entityName === undefined ? { key } : { key, entityName })),
    );
    for (const item of result.successfulKeys) out.set(item.key, item.value);
    const failed = result.failedKeys.filter((f) => f.error.code !== 'KEY_NOT_FOUND');
    if (failed.length > 0) {
      throw new Error(`KVS batch read failed for ${failed.length} keys: ${failed[0]?.error.code ?? 'unknown'}`);
    }
  }
  return out;
}
