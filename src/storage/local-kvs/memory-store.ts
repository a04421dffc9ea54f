/**
 * The in-memory state of the local storage service: one namespace for plain keys, one for secrets and one per custom
 * entity, each a hash map from key to item plus sorted structures for queries (the key order for plain keys, one
 * sorted list per declared index for entities). It applies Mutations blindly; validation happens in the engine.
 */
import type { IndexEntry, Region } from './scan';
import { compareEntries } from './scan';
import { SortedList } from './sorted-list';
import type { Mutation, NormalizedEntity, NormalizedIndex, StoredItem } from './types';
import { compareStrings, isScalar, type ScalarValue } from './values';

/** The namespace of plain keys (`kvs.get/set/delete/query`). */
export const KV_NAMESPACE = 'kv';
/** The namespace of secrets (`kvs.getSecret/setSecret/deleteSecret`), invisible to every other operation. */
export const SECRET_NAMESPACE = 'secret';

/** The namespace of custom entity `name`. */
export function entityNamespace(name: string): string {
  return `entity:${name}`;
}

/** Sort direction of a scan. */
export type ScanOrder = 'ASC' | 'DESC';

interface IndexState {
  readonly definition: NormalizedIndex;
  readonly entries: SortedList<IndexEntry>;
}

interface Namespace {
  readonly items: Map<string, StoredItem>;
  readonly keys: SortedList<string> | undefined;
  readonly indexes: Map<string, IndexState>;
}

interface Expiry {
  readonly at: number;
  readonly ns: string;
  readonly key: string;
}

/** All stored items with the structures that make reads O(1) and ordered scans O(log n + page). */
export class MemoryStore {
  private readonly namespaces = new Map<string, Namespace>();
  private readonly expiries: Expiry[] = [];

  constructor(entities: ReadonlyMap<string, NormalizedEntity>) {
    this.namespaces.set(KV_NAMESPACE, createNamespace(true, []));
    this.namespaces.set(SECRET_NAMESPACE, createNamespace(false, []));
    for (const entity of entities.values()) {
      this.namespaces.set(entityNamespace(entity.name), createNamespace(false, [...entity.indexes.values()]));
    }
  }

  /** The live item under `key`, or undefined when absent or expired at `now`. */
  read(ns: string, key: string, now: number): StoredItem | undefined {
    const item = this.namespaces.get(ns)?.items.get(key);
    return item === undefined || isExpired(item, now) ? undefined : item;
  }

  /** Applies one committed change, keeping every index in step. */
  apply(mutation: Mutation): void {
    const namespace = this.namespace(mutation.ns);
    const previous = namespace.items.get(mutation.key);
    const next = mutation.t === 'put' ? mutation.item : undefined;
    for (const index of namespace.indexes.values()) {
      const before = previous === undefined ? undefined : entryFor(index.definition, mutation.key, previous.value);
      const after = next === undefined ? undefined : entryFor(index.definition, mutation.key, next.value);
      if (before !== undefined && after !== undefined && compareEntries(before, after) === 0) {
        continue;
      }
      if (before !== undefined) {
        index.entries.delete(before);
      }
      if (after !== undefined) {
        index.entries.insert(after);
      }
    }
    if (next === undefined) {
      if (previous !== undefined) {
        namespace.items.delete(mutation.key);
        namespace.keys?.delete(mutation.key);
      }
      return;
    }
    if (previous === undefined) {
      namespace.keys?.insert(mutation.key);
    }
    namespace.items.set(mutation.key, next);
    if (next.expireAt !== undefined) {
      pushExpiry(this.expiries, { at: next.expireAt, ns: mutation.ns, key: mutation.key });
    }
  }

  /**
   * Deletes every item whose TTL has passed at `now` and returns how many. Nothing is logged: an expired item is
   * dropped again when the log is replayed, because replay also drops expired items.
   */
  purgeExpired(now: number): number {
    let purged = 0;
    for (let top = this.expiries[0]; top !== undefined && top.at <= now; top = this.expiries[0]) {
      popExpiry(this.expiries);
      const item = this.namespaces.get(top.ns)?.items.get(top.key);
      // A later write may have changed or removed the TTL; only the write that set this expiry is removed.
      if (item !== undefined && item.expireAt === top.at) {
        this.apply({ t: 'del', ns: top.ns, key: top.key });
        purged += 1;
      }
    }
    return purged;
  }

