import { createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminApiEmulator } from '../../emulators/admin-api/admin-emulator';
import { BitbucketEmulator } from '../../emulators/bitbucket/bitbucket-emulator';
import { createLinkedEmulators } from '../../emulators/linked-emulators';
import { startEmulatorServer, type EmulatorServer } from '../../emulators/emulator-server';
import { DEFAULT_MAX_BODY_BYTES, createEmulatorRequestListener, mountEmulators } from '../../emulators/http';
import { defaultServiceLimits } from '../../src/scim/service';
import { EMULATED_ORG_ID, EMULATED_WORKSPACE_SLUG } from '../../emulators/seed';
import { API_TOKEN, ORG_API_KEY } from './support/exchange';
import { EMULATED_ADMIN } from '../../emulators/seed';

const basic = `Basic ${Buffer.from(`${EMULATED_ADMIN.email}:${API_TOKEN}`).toString('base64')}`;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over a fresh connection, so a destroyed socket shows up as an error on this request only. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('emulators over loopback HTTP', () => {
  let server: Server;
  let port: number;
  let admin: AdminApiEmulator;
  let bitbucket: BitbucketEmulator;

  beforeEach(async () => {
    admin = new AdminApiEmulator();
    bitbucket = new BitbucketEmulator();
    server = createServer(createEmulatorRequestListener({ admin, bitbucket }));
    port = await listen(server);
  });

  afterEach(async () => {
    await close(server);
  });

  it('serves the Admin API under /emulated/admin', async () => {
    const response = await send(port, 'GET', `/emulated/admin/v2/orgs/${EMULATED_ORG_ID}/directories?limit=5`, {
      authorization: `Bearer ${ORG_API_KEY}`,
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toMatchObject({ data: [{ directoryId: 'emulated-directory' }] });
    expect(admin.violations).toEqual([]);
  });

  it('serves Bitbucket under /emulated/bitbucket with next links that point back at the host', async () => {
    const first = await send(
      port,
      'GET',
      `/emulated/bitbucket/2.0/workspaces/${EMULATED_WORKSPACE_SLUG}/projects?pagelen=1`,
      { authorization: basic },
    );
    const next = (JSON.parse(first.body) as { next: string }).next;
    expect(next.startsWith(`http://127.0.0.1:${port}/emulated/bitbucket/2.0/`)).toBe(true);
    const url = new URL(next);
    const second = await send(port, 'GET', `${url.pathname}${url.search}`, { authorization: basic });
    expect((JSON.parse(second.body) as { values: Array<{ key: string }> }).values.map((p) => p.key)).toEqual(['WEB']);
    expect(bitbucket.violations).toEqual([]);
  });

  it('passes request bodies through and answers 404 outside the prefixes', async () => {
    const created = await send(
      port,
      'POST',
      `/emulated/admin/v2/orgs/${EMULATED_ORG_ID}/directories/emulated-directory/groups`,
      { authorization: `Bearer ${ORG_API_KEY}`, 'content-type': 'application/json' },
      JSON.stringify({ name: 'over-http' }),
    );
    expect(created.status).toBe(201);
    expect(admin.state.groups.size).toBe(1);
    expect((await send(port, 'GET', '/elsewhere', {})).status).toBe(404);
  });

  it('destroys the socket for a dropped connection; the client sees a connection error', async () => {
    bitbucket.faults.add({ fault: { kind: 'drop' }, onCalls: [1] });
    const path = `/emulated/bitbucket/2.0/workspaces/${EMULATED_WORKSPACE_SLUG}/projects`;
    await expect(send(port, 'GET', path, { authorization: basic })).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|EPIPE/),
    });
    expect((await send(port, 'GET', path, { authorization: basic })).status).toBe(200);
  });

  it('can drop the reply after applying the write, which only a read-back reveals', async () => {
    bitbucket.state.groups.push({ slug: 'developers', name: 'Developers' });
    bitbucket.faults.add({ fault: { kind: 'drop', when: 'after-handling' }, match: { method: 'PUT' } });
    const path = `/emulated/bitbucket/2.0/repositories/${EMULATED_WORKSPACE_SLUG}/web-app/permissions-config/groups/developers`;
    await expect(
      send(port, 'PUT', path, { authorization: basic, 'content-type': 'application/json' }, '{"permission":"write"}'),
    ).rejects.toBeDefined();
    const readBack = await send(port, 'GET', path, { authorization: basic });
    expect(JSON.parse(readBack.body)).toMatchObject({ permission: 'write' });
  });
});

/** A request whose body is streamed in 64 KiB chunks up to `totalBytes`; resolves with the answer and the bytes the client got out. */
function stream(
  port: number,
  path: string,
  headers: Record<string, string>,
  totalBytes: number,
): Promise<{ status: number; body: string; written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered: { status: number; body: string } | undefined;
    const chunk = Buffer.alloc(64 * 1024);
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (data: Buffer) => chunks.push(data));
      res.on('end', () => {
        answered = { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
        req.destroy();
        resolve({ ...answered, written });
      });
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const pump = (): void => {
      while (written < totalBytes && answered === undefined && !req.destroyed) {
        written += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (written >= totalBytes && !req.destroyed) req.end();
    };
    pump();
  });
}

