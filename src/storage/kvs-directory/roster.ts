/**
 * The roster of a resource collection in the KVS directory store: per kind, an index record and shards of at most
 * SHARD_CAPACITY ids in insertion order (`scim-roster`, manifest.yml), so counting reads one record and `startIndex`
 * paging reads the index, at most two shards and the page's records, at any offset.
 */
import { DirectoryError, type ResourceKind } from '../../directory/directory-store';
import type { ForgeKvs } from '../kvs-port';
import { absent, batchGet, chunk, MAX_BATCH, Retry, versionIs, type Write } from './transactions';

/**
 * Ids per roster shard: 150 UUIDs serialise to about 6 KB, so reading a shard costs one 10 KB quota unit and a
 * create's transaction (record, claim, outbox entry, shard and index) stays near one write unit up to ~10,000
 * resources and two at 100,000 (DAC `/limits-kvs-ce`).
 */
export const SHARD_CAPACITY = 150;

const ROSTER_ENTITY = 'scim-roster';

interface RosterIndex {
  shards: { n: number; count: number }[];
  next: number;
}

/** The stored form of a RosterIndex: shard numbers and counts as one flat list of pairs, about 8 bytes a shard. */
interface StoredRosterIndex {
  s: number[];
  next: number;
}

function decodeRosterIndex(body: StoredRosterIndex | undefined): RosterIndex {
  if (!body) return { shards: [], next: 0 };
  const shards: { n: number; count: number }[] = [];
  for (let i = 0; i + 1 < body.s.length; i += 2) shards.push({ n: body.s[i] ?? 0, count: body.s[i + 1] ?? 0 });
  return { shards, next: body.next };
}

function encodeRosterIndex(index: RosterIndex): StoredRosterIndex {
  return { s: index.shards.flatMap((shard) => [shard.n, shard.count]), next: index.next };
}

interface RosterRecord<T> {
  version: number;
  body: T;
}

type Shard = RosterRecord<{ ids: string[] }>;

interface Versioned<T> {
  key: string;
  record: T | undefined;
}

function rosterIndexKey(kind: ResourceKind): string {
  return `${kind.toLowerCase()}.index`;
}

function rosterShardKey(kind: ResourceKind, n: number): string {
  return `${kind.toLowerCase()}.shard.${n}`;
}

function totalOf(index: RosterIndex): number {
  return index.shards.reduce((sum, shard) => sum + shard.count, 0);
}

/** The rosters of both collections: reads for counting, paging and scans, and the writes that keep them current. */
export class Roster {
  constructor(private readonly kvs: ForgeKvs) {}

  /** How many resources the collection holds, from its index record alone. */
  async count(kind: ResourceKind): Promise<number> {
    const index = await this.readIndex(kind);
    return index.record ? totalOf(index.record.body) : 0;
  }

  /** The ids at 0-based positions `offset` to `offset + count` of the roster order, and the collection's size. */
  async pageIds(kind: ResourceKind, offset: number, count: number): Promise<{ totalResults: number; ids: string[] }> {
    const index = (await this.readIndex(kind)).record?.body ?? { shards: [], next: 0 };
    const totalResults = totalOf(index);
    if (count <= 0 || offset >= totalResults) return { totalResults, ids: [] };
    const wanted: { n: number; from: number; take: number }[] = [];
    let skip = offset;
    let remaining = count;
    for (const shard of index.shards) {
      if (remaining <= 0) break;
      if (skip >= shard.count) {
        skip -= shard.count;
        continue;
      }
      const take = Math.min(shard.count - skip, remaining);
      wanted.push({ n: shard.n, from: skip, take });
      remaining -= take;
      skip = 0;
    }
    const shardRecords = await batchGet<Shard>(
      this.kvs,
      ROSTER_ENTITY,
      wanted.map((w) => rosterShardKey(kind, w.n)),
    );
    const ids: string[] = [];
    for (const w of wanted) {
      const shard = shardRecords.get(rosterShardKey(kind, w.n));
      if (shard) ids.push(...shard.body.ids.slice(w.from, w.from + w.take));
    }
    return { totalResults, ids };
  }

  /** Every id of the collection in roster order, in batches of at most 25; a too-many DirectoryError past `limit`. */
  async *idBatches(kind: ResourceKind, limit: number): AsyncIterable<string[]> {
    const index = (await this.readIndex(kind)).record?.body ?? { shards: [], next: 0 };
    const total = totalOf(index);
    if (total > limit) {
      throw new DirectoryError(
        'too-many',
        `The ${kind} collection holds ${total} resources, more than the ${limit} a filter or sort may examine`,
      );
    }
    for (const shards of chunk(index.shards, MAX_BATCH)) {
      const shardRecords = await batchGet<Shard>(
        this.kvs,
        ROSTER_ENTITY,
        shards.map((s) => rosterShardKey(kind, s.n)),
      );
      for (const shard of shards) {
        const ids = shardRecords.get(rosterShardKey(kind, shard.n))?.body.ids ?? [];
        yield* chunk(ids, MAX_BATCH);
      }
    }
  }

