/** The state one storage request works on: the store as changed by the request's own earlier writes. */
import { KvsErrorCode, KvsServiceError } from './errors';
import type { MemoryStore } from './memory-store';
import type { SetOptions } from './request-fields';
import type { Mutation, StoredItem } from './types';

/** Reads see the store as changed by the earlier writes of the same request; writes are collected as Mutations. */
export class WriteSet {
  readonly mutations: Mutation[] = [];
  private readonly pending = new Map<string, StoredItem | null>();

  constructor(
    private readonly store: MemoryStore,
    readonly now: number,
  ) {}

  /** The item at `key` of namespace `ns`, or undefined. */
  read(ns: string, key: string): StoredItem | undefined {
    const pending = this.pending.get(`${ns}\u0000${key}`);
    if (pending !== undefined) {
      return pending ?? undefined;
    }
    return this.store.read(ns, key, this.now);
  }

  /** Records `item` as the new value at `key`. */
  put(ns: string, key: string, item: StoredItem): void {
    this.pending.set(`${ns}\u0000${key}`, item);
    this.mutations.push({ t: 'put', ns, key, item });
  }

  /** Records the removal of the item at `key`. */
  delete(ns: string, key: string): void {
    this.pending.set(`${ns}\u0000${key}`, null);
    this.mutations.push({ t: 'del', ns, key });
  }
}

/** Writes a set's value over `previous` (keeping its creation time); FAIL_IF_EXISTS refuses an existing key. */
export function writeItem(
  writes: WriteSet,
  ns: string,
  key: string,
  value: unknown,
  options: SetOptions,
  previous: StoredItem | undefined,
): StoredItem {
  if (options.keyPolicy === 'FAIL_IF_EXISTS' && previous !== undefined) {
    throw new KvsServiceError(KvsErrorCode.KEY_CONFLICT, `Key ${key} already exists`);
  }
  const now = writes.now;
  const item: StoredItem = {
    value,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    ...(options.ttlMs === undefined ? {} : { expireAt: now + options.ttlMs }),
  };
  writes.put(ns, key, item);
  return item;
}
