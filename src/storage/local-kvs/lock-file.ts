/**
 * An exclusive lock on a data directory, so two processes never append to the same log. The lock is a file holding
 * the owner's pid, created with O_EXCL; a lock whose pid is no longer running is stale and taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const LOCK_FILE = 'LOCK';

/** A held lock; release it when the store is closed. */
export interface DirectoryLock {
  /** Removes the lock file if it is still ours. */
  release(): void;
}

/** Takes the lock on `directory` or throws an Error naming the process holding it. */
export function lockDirectory(directory: string): DirectoryLock {
  const lockPath = path.join(directory, LOCK_FILE);
  const pid = String(process.pid);
  // Two attempts: the second one follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      // 0600 like every file of the data directory (data-directory.ts).
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      try {
        fs.writeSync(fd, pid);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return { release: () => releaseLock(lockPath, pid) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
    const owner = readOwner(lockPath);
    if (owner !== undefined && isRunning(owner)) {
      throw new Error(`Data directory ${directory} is locked by running process ${owner}`);
    }
    // A pid that is not running left a stale lock (a crash or kill -9); it is safe to take over.
    fs.rmSync(lockPath, { force: true });
  }
  throw new Error(`Could not lock data directory ${directory}: another process took the lock concurrently`);
}

function readOwner(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// Signal 0 only checks for existence; EPERM means the process exists but belongs to another user. A killed
// process whose parent has not reaped it yet is a zombie: it still answers signal 0 but holds nothing, and
// `kill -9` of `npm start` leaves exactly that for a moment, so on Linux its state in /proc decides.
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the parenthesised command name, which may itself contain spaces or ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

function releaseLock(lockPath: string, pid: string): void {
  try {
    if (fs.readFileSync(lockPath, 'utf8') === pid) {
      fs.rmSync(lockPath, { force: true });
    }
  } catch {
    // Already gone: nothing to release.
  }
}
