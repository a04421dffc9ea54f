/**
 * The local token CLI (first hour, item 10): a locked data directory says to stop npm start, --help is not an
 * error, rotate without flags names the flag, and revoke takes the suffix the page and `list` show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LocalHost } from '../../src/local/local-host';
import { runTokenCommand } from '../../src/local/token-command';
import { startLocalHostOn } from '../support/in-process-host';

describe('npm run token', () => {
  let dataDir: string;
  let host: LocalHost | undefined;
  let out: string[];
  let err: string[];
  const run = (...args: string[]): Promise<number> =>
    runTokenCommand(args, { dataDir, out: (l) => void out.push(l), err: (l) => void err.push(l) });

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'token-command-'));
    out = [];
    err = [];
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says to stop npm start when the data directory is locked', async () => {
    host = await startLocalHostOn(dataDir, 'token-command-token');
    expect(await run('list')).toBe(1);
    expect(err.join('\n')).toMatch(/in use by a running npm start \(process \d+\): stop npm start first/);
  });

  it('prints its usage for --help and exits 0', async () => {
    expect(await run('--help')).toBe(0);
    expect(out.join('\n')).toContain('usage: npm run token -- list');
    expect(err).toEqual([]);
    expect(await run()).toBe(2);
  });

  it('names the --overlap-hours flag when rotate lacks it', async () => {
    expect(await run('rotate')).toBe(2);
    expect(err.join('\n')).toMatch(/^rotate needs --overlap-hours N/);
    expect(err.join('\n')).not.toContain('overlapHours');
  });

  it('revokes a token by the 4-character suffix list shows, with or without the ellipsis', async () => {
    expect(await run('issue', '--label', 'one')).toBe(0);
    expect(await run('issue', '--label', 'two')).toBe(0);
    out = [];
    expect(await run('list')).toBe(0);
    const suffixes = out.map((line) => /…(\S{4})/.exec(line)?.[1] ?? '');
    expect(suffixes).toHaveLength(2);
    out = [];
    expect(await run('revoke', `…${suffixes[0]}`)).toBe(0);
    expect(out.join('\n')).toBe(`Revoked token …${suffixes[0]} (one).`);
    expect(await run('revoke', suffixes[1] ?? '')).toBe(0);
    out = [];
    expect(await run('list')).toBe(0);
    expect(out).toEqual([]);
    expect(await run('revoke', 'zzzz')).toBe(1);
    expect(err.join('\n')).toContain('No live token has the id or suffix zzzz');
  });
});
