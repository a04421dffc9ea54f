/**
 * The local host's own keys, kept in the store's secret storage (`kvs.setSecret`, which the local store encrypts at
 * rest): the admin page's key (unless ADMIN_KEY gives one) and the emulator key the served emulators require, each
 * generated once and kept, so the admin URL and credentials saved for the emulated organization survive restarts.
 */
import { randomBytes } from 'node:crypto';
import type { ForgeKvs } from '../storage/kvs-port';

/** The secret holding the admin page's key. */
export const ADMIN_KEY_SECRET = 'local:admin-key';

/** Where versions before encryption at rest kept the admin key: a plain key, in clear in the data directory. */
export const LEGACY_ADMIN_KEY = 'local:admin-key';

/** The secret holding the emulator key. */
export const EMULATOR_KEY_SECRET = 'local:emulator-key';

/** The slice of the store the local keys need. */
export type LocalSecretStore = Pick<ForgeKvs, 'get' | 'delete' | 'getSecret' | 'setSecret'>;

/** A new key of 256 random bits, base64url, behind a prefix that names what it is for. */
export function generateLocalKey(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** The emulator key of this data directory: the given one, else the kept one, else a new one that is kept. */
export async function localEmulatorKey(kvs: LocalSecretStore, given?: string): Promise<string> {
  if (given !== undefined) return given;
  const kept = await kvs.getSecret<string>(EMULATOR_KEY_SECRET);
  if (typeof kept === 'string' && kept !== '') return kept;
  const key = generateLocalKey('emu_');
  await kvs.setSecret(EMULATOR_KEY_SECRET, key);
  return key;
}

/**
 * The admin page's key: the given one (ADMIN_KEY), else the kept one, else a new one that is kept. A key an earlier
 * version kept as a plain value moves into secret storage and the plain value is deleted.
 */
export async function localAdminKey(kvs: LocalSecretStore, given?: string): Promise<string> {
  const legacy = await kvs.get<string>(LEGACY_ADMIN_KEY);
  if (legacy !== undefined) {
    if (typeof legacy === 'string' && legacy !== '' && (await kvs.getSecret<string>(ADMIN_KEY_SECRET)) === undefined) {
      await kvs.setSecret(ADMIN_KEY_SECRET, legacy);
    }
    await kvs.delete(LEGACY_ADMIN_KEY);
  }
  if (given !== undefined) return given;
  const kept = await kvs.getSecret<string>(ADMIN_KEY_SECRET);
  if (typeof kept === 'string' && kept !== '') return kept;
  const key = generateLocalKey('');
  await kvs.setSecret(ADMIN_KEY_SECRET, key);
  return key;
}
