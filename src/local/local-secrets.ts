/**
 * The local host's own keys, kept in the store's secret storage (`kvs.setSecret`, which the local store encrypts at
 * rest): the emulator key the served emulators require, generated once and kept, so credentials an admin saved for
 * the emulated organization keep working across restarts.
 */
import { randomBytes } from 'node:crypto';
import type { ForgeKvs } from '../storage/local-kvs';

/** The secret holding the emulator key. */
export const EMULATOR_KEY_SECRET = 'local:emulator-key';

/** The slice of the store the local keys need. */
export type LocalSecretStore = Pick<ForgeKvs, 'getSecret' | 'setSecret'>;

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
