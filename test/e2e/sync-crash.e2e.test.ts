/**
 * Killing the local host mid-sync (`kill -9`) and restarting it converges with nothing lost. The emulated
 * Atlassian APIs run as a process of their own (emulators/serve.ts), so their state outlives the host; the host
 * reaches them through ATLASSIAN_ADMIN_BASE_URL / BITBUCKET_BASE_URL with emulator credentials and a settings
 * file naming the emulated org, directory and workspace. The host is killed while the emulators' write log shows
 * some but not all of the sync's writes, restarted on the same DATA_DIR, and must then make the emulated
 * organization equal to what the SCIM directory implies, exactly, without repeating a remote write.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EMULATED_BITBUCKET_RESOURCE_ID, EMULATED_DIRECTORY_ID, EMULATED_ORG_ID, EMULATED_WORKSPACE_SLUG } from '../../emulators/seed';
import type { EmulatorSnapshot } from '../../emulators/snapshot';
import { killAllEmulatorProcesses, startEmulatorProcess, type EmulatorProcess } from '../support/emulator-process';
import { killAllLocalHostProcesses, startLocalHostProcess } from '../support/local-host-process';
import { SYNC_LANES } from '../../src/sync/jobs';
import { actualState, appliedChanges, directoryOverScim, expectedState, populate, repeatedWrites, scimOverHttp, type OrgState } from '../support/sync-state';

// Three process starts (emulators, host, host again) at a few seconds each, the load, the sync and its resumption.
jest.setTimeout(240_000);

// As strong as SCIM_BEARER_TOKEN must be (src/auth/token-strength.ts).
const TOKEN = 'sync-crash-e2e-token-Qm7vX2pL9sT4wZ8kR1nB5yH3';
const USERS = 300;
const GROUPS = 30;
/** Real milliseconds the emulators add to every request: the sync takes several seconds, so the kill lands inside it. */
const LATENCY_MS = 4;

const tempDirs: string[] = [];

afterAll(async () => {
  await killAllLocalHostProcesses();
  await killAllEmulatorProcesses();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'scim-sync-crash-'));
  tempDirs.push(dir);
  return dir;
}

function stateOf(snapshot: EmulatorSnapshot): OrgState {
  return actualState(snapshot.admin);
}

function writesOf(snapshot: EmulatorSnapshot): number {
  return appliedChanges(snapshot.writeLog.admin, snapshot.writeLog.bitbucket);
}

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the emulated organization has equalled `expected` on two reads 1.5 s apart with no write in between. */
async function converged(emulator: EmulatorProcess, expected: OrgState, timeoutMs: number): Promise<EmulatorSnapshot> {
  let last: { writes: number; equal: boolean } | undefined;
  return poll('the emulated organization to equal the expected one', timeoutMs, async () => {
    const snapshot = await emulator.snapshot();
    let equal = true;
    try {
      expect(stateOf(snapshot)).toEqual(expected);
    } catch {
      equal = false;
    }
    const writes = snapshot.writeLog.admin.length + snapshot.writeLog.bitbucket.length;
    const stable = last !== undefined && last.equal && equal && last.writes === writes;
    last = { writes, equal };
    if (stable) return snapshot;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return undefined;
  });
}

