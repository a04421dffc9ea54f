/**
 * `npm run demo` against a local host started as `npm start` does: it ends with every demo user, group, membership
 * and grant in the emulated organization, and says where to look.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EmulatorSnapshot } from '../../emulators';
import { readLocalHostFile } from '../../src/local/local-host-file';
import { DEMO_DEACTIVATED, DEMO_GROUPS, DEMO_USERS } from '../../scripts/demo/demo-directory';
import { killAllLocalHostProcesses, REPO_ROOT, startLocalHostProcess, type LocalHostProcess } from '../support/local-host-process';

jest.setTimeout(240_000);

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('npm run demo', () => {
  let dataDir: string;
  let host: LocalHostProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'demo-e2e-'));
  });
  afterAll(async () => {
    await host?.stop().catch(() => undefined);
    await killAllLocalHostProcesses();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('pushes an Entra-like directory into a running npm start and ends with all of it in the emulated organization', async () => {
    host = await startLocalHostProcess({ dataDir, launcher: 'node' });
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, NO_COLOR: '1', DEMO_TIMEOUT_SECONDS: '150' };
    for (const name of ['SCIM_BASE_URL', 'SCIM_BEARER_TOKEN', 'ADMIN_KEY']) delete env[name];
    const { code, output } = await runDemo(env);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('every demo user, group, membership and the grant are in the emulated organization') });
    expect(output).toContain('What to look at');
    expect(output).toMatch(/Ünïcode Ops -> scim-unicode-ops/);

    // Checked here too, independently of the demo's own check.
    const local = readLocalHostFile(dataDir);
    if (!local?.emulatorStateUrl) throw new Error('npm start wrote no host file with the emulator state URL');
    const snapshot = (await (await fetch(`${local.emulatorStateUrl}?logs=false`, { headers: { 'x-admin-key': local.adminKey } })).json()) as EmulatorSnapshot;
    const emails = new Set(snapshot.admin.users.map((u) => u.email));
    for (const user of DEMO_USERS) expect(emails).toContain(user.userName);
    const emailOf = new Map(snapshot.admin.users.map((u) => [u.accountId, u.email]));
    const groups = new Map(snapshot.admin.groups.map((g) => [g.name, g.members.map((id) => emailOf.get(id)).sort()]));
    expect(groups.get('scim-engineering')).toEqual(DEMO_GROUPS[0]?.members.filter((m) => m !== DEMO_DEACTIVATED).sort());
    expect(groups.get('scim-unicode-ops')).toHaveLength(10);
    expect(snapshot.bitbucket.permissions).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'project', target: 'PLAT', groupSlug: 'scim-platform-team', permission: 'write' })]));
  });
});
