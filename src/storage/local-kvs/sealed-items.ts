/**
 * How stored items look on disk (write-ahead log and snapshot): as in memory, except that an item of the secret
 * namespace carries `sealed` (secret-cipher.ts) instead of `value`. Reading accepts a secret still in clear, as
 * versions before encryption at rest wrote it, and counts it, so the store can rewrite the directory sealed.
 */
import { SECRET_NAMESPACE } from './memory-store';
import type { SecretCipher } from './secret-cipher';
import type { Mutation, StoredItem } from './types';

/** An item of the secret namespace as written to disk. */
export interface SealedItem {
  readonly sealed: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expireAt?: number;
}

/** An item as written to disk. */
export type DiskItem = StoredItem | SealedItem;

/** Whether a parsed value is an item as written to disk: timestamps, and either a value or a sealed text. */
export function isDiskItem(value: unknown): value is DiskItem {
  if (typeof value !== 'object' || value === null) return false;
  const { createdAt, updatedAt, expireAt, sealed } = value as Record<string, unknown>;
  const payload = 'value' in value ? sealed === undefined : typeof sealed === 'string';
  return (
    payload &&
    typeof createdAt === 'number' &&
    typeof updatedAt === 'number' &&
    (expireAt === undefined || typeof expireAt === 'number')
  );
}

/** Seals secrets on their way to disk and opens them on the way back; without a cipher, items pass unchanged. */
export class SecretSealing {
  /** Secrets read in clear since this object was made (written before encryption at rest). */
  plaintextSecrets = 0;

  constructor(private readonly cipher: SecretCipher | undefined) {}

  /** The disk form of an item stored under `ns`/`key`. */
  toDisk(ns: string, key: string, item: StoredItem): DiskItem {
    if (this.cipher === undefined || ns !== SECRET_NAMESPACE) return item;
    const { value, ...times } = item;
    return { ...times, sealed: this.cipher.seal(ns, key, value) };
  }

  /** The stored item a disk item stands for; throws DataKeyError when it cannot be opened. */
  fromDisk(ns: string, key: string, item: DiskItem): StoredItem {
    if (!('sealed' in item)) {
      if (ns === SECRET_NAMESPACE && this.cipher !== undefined) this.plaintextSecrets += 1;
      return item;
    }
    if (this.cipher === undefined)
      throw new Error(`The secret ${JSON.stringify(key)} is sealed but no data key was given`);
    const { sealed, ...times } = item;
    return { ...times, value: this.cipher.open(ns, key, sealed) };
  }

  /** A mutation with its item in disk form. */
  mutationToDisk(mutation: Mutation): Mutation | { t: 'put'; ns: string; key: string; item: DiskItem } {
    return mutation.t === 'put'
      ? { ...mutation, item: this.toDisk(mutation.ns, mutation.key, mutation.item) }
      : mutation;
  }
}
