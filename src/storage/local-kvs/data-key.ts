/**
 * The key that encrypts the local store's secrets at rest (secret-cipher.ts). It lives outside the data directory, so a
 * copy of the directory alone reveals no secret: by default `$XDG_CONFIG_HOME/bitbucket-scim-sync/data.key` (else
 * `~/.config/bitbucket-scim-sync/data.key`), `DATA_KEY_FILE` to put it elsewhere. It is created on first use, 0600 in a
 * 0700 directory, as 32 random bytes in base64 on one line; one readable by other users is refused, as ssh refuses
 * such a private key.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The environment variable that names the key file. */
export const DATA_KEY_FILE_ENV = 'DATA_KEY_FILE';

const KEY_BYTES = 32;

/** A failure of the at-rest protection: a missing, unreadable, exposed or wrong data key. */
export class DataKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataKeyError';
  }
}

/** A loaded data key. */
export interface DataKey {
  /** The 256-bit AES key. */
  readonly key: Buffer;
  /** The file it was read from or written to. */
  readonly file: string;
  /** True when this call created the file. */
  readonly created: boolean;
  /** A short public fingerprint of the key (not the key), recorded with every sealed value. */
  readonly id: string;
}

/** Where the data key lives: DATA_KEY_FILE, else under XDG_CONFIG_HOME or ~/.config. */
export function defaultDataKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  const given = env[DATA_KEY_FILE_ENV];
  if (given !== undefined && given !== '') return path.resolve(given);
  const config =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ''
      ? env.XDG_CONFIG_HOME
      : path.join(os.homedir(), '.config');
  return path.join(config, 'bitbucket-scim-sync', 'data.key');
}

/** The fingerprint of a key: 16 hex digits of a labelled SHA-256, which reveals nothing of the key. */
export function dataKeyId(key: Buffer): string {
  return createHash('sha256').update('bitbucket-scim-sync data key id\0').update(key).digest('hex').slice(0, 16);
}

/** Refuses a key file inside the data directory, whose copy would then carry its own key. */
export function assertKeyOutside(file: string, dataDir: string): void {
  const relative = path.relative(path.resolve(dataDir), path.resolve(file));
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
    throw new DataKeyError(
      `The data key file ${file} is inside the data directory ${dataDir}; a copy of the directory would carry its key. Set ${DATA_KEY_FILE_ENV} to a path outside it.`,
    );
  }
}

/** Reads the key in `file`, or creates it (0600, its directory 0700) when there is none. */
export function loadOrCreateDataKey(file: string): DataKey {
  const existing = readKey(file);
  if (existing !== undefined) return { key: existing, file, created: false, id: dataKeyId(existing) };
  const key = randomBytes(KEY_BYTES);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    // link() fails when the name exists: two processes creating the key at once end up with the same one.
    fs.linkSync(temp, file);
  } catch (error) {
    const raced = readKey(file);
    if (raced !== undefined) return { key: raced, file, created: false, id: dataKeyId(raced) };
    throw new DataKeyError(
      `Could not create the data key file ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return { key, file, created: true, id: dataKeyId(key) };
}

function readKey(file: string): Buffer | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataKeyError(`Could not read the data key file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new DataKeyError(
      `The data key file ${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 ${file}`,
    );
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
    throw new DataKeyError(
      `The data key file ${file} does not hold a data key (${KEY_BYTES} bytes in base64 on one line)`,
    );
  }
  return key;
}
