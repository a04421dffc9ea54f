/**
 * Durable storage for the local storage service: a snapshot plus a write-ahead log in one directory.
 *
 * Files:
 * - `snapshot.jsonl`: a header line `{format, version, generation, items}` then one `[ns, key, item]` line per item.
 *   Written to a temporary file, fsynced and renamed, so it is either the old or the new snapshot, never a mix.
 * - `wal-<generation>.log`: one line per committed request, `<payload bytes> <crc32 hex> <payload JSON>\n`, the
 *   payload being the request's list of Mutations. The line is written with fs.writeSync before the response is
 *   released, so an acknowledged write is in the OS page cache and survives `kill -9`; with `fsync` it is also
 *   fdatasynced and survives power loss. A crash can only tear the last line, which load detects (length or checksum
 *   mismatch, or no newline), discards and truncates away. A bad line followed by good ones is corruption and fails.
 * - `LOCK`: see lock-file.ts.
 *
 * The directory is created 0700 and every file in it 0600 (an existing directory and its files are tightened to that
 * when opened), so other local users read nothing of it; secrets are moreover encrypted (secret-cipher.ts).
 *
 * Compaction writes a temporary snapshot of generation g+1, creates the empty `wal-<g+1>.log`, renames the snapshot
 * into place and deletes the old log. A crash before the rename leaves the old snapshot and log plus an empty newer
 * log, which load discards; a crash after it leaves a stale older log, which load deletes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { lockDirectory, type DirectoryLock } from './lock-file';
import { isDiskItem, SecretSealing } from './sealed-items';
import type { Mutation, StoredItem } from './types';

const SNAPSHOT_FILE = 'snapshot.jsonl';
const SNAPSHOT_TEMP_FILE = 'snapshot.jsonl.tmp';
const SNAPSHOT_FORMAT = 'local-kvs-snapshot';
const SNAPSHOT_VERSION = 1;
const LOG_PATTERN = /^wal-(\d+)\.log$/;
const NEWLINE = 0x0a;
const WRITE_CHUNK_BYTES = 1 << 20;
/** Only the owner may list or enter the directory. */
export const DIRECTORY_MODE = 0o700;
/** Only the owner may read or write a file in it. */
export const FILE_MODE = 0o600;

/** How a data directory is opened. */
export interface DataDirectoryOptions {
  /** The directory; created if missing. */
  directory: string;
  /** Whether every log append is followed by fdatasync (power-loss durability) rather than only write(2). */
  fsync: boolean;
  /** Log size in bytes past which the service compacts the log into a new snapshot. */
  compactAfterBytes: number;
  /** Seals secrets in the log and snapshot (sealed-items.ts); without it they are written as they are. */
  sealing?: SecretSealing;
}

/** What loading found, for diagnostics and tests. */
export interface RecoveryReport {
  /** Items read from the snapshot. */
  snapshotItems: number;
  /** Log records (committed requests) replayed. */
  replayedRecords: number;
  /** Bytes of a torn final log line that were discarded. */
  discardedBytes: number;
}

/** An open, locked data directory that appends committed mutations and compacts them into snapshots. */
export class DataDirectory {
  private fd: number;
  private bytes: number;
  private compactionThreshold: number;
  private readonly sealing: SecretSealing;

  private constructor(
    private readonly options: DataDirectoryOptions,
    private readonly lock: DirectoryLock,
    private generation: number,
    logBytes: number,
    /** What was recovered when the directory was opened. */
    readonly recovery: RecoveryReport,
  ) {
    this.fd = fs.openSync(this.logPath(generation), 'a', FILE_MODE);
    this.bytes = logBytes;
    this.compactionThreshold = options.compactAfterBytes;
    this.sealing = options.sealing ?? new SecretSealing(undefined);
    if (logBytes === 0) {
      syncDirectory(options.directory);
    }
  }

