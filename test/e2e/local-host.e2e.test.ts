/**
 * End-to-end tests of `npm start`: the local host runs as a real child process and is spoken to over real HTTP,
 * covering what an operator relies on: the startup output, bearer tokens, persistence across restarts and a crash.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killAllLocalHostProcesses, startLocalHostProcess, type LocalHostProcess } from '../support/local-host-process';

// Each test starts the host one to three times; npx + tsx start-up takes a few seconds on a busy 2-core machine.
jest.setTimeout(60_000);

const SCIM_MEDIA_TYPE = 'application/scim+json';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** One exchange as seen on the wire. */
interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  // SCIM bodies are arbitrary JSON; the assertions below name the fields they read.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly headers: Headers;
}

/** Every SCIM exchange of the current test, so that the media type of every response can be checked at the end. */
let exchanges: Exchange[] = [];
const tempDirs: string[] = [];

/**
 * The data directory's lock file (see src/storage/local-kvs/lock-file.ts): a clean shutdown removes it, a SIGKILL
 * leaves it behind, so its presence tells the two apart. (With npx in front, the exit status seen here is npx's.)
 */
function holdsLock(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'LOCK'));
}

/**
 * Whether the lock is gone within seconds of a clean stop: `npm start` runs the server under tsx, and the process the
 * test waits for can exit a moment before the server it forwarded the signal to has released it. Under a loaded CI
 * run (a full suite beside a benchmark) the release once took longer than 5 s, so the wait is 20 s.
 */
async function lockReleased(dataDir: string): Promise<boolean> {
  for (let waited = 0; waited < 20_000; waited += 100) {
    if (!holdsLock(dataDir)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !holdsLock(dataDir);
}

/** A token as strong as SCIM_BEARER_TOKEN must be (src/auth/token-strength.ts): 256 random bits. */
function newToken(): string {
  return `e2e-${randomBytes(32).toString('base64url')}`;
}

function newDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'scim-e2e-'));
  tempDirs.push(dir);
  return dir;
}

async function scim(
  host: LocalHostProcess,
  method: string,
  pathAndQuery: string,
  options: { token?: string | null; body?: unknown } = {},
): Promise<Exchange> {
  const headers: Record<string, string> = { accept: SCIM_MEDIA_TYPE };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = SCIM_MEDIA_TYPE;
  const url = `${host.scimBaseUrl}${pathAndQuery}`;
  const response = await fetch(url, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const exchange: Exchange = { method, url, status: response.status, contentType: response.headers.get('content-type'), text, body, headers: response.headers };
  exchanges.push(exchange);
  return exchange;
}

function userBody(userName: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    userName,
    externalId: randomUUID(),
    active: true,
    displayName: `E2E ${userName}`,
    name: { givenName: 'E2E', familyName: userName },
    emails: [{ value: userName, type: 'work', primary: true }],
  };
}

/** A user as listed; only the fields the assertions read. */
interface ListedUser {
  readonly id: string;
  readonly userName: string;
  readonly name?: { familyName?: string };
  readonly emails?: { value?: string }[];
}

/** Lists every user page by page (count=100), bounded by the totalResults the first page announces. */
async function listAllUsers(host: LocalHostProcess, token: string): Promise<{ total: number; users: ListedUser[] }> {
  const first = await scim(host, 'GET', '/Users?startIndex=1&count=100', { token });
  expect(first.status).toBe(200);
  const total = Number(first.body.totalResults);
  const users: ListedUser[] = [...first.body.Resources];
  const pages = Math.ceil(total / 100);
  for (let page = 1; page < pages && page < 100; page += 1) {
    const next = await scim(host, 'GET', `/Users?startIndex=${page * 100 + 1}&count=100`, { token });
    expect(next.status).toBe(200);
    users.push(...next.body.Resources);
  }
  return { total, users };
}

/** Runs `task` over `items` with at most `limit` in flight; used to make the crash test's writes overlap. */
async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * POSTs `totalBytes` of zeros to `url`, produced 64 KiB at a time as the socket drains (never held in memory), and
 * resolves with the status once an answer arrives; the upload stops then (the server may already have cut it off).
 */
