/**
 * Where a pull keeps its work between invocations, in plain KVS keys under `pull:` (values under Forge's 240 KiB:
 * every record is cut at CHUNK_BYTES): the run's state, what the reader staged (chunks of pages), the planned
 * directory writes (chunks of operations), and the snapshot of what the last pulls wrote: user fingerprints in
 * USER_BUCKETS buckets by source id, group fingerprints in one record, each group's member set by generation. The
 * snapshot is what makes an unchanged pull cheap: it is compared, not the directory, and nothing is written.
 */
import type { ForgeKvs } from '../../storage/kvs-port';

/** The largest record written (Forge allows 240 KiB a value). */
export const CHUNK_BYTES = 180_000;

/** Buckets of the user snapshot: about 300 users each at 10,000, 3,000 at 100,000 (about 200 KB). */
export const USER_BUCKETS = 32;

/** A user's snapshot entry: directory id, resource fingerprint, whether the directory has it active. */
export type UserSnapshotEntry = [dirId: string, fingerprint: string, active: 0 | 1];

/** A group's snapshot entry: directory id, resource fingerprint, membership fingerprint, member-set generation and parts. */
export type GroupSnapshotEntry = [
  dirId: string,
  fingerprint: string,
  membership: string,
  generation: string,
  parts: number,
];

/** The bucket of a source id. */
export function bucketOf(sourceId: string): number {
  let hash = 2166136261;
  for (let i = 0; i < sourceId.length; i += 1) {
    hash ^= sourceId.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % USER_BUCKETS;
}

/** Splits items into parts whose JSON stays under CHUNK_BYTES. */
export function chunkBySize<T>(items: readonly T[], limit = CHUNK_BYTES): T[][] {
  const parts: T[][] = [];
  let current: T[] = [];
  let size = 2;
  for (const item of items) {
    const itemSize = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (current.length > 0 && size + itemSize > limit) {
      parts.push(current);
      current = [];
      size = 2;
    }
    current.push(item);
    size += itemSize;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/**
 * Records read in one batch request: four of the largest values Forge allows stay under the 1 MB that bug FRGE-1916
 * holds batch payloads to (docs/notes/forge-platform.md, storage limits), so a load of many records costs few of an
 * invocation's outbound requests (the quota units are the same: a batch is sized by its whole response).
 */
export const RECORDS_PER_BATCH = 4;

/** Requests a batched read of `records` records takes. */
export function batchedReads(records: number): number {
  return Math.ceil(records / RECORDS_PER_BATCH);
}

type Kvs = Pick<ForgeKvs, 'get' | 'set' | 'delete' | 'batchGet'>;

/** The pull's records. */
export class PullStore {
  constructor(private readonly kvs: Kvs) {}

  /** Reads a record. */
  get<T>(key: string): Promise<T | undefined> {
    return this.kvs.get<T>(`pull:${key}`);
  }

  /** Reads records in batches (RECORDS_PER_BATCH a request), in the order of `keys`; a missing record is undefined. */
  async getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    const found = new Map<string, T>();
    for (let i = 0; i < keys.length; i += RECORDS_PER_BATCH) {
      const result = await this.kvs.batchGet<T>(
        keys.slice(i, i + RECORDS_PER_BATCH).map((key) => ({ key: `pull:${key}` })),
      );
      for (const item of result.successfulKeys) found.set(item.key, item.value);
      const failed = result.failedKeys.filter((f) => f.error.code !== 'KEY_NOT_FOUND');
      if (failed.length > 0)
        throw new Error(
          `KVS batch read failed for ${failed.length} pull records: ${failed[0]?.error.code ?? 'unknown'}`,
        );
    }
    return keys.map((key) => found.get(`pull:${key}`));
  }

  /** Writes a record. */
  async set(key: string, value: unknown): Promise<void> {
    await this.kvs.set(`pull:${key}`, value);
  }

  /** Deletes a record. */
  async delete(key: string): Promise<void> {
    await this.kvs.delete(`pull:${key}`);
  }

  /** Takes the pull's lease for `seconds` (FAIL_IF_EXISTS with a TTL, as the breaker's); false when another holds it. */
  async lease(owner: string, seconds: number): Promise<boolean> {
    try {
      await this.kvs.set(
        'pull:lease',
        { owner },
        { keyPolicy: 'FAIL_IF_EXISTS', ttl: { value: seconds, unit: 'SECONDS' } },
      );
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'KEY_CONFLICT') return false;
      throw error;
    }
  }

  /** Gives the lease back. */
  async release(): Promise<void> {
    await this.kvs.delete('pull:lease');
  }

  /** A user snapshot bucket (empty when none). */
  async userBucket(bucket: number): Promise<Record<string, UserSnapshotEntry>> {
    return (await this.get<Record<string, UserSnapshotEntry>>(`snap:u:${bucket}`)) ?? {};
  }

  /** Every user snapshot bucket. */
  async userSnapshot(): Promise<Map<string, UserSnapshotEntry>> {
    const out = new Map<string, UserSnapshotEntry>();
    const buckets = await this.getMany<Record<string, UserSnapshotEntry>>(
      Array.from({ length: USER_BUCKETS }, (_, b) => `snap:u:${b}`),
    );
    for (const bucket of buckets) for (const [id, entry] of Object.entries(bucket ?? {})) out.set(id, entry);
    return out;
  }

  /** The group snapshot (empty when none). */
  async groupSnapshot(): Promise<Record<string, GroupSnapshotEntry>> {
    return (await this.get<Record<string, GroupSnapshotEntry>>('snap:g')) ?? {};
  }

  /** A group's member set (directory user ids) of one generation. */
  async memberSet(groupSourceId: string, generation: string, parts: number): Promise<string[]> {
    const chunks = await this.getMany<string[]>(
      Array.from({ length: parts }, (_, part) => `gm:${groupSourceId}:${generation}:${part}`),
    );
    return chunks.flatMap((chunk) => chunk ?? []);
  }

  /** Writes a group's member set under a generation; returns how many parts it took. */
  async saveMemberSet(groupSourceId: string, generation: string, ids: readonly string[]): Promise<number> {
    const parts = chunkBySize(ids);
    for (const [part, chunk] of parts.entries()) await this.set(`gm:${groupSourceId}:${generation}:${part}`, chunk);
    return parts.length;
  }

  /** Deletes a member set generation. */
  async deleteMemberSet(groupSourceId: string, generation: string, parts: number): Promise<void> {
    for (let part = 0; part < parts; part += 1) await this.delete(`gm:${groupSourceId}:${generation}:${part}`);
  }
}