describe('served emulators with a key and a body limit', () => {
  const KEY = 'emu_test-key-0123456789abcdefghijklmnopqrstuv';
  const LIMIT = 64 * 1024;
  const users = `/emulated/admin/v2/orgs/${EMULATED_ORG_ID}/directories/emulated-directory/users/search`;
  const projects = `/emulated/bitbucket/2.0/workspaces/${EMULATED_WORKSPACE_SLUG}/projects`;
  const basicWith = (email: string, token: string): string =>
    `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;
  let server: Server;
  let port: number;

  beforeEach(async () => {
    const { admin, bitbucket } = createLinkedEmulators({ key: KEY });
    server = createServer(createEmulatorRequestListener({ admin, bitbucket, maxBodyBytes: LIMIT }));
    port = await listen(server);
  });

  afterEach(async () => {
    await close(server);
  });

  it('limits bodies to what SCIM accepts by default', () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(defaultServiceLimits.maxBodyBytes);
  });

  it('answers 401 to any credential but the key, as the real APIs answer a wrong one', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await send(port, 'POST', users, { ...json, authorization: 'Bearer x' }, '{}')).status).toBe(401);
    expect((await send(port, 'POST', users, json, '{}')).status).toBe(401);
    expect((await send(port, 'POST', users, { ...json, authorization: `Bearer ${KEY}` }, '{}')).status).toBe(200);
    expect((await send(port, 'GET', projects, { authorization: basicWith(EMULATED_ADMIN.email, 'x') })).status).toBe(
      401,
    );
    expect((await send(port, 'GET', projects, { authorization: basicWith('someone@example.com', KEY) })).status).toBe(
      401,
    );
    expect((await send(port, 'GET', projects, { authorization: 'Bearer x' })).status).toBe(401);
    const refused = await send(port, 'GET', projects, {
      authorization: basicWith(EMULATED_ADMIN.email.toUpperCase(), `${KEY}x`),
    });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ type: 'error', error: { message: expect.any(String) } });
    expect(
      (await send(port, 'GET', projects, { authorization: basicWith(EMULATED_ADMIN.email.toUpperCase(), KEY) })).status,
    ).toBe(200);
  });

  it('answers 401 from the headers without waiting for a body it would not read', async () => {
    // 1 GiB announced, 5 bytes sent: only an answer that does not wait for the body arrives.
    const answer = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: users,
          agent: false,
          headers: { authorization: 'Bearer x', 'content-length': String(2 ** 30) },
        },
        (res) => {
          resolve(res.statusCode ?? 0);
          res.resume();
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write('hello');
    });
    expect(answer).toBe(401);
  });

  it('answers 413 to a Content-Length over the limit before reading a byte', async () => {
    const answer = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: users,
          agent: false,
          headers: { authorization: `Bearer ${KEY}`, 'content-length': String(LIMIT + 1) },
        },
        (res) => {
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
          res.resume();
          req.destroy();
        },
      );
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(answer).toEqual({ status: 413, connection: 'close' });
  });

  it('stops reading a chunked body at the limit and answers 413', async () => {
    const total = 64 * 1024 * 1024;
    const result = await stream(
      port,
      users,
      { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      total,
    );
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual({ error: { message: `The request body exceeds ${LIMIT} bytes` } });
    // The server closed the connection: the client could not push the whole body (socket buffers hold a few MiB).
    expect(result.written).toBeLessThan(total / 2);
  });
});

describe('the emulator server', () => {
  let emulator: EmulatorServer;

  afterEach(async () => {
    await emulator.close();
  });

  it('generates a key, requires it for its state and counts, and serves the APIs only with it', async () => {
    emulator = await startEmulatorServer({ port: 0, host: '127.0.0.1' });
    expect(emulator.key).toMatch(/^emu_[A-Za-z0-9_-]{43}$/);
    const state = `${emulator.url}/emulator/state`;
    expect((await fetch(state)).status).toBe(401);
    expect((await fetch(state, { headers: { authorization: 'Bearer x' } })).status).toBe(401);
    expect((await fetch(`${emulator.url}/emulator/counts`)).status).toBe(401);
    expect((await fetch(state, { headers: { authorization: `Bearer ${emulator.key}` } })).status).toBe(200);
    const directories = `${emulator.adminUrl}/v2/orgs/${EMULATED_ORG_ID}/directories`;
    expect((await fetch(directories, { headers: { authorization: 'Bearer x' } })).status).toBe(401);
    expect((await fetch(directories, { headers: { authorization: `Bearer ${emulator.key}` } })).status).toBe(200);
  });
});

describe('mountEmulators', () => {
  it('puts the emulators in front of an existing listener and can be undone', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('app');
    });
    const unmount = mountEmulators(server, { admin: new AdminApiEmulator() });
    const port = await listen(server);
    try {
      expect((await send(port, 'GET', '/scim/v2/Users', {})).body).toBe('app');
      expect(
        (
          await send(port, 'GET', `/emulated/admin/v2/orgs/${EMULATED_ORG_ID}/directories`, {
            authorization: `Bearer ${ORG_API_KEY}`,
          })
        ).status,
      ).toBe(200);
      unmount();
      expect((await send(port, 'GET', `/emulated/admin/v2/orgs/${EMULATED_ORG_ID}/directories`, {})).body).toBe('app');
    } finally {
      await close(server);
    }
  });
});
