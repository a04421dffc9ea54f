/**
 * Where a running `npm start` can be reached, and the admin page's key, for local tools on the same machine
 * (`npm run demo`). The file lives beside the data key, outside the data directory (a copy of the data directory
 * alone must reveal no secret), one per data directory, written owner-only in an owner-only folder.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultDataKeyFile } from '../storage/local-kvs/data-key';

/** The file of the host using `dataDir`: `<the data key's folder>/hosts/<sha-256 of the directory's path>.json`. */
export function localHostFilePath(dataDir: string): string {
  const id = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 24);
  return path.join(path.dirname(defaultDataKeyFile()), 'hosts', `${id}.json`);
}

/** What the file says. */
export interface LocalHostFile {
  readonly scimBaseUrl: string;
  readonly adminUrl: string;
  readonly adminKey: string;
  readonly emulatorStateUrl?: string;
}

/** Writes the file (mode 0600). */
export function writeLocalHostFile(dataDir: string, content: LocalHostFile): void {
  const file = localHostFilePath(dataDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
}

/** Reads the file, or undefined when there is none (or it is not what `npm start` writes). */
export function readLocalHostFile(dataDir: string): LocalHostFile | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(localHostFilePath(dataDir), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const record = json as Record<string, unknown>;
  if (
    typeof record.scimBaseUrl !== 'string' ||
    typeof record.adminUrl !== 'string' ||
    typeof record.adminKey !== 'string'
  )
    return undefined;
  return {
    scimBaseUrl: record.scimBaseUrl,
    adminUrl: record.adminUrl,
    adminKey: record.adminKey,
    ...(typeof record.emulatorStateUrl === 'string' ? { emulatorStateUrl: record.emulatorStateUrl } : {}),
  };
}
