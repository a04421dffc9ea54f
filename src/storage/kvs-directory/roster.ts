/**
 * The roster of a resource collection in the KVS directory store: per kind an index record, numbered shards of at
 * most SHARD_CAPACITY ids and a tail that appends go to, all in insertion order (roster-layout.ts). Counting reads
 * one record, `startIndex` paging reads the index, at most two shards and the page's records at any offset, and an
 * append reads the index and the tail in one batch get: one read request of one unit at 10,000 resources.
 */
import { DirectoryError, type ResourceKind } from '../../directory/directory-store';
import type { ForgeKvs } from '../kvs-port';
import {
  decodeRosterIndex,
  EMPTY_INDEX,
  encodeRosterIndex,
  ROSTER_ENTITY,
  rosterIndexKey,
  rosterShardKey,
  rosterTailKey,
  segmentsOf,
  SHARD_CAPACITY,
  totalOf,
  type RosterIndex,
  type RosterRecord,
  type Segment,
  type Shard,
  type StoredRosterIndex,
} from './roster-layout';
import { absent, batchGet, chunk, MAX_BATCH, Retry, versionIs, type Write } from './transactions';

/** The index record as read: its version (undefined when there is none yet) and decoded body. */
interface ReadIndex {
  version: number | undefined;
  body: RosterIndex;
}

/** The rosters of both collections: reads for counting, paging and scans, and the writes that keep them current. */
export class Roster {
  constructor(private readonly kvs: ForgeKvs) {}

  /** How many resources the collection holds, from its index record alone. */
  async count(kind: ResourceKind): Promise<number> {
    return totalOf((await this.readIndex(kind)).body);
  }

  /** The ids at 0-based positions `offset` to `offset + count` of the roster order, and the collection's size. */
  async pageIds(kind: ResourceKind, offset: number, count: number): Promise<{ totalResults: number; ids: string[] }> {
    const index = (await this.readIndex(kind)).body;
    const totalResults = totalOf(index);
    if (count <= 0 || offset >= totalResults) return { totalResults, ids: [] };
    const wanted: { key: string; from: number; take: number }[] = [];
    let skip = offset;
    let remaining = count;
    for (const segment of segmentsOf(kind, index)) {
      if (remaining <= 0) break;
      if (skip >= segment.count) {
        skip -= segment.count;
        continue;
      }
      const take = Math.min(segment.count - skip, remaining);
      wanted.push({ key: segment.key, from: skip, take });
      remaining -= take;
      skip = 0;
    }
    const records = await batchGet<Shard>(
      this.kvs,
      ROSTER_ENTITY,
      wanted.map((w) => w.key),
    );
    const ids: string[] = [];
    for (const w of wanted) {
      const shard = records.get(w.key);
      if (shard) ids.push(...shard.body.ids.slice(w.from, w.from + w.take));
    }
    return { totalResults, ids };
  }

  /**
   * A page of the collection's ids from numbered shard `from` on, whole shards (at most 25) up to about `maxIds`,
   * the tail last; `next` is where the following page starts, undefined after the tail. Shard numbers only grow (a
   * full tail moves to the next number), so a page start stays valid while resources come and go: an id added
   * meanwhile is listed once, in a later page or the tail.
   */
  async idPage(kind: ResourceKind, from: number, maxIds: number): Promise<{ ids: string[]; next?: number }> {
    const index = (await this.readIndex(kind)).body;
    const remaining = index.shards.filter((shard) => shard.n >= from);
    const taken: { n: number; count: number }[] = [];
    let size = 0;
    for (const shard of remaining) {
      if (taken.length > 0 && (size + shard.count > maxIds || taken.length === MAX_BATCH - 1)) break;
      taken.push(shard);
      size += shard.count;
    }
    const tail = index.tail ?? 0;
    const withTail = taken.length === remaining.length && tail > 0 && (taken.length === 0 || size + tail <= maxIds);
    const keys = [...taken.map((shard) => rosterShardKey(kind, shard.n)), ...(withTail ? [rosterTailKey(kind)] : [])];
    const records = await batchGet<Shard>(this.kvs, ROSTER_ENTITY, keys);
    const ids = keys.flatMap((key) => records.get(key)?.body.ids ?? []);
    const last = taken[taken.length - 1];
    if (taken.length < remaining.length) return { ids, ...(last ? { next: last.n + 1 } : {}) };
    if (withTail || tail === 0) return { ids };
    // The tail did not fit beside the shards read: it is the next page, found by a start past every shard.
    return { ids, next: index.next };
  }

  /** Every id of the collection in roster order, in batches of at most 25; a too-many DirectoryError past `limit`. */
  async *idBatches(kind: ResourceKind, limit: number): AsyncIterable<string[]> {
    const index = (await this.readIndex(kind)).body;
    const total = totalOf(index);
    if (total > limit) {
      throw new DirectoryError(
        'too-many',
        `The ${kind} collection holds ${total} resources, more than the ${limit} a filter or sort may examine`,
      );
    }
    for (const segments of chunk(segmentsOf(kind, index), MAX_BATCH)) {
      const records = await batchGet<Shard>(
        this.kvs,
        ROSTER_ENTITY,
        segments.map((s) => s.key),
      );
      for (const segment of segments) yield* chunk(records.get(segment.key)?.body.ids ?? [], MAX_BATCH);
    }
  }