function streamZeros(url: string, headers: Record<string, string>, totalBytes: number): Promise<{ status: number; written: number }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024);
    let written = 0;
    let done = false;
    const req = httpRequest(url, { method: 'POST', headers, agent: false }, (res) => {
      done = true;
      res.resume();
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, written });
      });
    });
    req.on('error', (error) => (done ? undefined : reject(error)));
    const pump = (): void => {
      while (!done && !req.destroyed && written < totalBytes) {
        written += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!done && !req.destroyed) req.end();
    };
    pump();
  });
}

/** The peak resident set size of a process (VmHWM in /proc/<pid>/status), in MiB. */
function peakResidentMiB(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`No VmHWM for process ${pid}`);
  return Number(match[1]) / 1024;
}

function expectScimError(exchange: Exchange, status: number): void {
  expect(exchange.status).toBe(status);
  expect(exchange.body?.schemas).toEqual([ERROR_SCHEMA]);
  expect(exchange.body?.status).toBe(String(status));
  expect(typeof exchange.body?.detail).toBe('string');
}

beforeEach(() => {
  exchanges = [];
});

afterEach(() => {
  // RFC 7644 section 8.1: every SCIM response body is application/scim+json, errors and 401s included.
  const offending = exchanges
    .filter((e) => !(e.status === 204 && e.text === '') && e.contentType?.split(';')[0]?.trim().toLowerCase() !== SCIM_MEDIA_TYPE)
    .map((e) => `${e.method} ${e.url} -> ${e.status} ${e.contentType}`);
  expect(offending).toEqual([]);
  expect(exchanges.length).toBeGreaterThan(0);
});

