/**
 * Tokens from the environment, over real processes of `npm start`: SCIM_BEARER_TOKEN and ADMIN_KEY must be strong,
 * SCIM_BEARER_TOKEN is adopted once (revoked on the admin page, it stays revoked across restarts), and meeting two
 * valid tokens it is not adopted but the host starts and says why.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killAllLocalHostProcesses, startLocalHostProcess, type LocalHostProcess } from '../support/local-host-process';

jest.setTimeout(90_000);

const tempDirs: string[] = [];
const ADMIN_KEY = randomBytes(32).toString('base64url');

function newDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'scim-env-tokens-'));
  tempDirs.push(dir);
  return dir;
}

function strongToken(): string {
  return randomBytes(32).toString('base64');
}

async function scimStatus(host: LocalHostProcess, token: string): Promise<number> {
  const response = await fetch(`${host.scimBaseUrl}/ServiceProviderConfig`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  await response.text();
  return response.status;
}

/** Calls an admin resolver through the local bridge, as the admin page does. */
async function admin<T>(host: LocalHostProcess, key: string, payload?: unknown): Promise<T> {
  const response = await fetch(`${new URL(host.scimBaseUrl).origin}/admin/api/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
    body: JSON.stringify({ key, payload }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { result?: T; error?: unknown };
  if (body.error !== undefined) throw new Error(`${key}: ${JSON.stringify(body.error)}`);
  return body.result as T;
}

afterAll(async () => {
  await killAllLocalHostProcesses();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('tokens from the environment', () => {
  it.each([
    ['SCIM_BEARER_TOKEN', { SCIM_BEARER_TOKEN: 'a' }],
    ['ADMIN_KEY', { ADMIN_KEY: 'short-admin-key' }],
  ])('refuses to start with a weak %s and says how to make one', async (name, env) => {
    const started = startLocalHostProcess({ dataDir: newDataDir(), env, ...(name === 'SCIM_BEARER_TOKEN' ? { bearerToken: 'a' } : {}) });
    await expect(started).rejects.toThrow(new RegExp(`exited \\(code 1.*\\n[\\s\\S]*${name} is too weak: .* at least 32 characters and 128 bits .*Make one with: openssl rand -base64 32`));
  });

  it('keeps a SCIM_BEARER_TOKEN revoked on the admin page revoked across a restart, and says how to issue another', async () => {
    const dataDir = newDataDir();
    const token = strongToken();
    const first = await startLocalHostProcess({ dataDir, bearerToken: token, env: { ADMIN_KEY } });
    expect(first.stdout()).toContain(`SCIM bearer token: the value of SCIM_BEARER_TOKEN (…${token.slice(-4)}), adopted now`);
    expect(await scimStatus(first, token)).toBe(200);
    const listed = await admin<{ id: string; suffix: string }[]>(first, 'tokens/list');
    const adopted = listed.find((t) => t.suffix === token.slice(-4));
    expect(adopted).toBeDefined();
    expect(await admin(first, 'tokens/revoke', { id: adopted?.id })).toMatchObject({ revoked: true, token: { label: 'SCIM_BEARER_TOKEN' } });
    await first.stop();

    const second = await startLocalHostProcess({ dataDir, bearerToken: token, env: { ADMIN_KEY } });
    expect(second.stdout()).toMatch(
      new RegExp(`SCIM bearer token: SCIM_BEARER_TOKEN \\(…${token.slice(-4).replace(/[+/]/g, '\\$&')}\\) was revoked on \\d{4}-\\d{2}-\\d{2} and stays invalid; no token is valid now.*npm run token -- issue.*openssl rand -base64 32`),
    );
    expect(second.stdout()).not.toContain(token);
    expect(await scimStatus(second, token)).toBe(401);
    await second.stop();
  });

  it('starts with SCIM_BEARER_TOKEN while two other tokens are valid, without adopting it or revoking either', async () => {
    const dataDir = newDataDir();
    const first = await startLocalHostProcess({ dataDir, env: { ADMIN_KEY } });
    const generated = first.generatedToken as string;
    const issued = await admin<{ token: string }>(first, 'tokens/issue', { label: 'second' });
    await first.stop();

    const token = strongToken();
    const second = await startLocalHostProcess({ dataDir, bearerToken: token, env: { ADMIN_KEY } });
    expect(second.stdout()).toContain(
      `SCIM bearer token: SCIM_BEARER_TOKEN (…${token.slice(-4)}) is NOT accepted: 2 other tokens are valid (…${generated.slice(-4)}, …${issued.token.slice(-4)}) and no more may be.`,
    );
    expect(await scimStatus(second, token)).toBe(401);
    expect(await scimStatus(second, generated)).toBe(200);
    expect(await scimStatus(second, issued.token)).toBe(200);
    await second.stop();
  });
});
