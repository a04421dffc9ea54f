/**
 * Durability under `kill -9`: a child process performs sequential acknowledged writes to a data directory and is
 * killed with SIGKILL; every write it acknowledged must be there when the directory is reopened.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createLocalKvs, createLocalKvsService } from '../../../src/storage/local-kvs';
import { CRASH_ENTITIES } from './fixtures/crash-entities';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const WRITER = path.join(__dirname, 'fixtures', 'crash-writer.ts');

// Runs the writer until it has acknowledged `count` writes, kills it with SIGKILL and returns the acknowledged keys.
async function writeThenKill(dataDir: string, firstIndex: number, count: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir, String(firstIndex)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.split('\n').length > count) {
      child.kill('SIGKILL');
    }
  });
  const signal = await exited;
  expect(errors).toBe('');
  expect(signal).toBe('SIGKILL');
  // A line cut short by the kill is not counted as acknowledged.
  return output.split('\n').slice(0, -1);
}

describe('crash durability', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kvs-crash-'));
  });

  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write of a process killed with SIGKILL, across repeated crashes', async () => {
    const acknowledged: string[] = [];
    acknowledged.push(...(await writeThenKill(dataDir, 0, 400)));
    // The second writer takes over the dead writer's lock and appends after whatever the kill left in the log.
    acknowledged.push(...(await writeThenKill(dataDir, 100_000, 400)));
    expect(acknowledged.length).toBeGreaterThanOrEqual(800);

    // Reads back every acknowledged write as fast as the system clock allows, past 1,000 requests per second.
    const service = createLocalKvsService({ entities: CRASH_ENTITIES, dataDir, quotaMode: 'record' });
    const kvs = createLocalKvs(service);
    const missing: string[] = [];
    for (const key of acknowledged) {
      const i = Number(key.slice('ack-'.length));
      const found =
        i % 3 === 0
          ? (await kvs.get<{ i: number }>(key))?.i === i
          : i % 3 === 1
            ? (await kvs.entity<{ n: number }>('record').get(key))?.n === i
            : (await kvs.get(key)) === i && (await kvs.get(`${key}-pair`)) === i;
      if (!found) {
        missing.push(key);
      }
    }
    expect(missing).toEqual([]);
    await service.close();
  }, 20_000);
});