  /** The writes that add `id` at the end of the roster: its last shard (or a new one) and the index. */
  async append(kind: ResourceKind, id: string): Promise<Write[]> {
    const index = await this.readIndex(kind);
    const body: RosterIndex = index.record?.body ?? { shards: [], next: 0 };
    const last = body.shards[body.shards.length - 1];
    let shardNumber: number;
    let shard: Shard | undefined;
    let shards: { n: number; count: number }[];
    let next = body.next;
    if (last && last.count < SHARD_CAPACITY) {
      shardNumber = last.n;
      shard = await this.kvs.entity<Shard>(ROSTER_ENTITY).get(rosterShardKey(kind, shardNumber));
      shards = body.shards.map((s) => (s.n === shardNumber ? { n: s.n, count: s.count + 1 } : s));
    } else {
      shardNumber = next;
      next += 1;
      shards = [...body.shards, { n: shardNumber, count: 1 }];
    }
    if (last && last.count < SHARD_CAPACITY && !shard) throw new Retry('roster shard missing');
    return [
      {
        kind: 'set',
        key: rosterShardKey(kind, shardNumber),
        entityName: ROSTER_ENTITY,
        value: { version: (shard?.version ?? 0) + 1, body: { ids: [...(shard?.body.ids ?? []), id] } },
        condition: shard ? versionIs(shard.version) : absent('version'),
      },
      {
        kind: 'set',
        key: index.key,
        entityName: ROSTER_ENTITY,
        value: { version: (index.record?.version ?? 0) + 1, body: encodeRosterIndex({ shards, next }) },
        condition: index.record ? versionIs(index.record.version) : absent('version'),
      },
    ];
  }

  /** The writes that take `id` out of the roster (none when it is not listed); an emptied shard is deleted. */
  async remove(kind: ResourceKind, id: string): Promise<Write[]> {
    const index = await this.readIndex(kind);
    if (!index.record) return [];
    const shardRecords = await this.shardHolding(kind, index.record.body, id);
    if (!shardRecords) return [];
    const { n, shard } = shardRecords;
    const ids = shard.body.ids.filter((x) => x !== id);
    const shards = index.record.body.shards
      .map((s) => (s.n === n ? { n, count: ids.length } : s))
      .filter((s) => s.count > 0);
    const shardWrite: Write =
      ids.length === 0
        ? {
            kind: 'delete',
            key: rosterShardKey(kind, n),
            entityName: ROSTER_ENTITY,
            condition: versionIs(shard.version),
          }
        : {
            kind: 'set',
            key: rosterShardKey(kind, n),
            entityName: ROSTER_ENTITY,
            value: { version: shard.version + 1, body: { ids } },
            condition: versionIs(shard.version),
          };
    return [
      shardWrite,
      {
        kind: 'set',
        key: index.key,
        entityName: ROSTER_ENTITY,
        value: { version: index.record.version + 1, body: encodeRosterIndex({ shards, next: index.record.body.next }) },
        condition: versionIs(index.record.version),
      },
    ];
  }

  private async readIndex(kind: ResourceKind): Promise<Versioned<RosterRecord<RosterIndex>>> {
    const key = rosterIndexKey(kind);
    const stored = await this.kvs.entity<RosterRecord<StoredRosterIndex>>(ROSTER_ENTITY).get(key);
    return { key, record: stored ? { version: stored.version, body: decodeRosterIndex(stored.body) } : undefined };
  }

  /** Finds the shard holding `id`; deletes are rare next to reads, so a walk over the shards is acceptable. */
  private async shardHolding(
    kind: ResourceKind,
    index: RosterIndex,
    id: string,
  ): Promise<{ n: number; shard: Shard } | undefined> {
    for (const shards of chunk(index.shards, MAX_BATCH)) {
      const records = await batchGet<Shard>(
        this.kvs,
        ROSTER_ENTITY,
        shards.map((s) => rosterShardKey(kind, s.n)),
      );
      for (const s of shards) {
        const shard = records.get(rosterShardKey(kind, s.n));
        if (shard?.body.ids.includes(id)) return { n: s.n, shard };
      }
    }
    return undefined;
  }
}
