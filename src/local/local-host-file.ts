/**
 * `DATA_DIR/local-host.json`: where a running `npm start` can be reached, and the admin page's key, for local
 * tools on the same machine (`npm run demo`). Written by `npm start` with owner-only permissions; the key is kept
 * in the same data directory's store already, so the file grants nothing the directory did not.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The file's name inside the data directory. */
export const LOCAL_HOST_FILE = 'local-host.json';

/** What the file says. */
export interface LocalHostFile {
  readonly scimBaseUrl: string;
  readonly adminUrl: string;
  readonly adminKey: string;
  readonly emulatorStateUrl?: string;
}

/** Writes the file (mode 0600). */
export function writeLocalHostFile(dataDir: string, content: LocalHostFile): void {
  writeFileSync(path.join(dataDir, LOCAL_HOST_FILE), `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
}

/** Reads the file, or undefined when there is none (or it is not what `npm start` writes). */
export function readLocalHostFile(dataDir: string): LocalHostFile | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path.join(dataDir, LOCAL_HOST_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const record = json as Record<string, unknown>;
  if (typeof record.scimBaseUrl !== 'string' || typeof record.adminUrl !== 'string' || typeof record.adminKey !== 'string') return undefined;
  return {
    scimBaseUrl: record.scimBaseUrl,
    adminUrl: record.adminUrl,
    adminKey: record.adminKey,
    ...(typeof record.emulatorStateUrl === 'string' ? { emulatorStateUrl: record.emulatorStateUrl } : {}),
  };
}