describe('kill -9 of the local host mid-sync', () => {
  it('restarts on the same data directory and converges exactly, with nothing lost and no write repeated', async () => {
    const emulator = await startEmulatorProcess({ latencyMs: LATENCY_MS });
    const dataDir = tempDir();
    const settingsFile = path.join(tempDir(), 'settings.json');
    writeFileSync(
      settingsFile,
      JSON.stringify({ target: { orgId: EMULATED_ORG_ID, directoryId: EMULATED_DIRECTORY_ID, workspace: EMULATED_WORKSPACE_SLUG, workspaceResourceId: EMULATED_BITBUCKET_RESOURCE_ID } }),
    );
    const env = {
      ATLASSIAN_ADMIN_BASE_URL: emulator.adminUrl,
      BITBUCKET_BASE_URL: emulator.bitbucketUrl,
      // The emulators accept only the key they printed, as org API key and as the admin's API token.
      ATLASSIAN_ORG_API_KEY: emulator.key,
      BITBUCKET_EMAIL: 'admin@emulated.example',
      BITBUCKET_API_TOKEN: emulator.key,
      SETTINGS_FILE: settingsFile,
    };
    // The `node` launcher makes the server this test's direct child, so SIGKILL hits the server process itself.
    let host = await startLocalHostProcess({ dataDir, bearerToken: TOKEN, launcher: 'node', env });
    expect(host.stdout()).toContain(`Atlassian APIs: ${emulator.adminUrl} and ${emulator.bitbucketUrl}`);
    const originalNames = new Map<string, string>();
    const { memberships } = await populate(scimOverHttp(host.scimBaseUrl, TOKEN), originalNames, USERS, GROUPS, 11);
    // The minimum: one invite per user, per group a create and its Bitbucket role grant, one add per membership.
    const minimum = USERS + GROUPS + GROUPS + memberships;

    // Every SCIM write is acknowledged. Kill the host twice while the sync is visibly under way: once after a
    // third of the writes (still inviting users), once after two thirds (creating groups and adding members).
    const writesAtKills: number[] = [];
    for (const share of [1 / 3, 2 / 3]) {
      const threshold = Math.floor(minimum * share);
      await poll(`${Math.round(share * 100)}% of the sync writes`, 60_000, async () => ((await emulator.counts()).writes.admin >= threshold ? true : undefined));
      const exit = await host.kill();
      expect(exit.signal).toBe('SIGKILL');
      // Anything the dead host had on the wire has reached the emulators by now.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const writesAtKill = writesOf(await emulator.snapshot());
      // The kill really happened mid-sync: beyond the threshold, yet short of the minimum the sync needs.
      expect(writesAtKill).toBeGreaterThanOrEqual(threshold);
      expect(writesAtKill).toBeLessThan(minimum);
      writesAtKills.push(writesAtKill);
      // The kill leaves the running job's leases (the default 900 s) behind; the restarted host holds the data
      // directory's lock, so it releases them at start and resumes at once.
      host = await startLocalHostProcess({ dataDir, bearerToken: TOKEN, launcher: 'node', env });
    }

    // Nothing acknowledged before the kills was lost from the directory.
    const directory = await directoryOverScim(scimOverHttp(host.scimBaseUrl, TOKEN));
    expect(directory.users).toHaveLength(USERS);
    expect(directory.groups).toHaveLength(GROUPS);
    expect(directory.groups.reduce((sum, g) => sum + g.memberIds.length, 0)).toBe(memberships);
    const expected = expectedState(directory, originalNames, new Set());
    const final = await converged(emulator, expected, 120_000);
    expect(stateOf(final)).toEqual(expected);
    expect(final.violations).toEqual({ admin: [], bitbucket: [] });
    // The last host did the rest of the work.
    expect(writesOf(final)).toBeGreaterThan(writesAtKills[1] ?? minimum);

    // No remote write was repeated beyond what a write of unknown outcome at a kill can explain. The engine re-reads
    // Atlassian before it writes, so a write a dead host applied is seen by its successor and not sent again. Each
    // sync lane runs one job at a time (src/sync/jobs.ts SYNC_LANES) and the engine applies one change at a time, so at
    // each kill at most one write per lane was on the wire with its outcome unknown to the host; even that one is
    // read back rather than repeated, as long as it reached the emulators before the successor read (it did: the
    // successor starts seconds later). So at most one repeat per lane and kill is tolerated, and the writes are the
    // minimum plus the repeats, exactly.
    const repeats = repeatedWrites(final.writeLog.admin, final.writeLog.bitbucket);
    expect(repeats.count <= writesAtKills.length * SYNC_LANES ? [] : repeats.examples).toEqual([]);
    expect(writesOf(final)).toBe(minimum + repeats.count);
    await host.stop();
  });
});