  /** Every stored item (expired ones included), for snapshots. */
  *entries(): Generator<[ns: string, key: string, item: StoredItem]> {
    for (const [ns, namespace] of this.namespaces) {
      for (const [key, item] of namespace.items) {
        yield [ns, key, item];
      }
    }
  }

  /** Plain keys in `region`, ascending, strictly after `afterKey` when given. */
  *scanKeys(region: Region<string>, afterKey: string | undefined): Generator<string> {
    const keys = this.namespace(KV_NAMESPACE).keys;
    if (keys === undefined) {
      return;
    }
    const start = keys.findFirst((key) => !region.before(key) && (afterKey === undefined || key > afterKey));
    for (const key of keys.ascendingFrom(start)) {
      if (region.after(key)) {
        return;
      }
      yield key;
    }
  }

  /** Index entries in `region` in `order`, strictly past `cursor` (in that order) when given. */
  *scanIndex(
    entityName: string,
    indexName: string,
    region: Region<IndexEntry>,
    order: ScanOrder,
    cursor: IndexEntry | undefined,
  ): Generator<IndexEntry> {
    const entries = this.namespaces.get(entityNamespace(entityName))?.indexes.get(indexName)?.entries;
    if (entries === undefined) {
      return;
    }
    if (order === 'ASC') {
      const start = entries.findFirst(
        (entry) => !region.before(entry) && (cursor === undefined || compareEntries(entry, cursor) > 0),
      );
      for (const entry of entries.ascendingFrom(start)) {
        if (region.after(entry)) {
          return;
        }
        yield entry;
      }
      return;
    }
    const end = entries.findFirst(
      (entry) => region.after(entry) || (cursor !== undefined && compareEntries(entry, cursor) >= 0),
    );
    for (const entry of entries.descendingBefore(end)) {
      if (region.before(entry)) {
        return;
      }
      yield entry;
    }
  }

  private namespace(ns: string): Namespace {
    let namespace = this.namespaces.get(ns);
    if (namespace === undefined) {
      // Data of an entity no longer declared in the manifest is kept (so nothing is lost) but not indexed.
      namespace = createNamespace(false, []);
      this.namespaces.set(ns, namespace);
    }
    return namespace;
  }
}

function createNamespace(ordered: boolean, indexes: NormalizedIndex[]): Namespace {
  return {
    items: new Map(),
    keys: ordered ? new SortedList<string>(compareStrings) : undefined,
    indexes: new Map(
      indexes.map((definition) => [definition.name, { definition, entries: new SortedList(compareEntries) }]),
    ),
  };
}

/** Whether `item` no longer exists at `now`. */
export function isExpired(item: StoredItem, now: number): boolean {
  return item.expireAt !== undefined && item.expireAt <= now;
}

// Items lacking the range attribute or any partition attribute are not in the index (DynamoDB sparse-index rule).
function entryFor(index: NormalizedIndex, key: string, value: unknown): IndexEntry | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const range = record[index.range];
  if (!Object.prototype.hasOwnProperty.call(record, index.range) || !isScalar(range)) {
    return undefined;
  }
  const partition: ScalarValue[] = [];
  for (const attribute of index.partition) {
    const part = record[attribute];
    if (!Object.prototype.hasOwnProperty.call(record, attribute) || !isScalar(part)) {
      return undefined;
    }
    partition.push(part);
  }
  return { p: JSON.stringify(partition), r: range, k: key };
}

/** The partition string of an index entry for the given partition values. */
export function partitionKey(values: readonly ScalarValue[]): string {
  return JSON.stringify(values);
}

function pushExpiry(heap: Expiry[], expiry: Expiry): void {
  heap.push(expiry);
  let child = heap.length - 1;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    if ((heap[parent] as Expiry).at <= expiry.at) {
      break;
    }
    heap[child] = heap[parent] as Expiry;
    child = parent;
  }
  heap[child] = expiry;
}

function popExpiry(heap: Expiry[]): void {
  const last = heap.pop();
  if (last === undefined || heap.length === 0) {
    return;
  }
  let parent = 0;
  for (;;) {
    const left = 2 * parent + 1;
    if (left >= heap.length) {
      break;
    }
    const right = left + 1;
    const smaller = right < heap.length && (heap[right] as Expiry).at < (heap[left] as Expiry).at ? right : left;
    if ((heap[smaller] as Expiry).at >= last.at) {
      break;
    }
    heap[parent] = heap[smaller] as Expiry;
    parent = smaller;
  }
  heap[parent] = last;
}
