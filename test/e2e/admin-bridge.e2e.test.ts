/**
 * The local host's admin bridge over real HTTP: the page is served under a CSP like Forge's, no file outside the
 * build is reachable, and resolver calls need the admin key and answer `{ result }` or `{ error }`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalHost, type LocalHost } from '../../src/local/local-host';

const ADMIN_KEY = 'bridge-test-key-0123456789';

describe('admin bridge', () => {
  let host: LocalHost;
  let dataDir: string;
  let staticDir: string;

  const invoke = (body: unknown, key: string | null = ADMIN_KEY): Promise<Response> =>
    fetch(`${host.url}/admin/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'x-admin-key': key }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'admin-bridge-'));
    staticDir = path.join(dataDir, 'dist');
    mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>admin</title>');
    writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(dataDir, 'secret.txt'), 'do not serve');
    host = await startLocalHost({ port: 0, host: '127.0.0.1', dataDir: path.join(dataDir, 'data'), reconcileIntervalMs: 0, adminKey: ADMIN_KEY, adminStaticDir: staticDir, logger: { error: () => undefined } });
  });

  afterAll(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints an admin URL carrying the key in its fragment', () => {
    expect(host.adminUrl).toBe(`${host.url}/admin/#key=${ADMIN_KEY}`);
  });

  it('serves the page and its assets with a strict CSP, and never a file outside the build', async () => {
    const page = await fetch(`${host.url}/admin/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("style-src 'self' 'unsafe-inline'");
    expect(await page.text()).toContain('<title>admin</title>');
    const asset = await fetch(`${host.url}/admin/assets/app.js`);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    for (const sneaky of ['/admin/..%2Fsecret.txt', '/admin/%2e%2e/secret.txt', '/admin/assets/..%2F..%2Fsecret.txt']) {
      const response = await fetch(`${host.url}${sneaky}`);
      expect(await response.text()).not.toContain('do not serve');
    }
    expect((await fetch(`${host.url}/admin`, { redirect: 'manual' })).status).toBe(308);
  });

  it('refuses calls without the right key', async () => {
    expect((await invoke({ key: 'status/get' }, null)).status).toBe(401);
    const wrong = await invoke({ key: 'status/get' }, 'nope');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { reason: 'not-signed-in' } });
  });

  it('answers results and typed failures', async () => {
    const status = await invoke({ key: 'status/get' });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ result: { ready: false, emulated: true } });
    expect(await (await invoke({ key: 'setup/save', payload: { idp: 'nope' } })).json()).toMatchObject({ error: { reason: 'invalid-input' } });
    expect(await (await invoke({ key: 'no/such' })).json()).toMatchObject({ error: { reason: 'invalid-input' } });
    expect((await invoke('{not json')).status).toBe(400);
    expect((await fetch(`${host.url}/admin/api/invoke`, { headers: { 'x-admin-key': ADMIN_KEY } })).status).toBe(405);
  });
});
