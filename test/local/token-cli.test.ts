/** `npm run token`: the token CLI over a data directory, as an operator runs it (a child process). */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../..');

jest.setTimeout(60_000);

describe('npm run token', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'token-cli-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  async function token(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      ...process.env,
      DATA_DIR: path.join(root, 'data'),
      DATA_KEY_FILE: path.join(root, 'data.key'),
      NO_COLOR: '1',
    };
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/local/token-cli.ts', ...args], {
        cwd: REPO,
        env,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('refuses to rotate while two tokens are valid, says what to do, and revokes nothing', async () => {
    expect((await token('issue', '--label', 'first')).code).toBe(0);
    expect((await token('rotate', '--overlap-hours', '24')).code).toBe(0);
    const refused = await token('rotate', '--overlap-hours', '24');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /2 tokens are valid already: …\S{4} \(created .*\) and …\S{4} .*revoke the one your identity provider no longer uses, then rotate/,
    );
    const listed = await token('list');
    expect(listed.stdout.trim().split('\n')).toHaveLength(2);
  });
});
