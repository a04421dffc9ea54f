/**
 * The secrets an operator gives `npm start` (SCIM token, admin key, org API key, Bitbucket API token) never come back
 * out: not on stdout or stderr, not in the audit log, an export or any admin answer, and not in the data directory,
 * whose copy alone holds none of them in clear, hex or base64 (secrets are sealed under a key kept outside it).
 * Only their last four characters may appear.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killAllLocalHostProcesses, startLocalHostProcess, type LocalHostProcess } from '../support/local-host-process';
import { leakedSecrets } from '../support/secret-forms';

jest.setTimeout(120_000);

const SECRETS = {
  scimToken: `scim-env-${randomBytes(32).toString('base64url')}`,
  adminKey: randomBytes(32).toString('base64url'),
  orgApiKey: `ATCTT3xFfGN0${randomBytes(24).toString('base64url')}`,
  bitbucketApiToken: `ATATT3x${randomBytes(24).toString('base64url')}`,
};

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'scim-secrets-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await killAllLocalHostProcesses();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Every answer of the admin bridge this test received, as text. */
const answers: string[] = [];

async function admin<T>(host: LocalHostProcess, key: string, payload?: unknown): Promise<T> {
  const response = await fetch(`${new URL(host.scimBaseUrl).origin}/admin/api/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-key': SECRETS.adminKey },
    body: JSON.stringify({ key, payload }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  answers.push(`${key}: ${text}`);
  const body = JSON.parse(text) as { result?: T; error?: unknown };
  if (body.error !== undefined) throw new Error(`${key}: ${JSON.stringify(body.error)}`);
  return body.result as T;
}

async function scim(host: LocalHostProcess, method: string, resource: string, token: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${host.scimBaseUrl}/${resource}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, text: await response.text() };
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(directory, entry.name)) : [path.join(directory, entry.name)]));
}

describe('secrets given to npm start', () => {
  it('appear nowhere it writes or answers, and a copy of the data directory alone holds none of them', async () => {
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const keyFile = path.join(root, 'config', 'data.key');
    const host = await startLocalHostProcess({ dataDir, bearerToken: SECRETS.scimToken, launcher: 'node', env: { ADMIN_KEY: SECRETS.adminKey, DATA_KEY_FILE: keyFile } });
    expect(host.stdout()).toContain(`Secrets in the data directory are encrypted with the key in ${keyFile} (created now)`);

    // The operator saves real-looking credentials; the emulators refuse them (they want their own key), so the sync
    // fails and records why: the failures must not carry the credentials either.
    const saved = await admin<{ ok: boolean }>(host, 'credentials/save', {
      orgId: 'emulated-org',
      orgApiKey: SECRETS.orgApiKey,
      bitbucketEmail: 'admin@emulated.example',
      bitbucketApiToken: SECRETS.bitbucketApiToken,
    });
    expect(saved.ok).toBe(true);
    const created = await scim(host, 'POST', 'Users', SECRETS.scimToken, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'secret-test@example.com', active: true });
    expect(created.status).toBe(201);
    const userId = (JSON.parse(created.text) as { id: string }).id;
    expect((await scim(host, 'POST', 'Groups', SECRETS.scimToken, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Secret Keepers', members: [{ value: userId }] })).status).toBe(201);
    expect((await scim(host, 'GET', 'Users', `${SECRETS.scimToken}x`)).status).toBe(401);
    const issued = await admin<{ token: string; view: { id: string } }>(host, 'tokens/issue', { label: 'second' });
    await admin(host, 'tokens/revoke', { id: issued.view.id });
    await admin(host, 'sync/run');
    // Let the sync try and fail against the emulators: the job fails on the 401 and says so on stderr.
    const deadline = Date.now() + 30_000;
    while (!host.stderr().includes('answered 401') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(host.stderr()).toContain('answered 401');

    // Every admin call, reads and the safe writes, with the answers recorded.
    const settings = await admin<Record<string, unknown>>(host, 'settings/get');
    await admin(host, 'settings/save', { settings });
    const exported = await admin<{ document: string }>(host, 'settings/export');
    await admin(host, 'settings/import', { document: exported.document });
    for (const key of ['status/get', 'scim/get-base-url', 'setup/get', 'tokens/list', 'credentials/get', 'credentials/test', 'directories/list', 'sync/activity', 'breaker/confirm'] as const) {
      await admin(host, key).catch(() => undefined);
    }
    await admin(host, 'setup/save', { idp: 'okta' });
    await admin(host, 'transform/preview', { samples: ['someone@example.com'] });
    await admin(host, 'rules/preview', {});
    for (const state of ['pending', 'synced', 'failed', 'skipped']) await admin(host, 'sync/items', { state });
    await admin(host, 'sync/retry', {});
    let cursor: string | undefined;
    do {
      const page: { cursor?: string } = await admin(host, 'audit/query', { limit: 100, ...(cursor ? { cursor } : {}) });
      cursor = page.cursor;
    } while (cursor);
    const csv = await admin<{ content: string }>(host, 'audit/export', { format: 'csv' });
    const json = await admin<{ content: string }>(host, 'audit/export', { format: 'json' });
    expect(JSON.stringify(csv).length + JSON.stringify(json).length).toBeGreaterThan(200);
    expect(answers.join('\n')).toContain('credentials-saved');

    await host.stop();
    expect({ stdout: leakedSecrets(host.stdout(), SECRETS), stderr: leakedSecrets(host.stderr(), SECRETS) }).toEqual({ stdout: [], stderr: [] });
    expect(host.stdout()).toContain(`…${SECRETS.adminKey.slice(-4)}`);
    expect(answers.flatMap((answer) => leakedSecrets(answer, SECRETS).map((leak) => `${answer.slice(0, answer.indexOf(':'))}: ${leak}`))).toEqual([]);

    // A new data directory: 0700, its files 0600.
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
    for (const file of filesUnder(dataDir)) expect([path.basename(file), (statSync(file).mode & 0o777).toString(8)]).toEqual([path.basename(file), '600']);

    // Only the data directory is copied: its files hold no secret in any form.
    const copy = path.join(tempDir(), 'copied-data');
    cpSync(dataDir, copy, { recursive: true });
    const files = filesUnder(copy);
    expect(files.length).toBeGreaterThan(0);
    expect(files.flatMap((file) => leakedSecrets(readFileSync(file), SECRETS).map((leak) => `${path.basename(file)}: ${leak}`))).toEqual([]);
    // The store really holds them: the host started with the key reads them back.
    const again = await startLocalHostProcess({ dataDir, bearerToken: SECRETS.scimToken, launcher: 'node', env: { ADMIN_KEY: SECRETS.adminKey, DATA_KEY_FILE: keyFile } });
    expect((await scim(again, 'GET', 'Users', SECRETS.scimToken)).status).toBe(200);
    expect(await admin(again, 'credentials/get')).toMatchObject({ credentials: { orgApiKey: { configured: true, suffix: SECRETS.orgApiKey.slice(-4) } } });
    await again.stop();
  });
});