afterAll(async () => {
  await killAllLocalHostProcesses();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start (the local host as a process)', () => {
  it('prints its base URL and a generated token once; the token survives a restart and the data with it', async () => {
    const dataDir = newDataDir();
    const first = await startLocalHostProcess({ dataDir });
    expect(first.scimBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
    expect(first.stdout()).toContain(`SCIM base URL: ${first.scimBaseUrl}\n`);
    const token = first.generatedToken;
    expect(token).toEqual(expect.stringMatching(/^\S{32,}$/));
    expect(first.stdout().split(token as string).length - 1).toBe(1);

    const config = await scim(first, 'GET', '/ServiceProviderConfig', { token });
    expect(config.status).toBe(200);
    expect(config.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);

    const userName = `persist-${randomUUID()}@example.com`;
    const created = await scim(first, 'POST', '/Users', { token, body: userBody(userName) });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect(created.headers.get('location')).toBe(`${first.scimBaseUrl}/Users/${id}`);
    const patched = await scim(first, 'PATCH', `/Users/${id}`, {
      token,
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched before restart' }] },
    });
    expect([200, 204]).toContain(patched.status);
    expect(holdsLock(dataDir)).toBe(true);
    await first.stop();
    expect(await lockReleased(dataDir)).toBe(true);

    const second = await startLocalHostProcess({ dataDir });
    expect(second.generatedToken).toBeUndefined();
    expect(second.stdout()).not.toContain(token);
    expect(second.stdout()).toContain(`already configured (…${(token as string).slice(-4)})`);

    const read = await scim(second, 'GET', `/Users/${id}`, { token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, userName, displayName: 'Patched before restart', active: true });
    expect(read.body.meta.location).toBe(`${second.scimBaseUrl}/Users/${id}`);
    const found = await scim(second, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, { token });
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(id);
    await second.stop();
    expect(await lockReleased(dataDir)).toBe(true);
  });

  it('accepts the token given in SCIM_BEARER_TOKEN and prints none of its own', async () => {
    const token = newToken();
    const host = await startLocalHostProcess({ dataDir: newDataDir(), bearerToken: token });
    expect(host.generatedToken).toBeUndefined();
    expect(host.stdout()).toContain('SCIM bearer token: the value of SCIM_BEARER_TOKEN');
    expect(host.stdout()).not.toContain(token);

    const list = await scim(host, 'GET', '/Users', { token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ totalResults: 0, schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'] });
    expectScimError(await scim(host, 'GET', '/Users', { token: `${token}x` }), 401);
    await host.stop();
  });

  it('answers 401 without a valid token and SCIM 404 errors for unknown paths, all as application/scim+json', async () => {
    const token = newToken();
    const host = await startLocalHostProcess({ dataDir: newDataDir(), bearerToken: token });

    const anonymous = await scim(host, 'GET', '/Users', { token: null });
    expectScimError(anonymous, 401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectScimError(await scim(host, 'POST', '/Users', { token: null, body: userBody('anon@example.com') }), 401);
    expectScimError(await scim(host, 'GET', '/ServiceProviderConfig', { token: 'not-a-token' }), 401);

    expectScimError(await scim(host, 'GET', '/NoSuchEndpoint', { token }), 404);
    expectScimError(await scim(host, 'GET', `/Users/${randomUUID()}`, { token }), 404);
    expectScimError(await scim(host, 'GET', `/Groups/${randomUUID()}`, { token }), 404);
    expectScimError(await scim(host, 'DELETE', `/Users/${randomUUID()}`, { token }), 404);
    expectScimError(await scim(host, 'GET', '/Users/a/b', { token }), 404);
    expectScimError(await scim(host, 'GET', '', { token }), 404);

    // Successful answers of every kind are SCIM media too (checked after the test for every exchange).
    expect((await scim(host, 'GET', '/Schemas', { token })).status).toBe(200);
    expect((await scim(host, 'GET', '/ResourceTypes', { token })).status).toBe(200);
    const created = await scim(host, 'POST', '/Users', { token, body: userBody('media@example.com') });
    expect(created.status).toBe(201);
    expectScimError(await scim(host, 'POST', '/Users', { token, body: userBody('media@example.com') }), 409);
    expect((await scim(host, 'DELETE', `/Users/${created.body.id}`, { token })).status).toBe(204);
    await host.stop();
  });

  it('loses no acknowledged POST when killed with SIGKILL right after a burst', async () => {
    const dataDir = newDataDir();
    const token = newToken();
    // The `node` launcher makes the server this test's direct child, so SIGKILL hits the server process itself.
    const host = await startLocalHostProcess({ dataDir, bearerToken: token, launcher: 'node' });
    const userNames = Array.from({ length: 150 }, (_, i) => `burst-${i}-${randomUUID()}@example.com`);
    const acknowledged = await inParallel(userNames, 8, async (userName) => {
      const created = await scim(host, 'POST', '/Users', { token, body: userBody(userName) });
      expect(created.status).toBe(201);
      return { id: created.body.id as string, userName };
    });
    // No pause, no graceful shutdown: the process dies with whatever it has not flushed.
    const exit = await host.kill();
    expect(exit.signal).toBe('SIGKILL');
    expect(holdsLock(dataDir)).toBe(true);

    const restarted = await startLocalHostProcess({ dataDir, bearerToken: token });
    const { total, users } = await listAllUsers(restarted, token);
    const ids = users.map((u) => u.id);
    expect(total).toBe(acknowledged.length);
    expect([...ids].sort()).toEqual(acknowledged.map((a) => a.id).sort());
    const sample = acknowledged[acknowledged.length - 1];
    const read = await scim(restarted, 'GET', `/Users/${sample?.id}`, { token });
    expect(read.status).toBe(200);
    expect(read.body.userName).toBe(sample?.userName);
    await restarted.stop();
  });

  it('keeps every acknowledged POST and no torn user when killed with SIGKILL while writes are in flight', async () => {
    const dataDir = newDataDir();
    const token = newToken();
    const host = await startLocalHostProcess({ dataDir, bearerToken: token, launcher: 'node' });
    const attempted = new Set<string>();
    const acknowledged = new Map<string, string>();
    let killing: Promise<unknown> | undefined;
    // At most 400 attempts; the kill comes after 100 acknowledgements, with up to 8 requests still on the wire.
    const attempts = Array.from({ length: 400 }, (_, i) => `inflight-${i}-${randomUUID()}@example.com`);
    await inParallel(attempts, 8, async (userName) => {
      if (killing) return;
      attempted.add(userName);
      try {
        const created = await scim(host, 'POST', '/Users', { token, body: userBody(userName) });
        if (created.status === 201) acknowledged.set(created.body.id, userName);
      } catch {
        // The connection died with the process: this write was never acknowledged.
      }
      if (acknowledged.size >= 100 && !killing) killing = host.kill();
    });
    await killing;
    expect(acknowledged.size).toBeGreaterThanOrEqual(100);

    const restarted = await startLocalHostProcess({ dataDir, bearerToken: token });
    const { total, users } = await listAllUsers(restarted, token);
    const ids = new Set(users.map((u) => u.id));
    expect(ids.size).toBe(total);
    expect([...acknowledged.keys()].filter((id) => !ids.has(id))).toEqual([]);
    // Beyond the acknowledged ones, only the few that were on the wire may have made it, and each one whole.
    expect(users.filter((u) => !acknowledged.has(u.id)).length).toBeLessThanOrEqual(8);
    const torn = users.filter(
      (u) => !attempted.has(u.userName) || u.name?.familyName !== u.userName || u.emails?.[0]?.value !== u.userName,
    );
    expect(torn).toEqual([]);
    await restarted.stop();
  });

  it('requires the printed emulator key on the emulated APIs it serves beside SCIM', async () => {
    const token = newToken();
    const host = await startLocalHostProcess({ dataDir: newDataDir(), bearerToken: token });
    const origin = new URL(host.scimBaseUrl).origin;
    const key = host.emulatorKey;
    expect(key).toEqual(expect.stringMatching(/^emu_[A-Za-z0-9_-]{43}$/));
    expect((await scim(host, 'POST', '/Users', { token, body: userBody('pushed@example.com') })).status).toBe(201);
    const search = `${origin}/emulated/admin/v2/orgs/emulated-org/directories/emulated-directory/users/search`;
    const post = (authorization: string): Promise<Response> =>
      fetch(search, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(10_000) });
    expect((await post('Bearer x')).status).toBe(401);
    expect((await post(`Bearer ${token}`)).status).toBe(401);
    expect((await post(`Bearer ${key}`)).status).toBe(200);
    const projects = `${origin}/emulated/bitbucket/2.0/workspaces/emulated-workspace/projects`;
    const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    expect((await fetch(projects, { headers: { authorization: basic('admin@emulated.example', 'x') } })).status).toBe(401);
    expect((await fetch(projects, { headers: { authorization: basic('admin@emulated.example', key as string) } })).status).toBe(200);
    await host.stop();
  });

  it('refuses 600 MiB sent to an emulator path without holding it, and serves SCIM right after, under 500 MiB peak', async () => {
    const token = newToken();
    // The `node` launcher makes the server this test's direct child, so its pid is the server's.
    const host = await startLocalHostProcess({ dataDir: newDataDir(), bearerToken: token, launcher: 'node' });
    const origin = new URL(host.scimBaseUrl).origin;
    const size = 600 * 1024 * 1024;
    const anonymous = await streamZeros(`${origin}/emulated/admin/x`, { 'content-type': 'application/octet-stream' }, size);
    expect([401, 413]).toContain(anonymous.status);
    const chunked = await streamZeros(`${origin}/emulated/admin/v2/orgs/emulated-org/directories`, { authorization: `Bearer ${host.emulatorKey}` }, size);
    expect(chunked.status).toBe(413);
    const declared = await streamZeros(`${origin}/emulated/admin/x`, { authorization: `Bearer ${host.emulatorKey}`, 'content-length': String(size) }, size);
    expect(declared.status).toBe(413);

    const after = await scim(host, 'GET', '/ServiceProviderConfig', { token });
    expect(after.status).toBe(200);
    const peak = peakResidentMiB(host.pid);
    console.log(`Peak VmHWM of the local host after 3 × 600 MiB refused: ${peak.toFixed(1)} MiB (client pushed ${anonymous.written}, ${chunked.written} and ${declared.written} bytes before the answers)`);
    expect(peak).toBeLessThan(500);
    await host.stop();
  });
});
