/**
 * Where access reviews live in the app's key-value store: the run in progress (its phase, cursors and request
 * ledger), the records it has read in chunked logs (each chunk under Forge's 240 KiB value limit, appended in the
 * same transaction as the run's progress so a step that dies leaves nothing half-counted), the lease that keeps
 * two steps from running at once, and the index of finished reviews (the last 12 are kept; an older one's chunks
 * are deleted when a 13th is stored).
 */
import { randomUUID } from 'node:crypto';
import type { ForgeKvs } from '../storage/kvs-port';
import type { ReviewRecord } from './review-records';
import { recordBytes } from './review-records';
import type { RunState } from './review-run';
import type { SnapshotMeta } from './review-snapshot';
import type { LogPosition } from '../shared/review-types';

/** The chunked logs of a run: what the review reads into its inputs, and the effective listing (cross-check only). */
export type ReviewLog = 'inputs' | 'eff';

/** Largest stored chunk, well under Forge's 240 KiB value limit. */
export const CHUNK_BYTES = 200_000;
/** How many finished reviews are kept. */
export const KEPT_SNAPSHOTS = 12;

const RUN_KEY = 'review:v1:run';
const LEASE_KEY = 'review:v1:lease';
const INDEX_KEY = 'review:v1:snapshots';
/** Forge: at most 25 operations in one transaction. */
const MAX_TX_OPS = 25;

/** The key of chunk `n` of a run's log. */
export function chunkKey(runId: string, log: ReviewLog, n: number): string {
  return `review:v1:${runId}:${log}:${n}`;
}

/** The admin page's data (src/shared/review-types.ts), re-exported for the review's modules. */
export type { LogPosition } from '../shared/review-types';

/** The store; one per installation. */
export class ReviewStore {
  constructor(private readonly kvs: Pick<ForgeKvs, 'get' | 'set' | 'delete' | 'transact'>) {}

  /** The review in progress, or the last one that ran. */
  async run(): Promise<RunState | undefined> {
    return this.kvs.get<RunState>(RUN_KEY);
  }

  /** Saves the run without new records. */
  async saveRun(run: RunState): Promise<void> {
    await this.kvs.set(RUN_KEY, run);
  }

  /**
   * Appends records to the run's logs and saves the run, atomically: the tail chunk is read, filled up to
   * CHUNK_BYTES, and it, any new chunks and the run (with its logs' new positions) are written in one transaction.
   */
  async append(
    run: RunState,
    records: Readonly<Partial<Record<ReviewLog, readonly ReviewRecord[]>>>,
  ): Promise<RunState> {
    let next = run;
    const writes: { key: string; value: ReviewRecord[] }[] = [];
    for (const log of Object.keys(records) as ReviewLog[]) {
      const items = records[log] ?? [];
      if (items.length === 0) continue;
      const position = run.logs[log];
      let n = Math.max(0, position.chunks - 1);
      let tail: ReviewRecord[] =
        position.chunks === 0 ? [] : [...((await this.kvs.get<ReviewRecord[]>(chunkKey(run.id, log, n))) ?? [])];
      let bytes = position.chunks === 0 ? 0 : position.tailBytes;
      for (const record of items) {
        const size = recordBytes(record);
        if (bytes + size > CHUNK_BYTES && tail.length > 0) {
          writes.push({ key: chunkKey(run.id, log, n), value: tail });
          n += 1;
          tail = [];
          bytes = 0;
        }
        tail.push(record);
        bytes += size;
      }
      writes.push({ key: chunkKey(run.id, log, n), value: tail });
      next = { ...next, logs: { ...next.logs, [log]: { chunks: n + 1, tailBytes: bytes } } };
    }
    if (writes.length + 1 > MAX_TX_OPS)
      throw new RangeError('A review step read more than one transaction can store; read fewer pages per step');
    let tx = this.kvs.transact();
    for (const write of writes) tx = tx.set(write.key, write.value);
    tx = tx.set(RUN_KEY, next);
    await tx.execute();
    return next;
  }

  /** Every record of a run's log, in order. */
  async *records(runId: string, log: ReviewLog, position: LogPosition): AsyncIterable<ReviewRecord> {
    for (let n = 0; n < position.chunks; n++) {
      for (const record of (await this.kvs.get<ReviewRecord[]>(chunkKey(runId, log, n))) ?? []) yield record;
    }
  }

  /** Deletes a run's log. */
  async deleteLog(runId: string, log: ReviewLog, position: LogPosition): Promise<void> {
    const keys = Array.from({ length: position.chunks }, (_, n) => chunkKey(runId, log, n));
    for (let i = 0; i < keys.length; i += MAX_TX_OPS) {
      let tx = this.kvs.transact();
      for (const key of keys.slice(i, i + MAX_TX_OPS)) tx = tx.delete(key);
      await tx.execute();
    }
  }

  /**
   * Takes the step lease (FAIL_IF_EXISTS with a TTL, as the circuit breaker's: plain keys have no conditional
   * writes); undefined when another step holds it. A step that dies holds it for at most `ttlSeconds`.
   */
  async lease(ttlSeconds: number): Promise<string | undefined> {
    const owner = randomUUID();
    try {
      await this.kvs.set(
        LEASE_KEY,
        { owner },
        { keyPolicy: 'FAIL_IF_EXISTS', ttl: { value: ttlSeconds, unit: 'SECONDS' } },
      );
      return owner;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'KEY_CONFLICT') return undefined;
      throw error;
    }
  }

  /** Gives the lease back. */
  async release(): Promise<void> {
    await this.kvs.delete(LEASE_KEY);
  }

  /** The finished reviews, newest first. */
  async snapshots(): Promise<SnapshotMeta[]> {
    return (await this.kvs.get<SnapshotMeta[]>(INDEX_KEY)) ?? [];
  }

  /** Records a finished review and forgets the run; the oldest beyond KEPT_SNAPSHOTS lose their chunks. */
  async addSnapshot(meta: SnapshotMeta, run: RunState): Promise<void> {
    const all = [meta, ...(await this.snapshots()).filter((s) => s.id !== meta.id)];
    const kept = all.slice(0, KEPT_SNAPSHOTS);
    await this.kvs.transact().set(INDEX_KEY, kept).set(RUN_KEY, run).execute();
    for (const old of all.slice(KEPT_SNAPSHOTS)) await this.deleteLog(old.id, 'inputs', old.inputs);
  }

  /** Every input record of a finished review. */
  snapshotRecords(meta: SnapshotMeta): AsyncIterable<ReviewRecord> {
    return this.records(meta.id, 'inputs', meta.inputs);
  }
}