  /**
   * The writes that add `id` at the end of the roster, from one batch read of the index and the tail: the tail and
   * the index, and when the tail fills, its ids moved to the next numbered shard and an empty tail. Both records are
   * written under their read versions, so of concurrent appends one commits and the others retry with its result;
   * a torn read (a batch get is no snapshot) fails a condition too, as every tail write also writes the index.
   *
   * An index of the layout before the tail (no `t`) is migrated here: its last shard, when not full, becomes the
   * tail (one more read, once per collection) and is deleted in the same transaction.
   */
  async append(kind: ResourceKind, id: string): Promise<Write[]> {
    const indexKey = rosterIndexKey(kind);
    const tailKey = rosterTailKey(kind);
    const records = await batchGet<RosterRecord<unknown>>(this.kvs, ROSTER_ENTITY, [indexKey, tailKey]);
    const storedIndex = records.get(indexKey) as RosterRecord<StoredRosterIndex> | undefined;
    const tail = records.get(tailKey) as Shard | undefined;
    const index = decodeRosterIndex(storedIndex?.body);
    if ((index.tail ?? 0) > 0 && !tail) throw new Retry('roster tail missing');
    const writes: Write[] = [];
    let shards = index.shards;
    let next = index.next;
    // With a tail layout index the tail record holds the open shard's ids; so it does with an index that an older
    // version of the app rewrote without `t` after a newer one had started the tail.
    let ids = tail?.body.ids ?? [];
    const last = shards[shards.length - 1];
    if (index.tail === undefined && !tail && last && last.count < SHARD_CAPACITY) {
      const open = await this.kvs.entity<Shard>(ROSTER_ENTITY).get(rosterShardKey(kind, last.n));
      if (!open) throw new Retry('roster shard missing');
      writes.push({
        kind: 'delete',
        key: rosterShardKey(kind, last.n),
        entityName: ROSTER_ENTITY,
        condition: versionIs(open.version),
      });
      shards = shards.slice(0, -1);
      ids = open.body.ids;
    }
    ids = [...ids, id];
    if (ids.length >= SHARD_CAPACITY) {
      writes.push({
        kind: 'set',
        key: rosterShardKey(kind, next),
        entityName: ROSTER_ENTITY,
        value: { version: 1, body: { ids } },
        condition: absent('version'),
      });
      shards = [...shards, { n: next, count: ids.length }];
      next += 1;
      ids = [];
    }
    writes.push(
      {
        kind: 'set',
        key: tailKey,
        entityName: ROSTER_ENTITY,
        value: { version: (tail?.version ?? 0) + 1, body: { ids } },
        condition: tail ? versionIs(tail.version) : absent('version'),
      },
      this.indexWrite(kind, { version: storedIndex?.version, body: index }, { shards, next, tail: ids.length }),
    );
    return writes;
  }

  /** The writes that take `id` out of the roster (none when it is not listed); an emptied numbered shard is deleted. */
  async remove(kind: ResourceKind, id: string): Promise<Write[]> {
    const index = await this.readIndex(kind);
    if (index.version === undefined) return [];
    // An index without `t` may still have a tail (see append), so the tail is searched too.
    const segments = segmentsOf(kind, index.body);
    if (index.body.tail === undefined) segments.push({ key: rosterTailKey(kind), count: 0 });
    const holding = await this.segmentHolding(segments, id);
    if (!holding) return [];
    const { key, shard } = holding;
    const ids = shard.body.ids.filter((x) => x !== id);
    let body: RosterIndex;
    let shardWrite: Write;
    if (key === rosterTailKey(kind)) {
      body = { ...index.body, tail: ids.length };
      shardWrite = this.shardSet(key, shard, ids);
    } else {
      const shards = index.body.shards
        .map((s) => (rosterShardKey(kind, s.n) === key ? { n: s.n, count: ids.length } : s))
        .filter((s) => s.count > 0);
      body = { ...index.body, shards };
      shardWrite =
        ids.length === 0
          ? { kind: 'delete', key, entityName: ROSTER_ENTITY, condition: versionIs(shard.version) }
          : this.shardSet(key, shard, ids);
    }
    return [shardWrite, this.indexWrite(kind, index, body)];
  }

  private shardSet(key: string, shard: Shard, ids: string[]): Write {
    return {
      kind: 'set',
      key,
      entityName: ROSTER_ENTITY,
      value: { version: shard.version + 1, body: { ids } },
      condition: versionIs(shard.version),
    };
  }

  /** The write of the index's next version `body`, conditional on the version `read` was read at. */
  private indexWrite(kind: ResourceKind, read: ReadIndex, body: RosterIndex): Write {
    return {
      kind: 'set',
      key: rosterIndexKey(kind),
      entityName: ROSTER_ENTITY,
      value: { version: (read.version ?? 0) + 1, body: encodeRosterIndex(body) },
      condition: read.version === undefined ? absent('version') : versionIs(read.version),
    };
  }

  private async readIndex(kind: ResourceKind): Promise<ReadIndex> {
    const stored = await this.kvs.entity<RosterRecord<StoredRosterIndex>>(ROSTER_ENTITY).get(rosterIndexKey(kind));
    return stored
      ? { version: stored.version, body: decodeRosterIndex(stored.body) }
      : { version: undefined, body: EMPTY_INDEX };
  }

  /** Finds the segment holding `id`; deletes are rare next to reads, so a walk over the shards is acceptable. */
  private async segmentHolding(
    segments: readonly Segment[],
    id: string,
  ): Promise<{ key: string; shard: Shard } | undefined> {
    for (const batch of chunk(segments, MAX_BATCH)) {
      const records = await batchGet<Shard>(
        this.kvs,
        ROSTER_ENTITY,
        batch.map((s) => s.key),
      );
      for (const segment of batch) {
        const shard = records.get(segment.key);
        if (shard?.body.ids.includes(id)) return { key: segment.key, shard };
      }
    }
    return undefined;
  }
}