  /** Locks and loads `options.directory`, passing every recovered mutation to `apply` in commit order. */
  static open(options: DataDirectoryOptions, apply: (mutation: Mutation) => void): DataDirectory {
    fs.mkdirSync(options.directory, { recursive: true, mode: DIRECTORY_MODE });
    tighten(options.directory);
    const lock = lockDirectory(options.directory);
    try {
      fs.rmSync(path.join(options.directory, SNAPSHOT_TEMP_FILE), { force: true });
      const sealing = options.sealing ?? new SecretSealing(undefined);
      const snapshot = readSnapshot(path.join(options.directory, SNAPSHOT_FILE), apply, sealing);
      const generation = snapshot?.generation ?? 1;
      removeStaleLogs(options.directory, generation);
      const replay = replayLog(path.join(options.directory, logName(generation)), apply, sealing);
      return new DataDirectory(options, lock, generation, replay.validBytes, {
        snapshotItems: snapshot?.items ?? 0,
        replayedRecords: replay.records,
        discardedBytes: replay.discardedBytes,
      });
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Size of the current log in bytes. */
  get logBytes(): number {
    return this.bytes;
  }

  /** How many secrets were read in clear (written before encryption at rest); compact to rewrite them sealed. */
  get plaintextSecrets(): number {
    return this.sealing.plaintextSecrets;
  }

  /** Whether the log has grown past the compaction threshold (raised after a failed compaction). */
  get needsCompaction(): boolean {
    return this.bytes > this.compactionThreshold;
  }

  /** Appends one committed request's mutations as a single log line; returns only once the line is written. */
  append(mutations: readonly Mutation[]): void {
    const line = encodeRecord(mutations, this.sealing);
    try {
      writeFully(this.fd, line);
      if (this.options.fsync) {
        fs.fdatasyncSync(this.fd);
      }
    } catch (error) {
      // Cut off a partly written line so the next append does not follow garbage (which load would call corruption).
      fs.ftruncateSync(this.fd, this.bytes);
      throw error;
    }
    this.bytes += line.length;
  }

  /**
   * Replaces snapshot and log with a snapshot of `items` (the complete current state) and an empty log. On failure
   * the old snapshot and log stay in use and the next attempt waits until the log has doubled.
   */
  compact(items: Iterable<[ns: string, key: string, item: StoredItem]>): void {
    const next = this.generation + 1;
    const temp = path.join(this.options.directory, SNAPSHOT_TEMP_FILE);
    let nextFd: number | undefined;
    try {
      writeSnapshot(temp, next, items, this.sealing);
      // The new log exists before the snapshot that refers to it; an empty newer log is discarded by load.
      nextFd = fs.openSync(this.logPath(next), 'a', FILE_MODE);
      fs.renameSync(temp, path.join(this.options.directory, SNAPSHOT_FILE));
    } catch (error) {
      if (nextFd !== undefined) {
        fs.closeSync(nextFd);
        fs.rmSync(this.logPath(next), { force: true });
      }
      fs.rmSync(temp, { force: true });
      this.compactionThreshold = Math.max(this.compactionThreshold, this.bytes * 2);
      throw error;
    }
    syncDirectory(this.options.directory);
    const previousFd = this.fd;
    const previousLog = this.logPath(this.generation);
    this.fd = nextFd;
    this.generation = next;
    this.bytes = 0;
    this.compactionThreshold = this.options.compactAfterBytes;
    fs.closeSync(previousFd);
    fs.rmSync(previousLog, { force: true });
  }

  /** Closes the log and releases the lock. */
  close(): void {
    fs.closeSync(this.fd);
    this.lock.release();
  }

  private logPath(generation: number): string {
    return path.join(this.options.directory, logName(generation));
  }
}

function logName(generation: number): string {
  return `wal-${generation}.log`;
}

/** Encodes one log line: `<payload bytes> <crc32 hex> <payload>\n`, secrets sealed by `sealing` when given. */
export function encodeRecord(mutations: readonly Mutation[], sealing?: SecretSealing): Buffer {
  const payload = Buffer.from(
    JSON.stringify(sealing === undefined ? mutations : mutations.map((m) => sealing.mutationToDisk(m))),
    'utf8',
  );
  const header = Buffer.from(`${payload.length} ${crc32(payload).toString(16).padStart(8, '0')} `, 'latin1');
  return Buffer.concat([header, payload, Buffer.from([NEWLINE])]);
}

function replayLog(
  logPath: string,
  apply: (mutation: Mutation) => void,
  sealing: SecretSealing,
): { records: number; validBytes: number; discardedBytes: number } {
  let data: Buffer;
  try {
    data = fs.readFileSync(logPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { records: 0, validBytes: 0, discardedBytes: 0 };
    }
    throw error;
  }
  let offset = 0;
  let records = 0;
  while (offset < data.length) {
    const end = data.indexOf(NEWLINE, offset);
    const mutations = end === -1 ? undefined : decodeRecord(data.subarray(offset, end), sealing);
    if (mutations === undefined) {
      const isLastLine = end === -1 || end === data.length - 1;
      if (!isLastLine) {
        throw new Error(`${logPath} is corrupt at byte ${offset}: a damaged record is followed by further records`);
      }
      // A torn final line: the request it held was never acknowledged, so dropping it loses nothing promised.
      fs.truncateSync(logPath, offset);
      return { records, validBytes: offset, discardedBytes: data.length - offset };
    }
    mutations.forEach(apply);
    records += 1;
    offset = end + 1;
  }
  return { records, validBytes: offset, discardedBytes: 0 };
}

/**
 * Decodes one log line without its newline, opening sealed secrets with `sealing`; undefined when the length or
 * checksum does not match. A secret that does not open throws (DataKeyError): that is a wrong key, not a torn line.
 */
export function decodeRecord(
  line: Buffer,
  sealing: SecretSealing = new SecretSealing(undefined),
): Mutation[] | undefined {
  const firstSpace = line.indexOf(0x20);
  const secondSpace = firstSpace === -1 ? -1 : line.indexOf(0x20, firstSpace + 1);
  if (secondSpace === -1) {
    return undefined;
  }
  const length = Number(line.subarray(0, firstSpace).toString('latin1'));
  const checksum = line.subarray(firstSpace + 1, secondSpace).toString('latin1');
  const payload = line.subarray(secondSpace + 1);
  if (!Number.isInteger(length) || payload.length !== length || !/^[0-9a-f]{8}$/.test(checksum)) {
    return undefined;
  }
  if (crc32(payload) !== Number.parseInt(checksum, 16)) {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every(isDiskMutation)) {
    return undefined;
  }
  return parsed.map((m: DiskMutation) => (m.t === 'del' ? m : { ...m, item: sealing.fromDisk(m.ns, m.key, m.item) }));
}

type DiskMutation =
  | { t: 'del'; ns: string; key: string }
  | { t: 'put'; ns: string; key: string; item: Parameters<SecretSealing['fromDisk']>[2] };

function isDiskMutation(value: unknown): value is DiskMutation {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { t, ns, key, item } = value as Record<string, unknown>;
  return typeof ns === 'string' && typeof key === 'string' && (t === 'del' || (t === 'put' && isDiskItem(item)));
}

function readSnapshot(
  snapshotPath: string,
  apply: (mutation: Mutation) => void,
  sealing: SecretSealing,
): { generation: number; items: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(snapshotPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  const lines = text.split('\n');
  const header = JSON.parse(lines[0] ?? '') as {
    format?: unknown;
    version?: unknown;
    generation?: unknown;
    items?: unknown;
  };
  if (
    header.format !== SNAPSHOT_FORMAT ||
    header.version !== SNAPSHOT_VERSION ||
    typeof header.generation !== 'number' ||
    typeof header.items !== 'number'
  ) {
    throw new Error(`${snapshotPath} is not a local KVS snapshot`);
  }
  let items = 0;
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i] as string;
    if (line.length === 0) {
      continue;
    }
    const [ns, key, item] = JSON.parse(line) as [unknown, unknown, unknown];
    if (typeof ns !== 'string' || typeof key !== 'string' || !isDiskItem(item)) {
      throw new Error(`${snapshotPath} line ${i + 1} is not a stored item`);
    }
    apply({ t: 'put', ns, key, item: sealing.fromDisk(ns, key, item) });
    items += 1;
  }
  if (items !== header.items) {
    throw new Error(`${snapshotPath} holds ${items} items but its header says ${header.items}`);
  }
  return { generation: header.generation, items };
}

function writeSnapshot(
  file: string,
  generation: number,
  items: Iterable<[string, string, StoredItem]>,
  sealing: SecretSealing,
): void {
  const lines: string[] = [];
  let count = 0;
  for (const [ns, key, item] of items) {
    lines.push(JSON.stringify([ns, key, sealing.toDisk(ns, key, item)]));
    count += 1;
  }
  const fd = fs.openSync(file, 'w', FILE_MODE);
  try {
    let chunk = `${JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, generation, items: count })}\n`;
    for (const line of lines) {
      chunk += `${line}\n`;
      if (chunk.length >= WRITE_CHUNK_BYTES) {
        writeFully(fd, Buffer.from(chunk, 'utf8'));
        chunk = '';
      }
    }
    writeFully(fd, Buffer.from(chunk, 'utf8'));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Makes an existing directory 0700 and the files in it 0600, as a new one is created: a directory written by an
 * earlier version (0755, files 0644) stops being readable by other users. Entries it may not change are left as they are.
 */
function tighten(directory: string): void {
  chmodAtMost(directory, DIRECTORY_MODE);
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    if (entry.isFile()) chmodAtMost(path.join(directory, entry.name), FILE_MODE);
  }
}

function chmodAtMost(target: string, mode: number): void {
  try {
    if ((fs.statSync(target).mode & 0o777 & ~mode) !== 0) fs.chmodSync(target, mode);
  } catch {
    // Not ours to change (another owner, a read-only mount): the open goes on with what is there.
  }
}

function removeStaleLogs(directory: string, generation: number): void {
  for (const name of fs.readdirSync(directory)) {
    const match = LOG_PATTERN.exec(name);
    if (match === null) {
      continue;
    }
    const logGeneration = Number(match[1]);
    if (logGeneration > generation && fs.statSync(path.join(directory, name)).size === 0) {
      // Created by a compaction that crashed before its snapshot was renamed into place.
      fs.rmSync(path.join(directory, name), { force: true });
    } else if (logGeneration > generation) {
      throw new Error(
        `${path.join(directory, name)} is newer than the snapshot (generation ${generation}); refusing to guess`,
      );
    }
    if (logGeneration < generation) {
      fs.rmSync(path.join(directory, name), { force: true });
    }
  }
}

function writeFully(fd: number, data: Buffer): void {
  let written = 0;
  while (written < data.length) {
    written += fs.writeSync(fd, data, written, data.length - written);
  }
}

// Makes a create, rename or unlink in `directory` itself durable (Linux needs the directory fsynced for that).
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(directory, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; durability of the entries is then up to the OS.
  } finally {
    if (fd !== undefined) {
      fs.closeSync(fd);
    }
  }
}

const CRC_TABLE = buildCrcTable();
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE) of `data`; Node's zlib.crc32 where available (Node ≥ 20.15), softwareCrc32 otherwise. */
export function crc32(data: Uint8Array): number {
  return nativeCrc32 !== undefined ? nativeCrc32(data) : softwareCrc32(data);
}

/** Table-driven CRC-32 (IEEE), for Node versions without zlib.crc32; both must agree bit for bit. */
export function softwareCrc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
}
