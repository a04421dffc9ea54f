/**
 * Encryption at rest of the values the app stores with `kvs.setSecret` (Forge encrypts its secret storage: DAC
 * /storage-reference/secret-store/). The local store keeps them decrypted in memory and seals each one as it goes to
 * the write-ahead log or a snapshot: AES-256-GCM (NIST SP 800-38D) with a fresh 96-bit IV per value and the
 * namespace and key as additional authenticated data, so a sealed value cannot be moved to another key unnoticed.
 * A sealed value is `v1.<key id>.<iv>.<ciphertext and tag>`, base64url.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DataKeyError, dataKeyId, DATA_KEY_FILE_ENV } from './data-key';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals and opens secret values under one data key. */
export class SecretCipher {
  /** The key's fingerprint, written with every sealed value. */
  readonly id: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new DataKeyError('A data key has 32 bytes');
    this.id = dataKeyId(key);
  }

  /** The sealed text of `value` stored under `ns`/`key`. */
  seal(ns: string, key: string, value: unknown): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(ns, key));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.id, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** The value sealed under `ns`/`key`; throws DataKeyError when another key sealed it or it was altered. */
  open(ns: string, key: string, sealed: string): unknown {
    const [version, id, iv, body] = sealed.split('.');
    if (version !== VERSION || id === undefined || iv === undefined || body === undefined) {
      throw new DataKeyError(`The secret ${JSON.stringify(key)} is not sealed in a form this version reads`);
    }
    if (id !== this.id) {
      throw new DataKeyError(
        `The data directory's secrets were encrypted with data key ${id}, but the key file holds key ${this.id}: point ${DATA_KEY_FILE_ENV} at the key file this directory was written with, or start on a new data directory`,
      );
    }
    const bytes = Buffer.from(body, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad(ns, key));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as unknown;
    } catch (error) {
      throw new DataKeyError(
        `The secret ${JSON.stringify(key)} does not decrypt under data key ${this.id}: it was altered`,
        { cause: error },
      );
    }
  }
}

function aad(ns: string, key: string): Buffer {
  return Buffer.from(`${ns}\0${key}`, 'utf8');
}
