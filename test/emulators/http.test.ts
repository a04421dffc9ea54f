import { createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminApiEmulator } from '../../emulators/admin-api/admin-emulator';
import { BitbucketEmulator } from '../../emulators/bitbucket/bitbucket-emulator';
import { createEmulatorRequestListener, mountEmulators } from '../../emulators/http';
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
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
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
    const response = await send(port, 'GET', `/emulated/admin/v2/orgs/${EMULATED_ORG_ID}/directories?limit=5`, { authorization: `Bearer ${ORG_API_KEY}` });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toMatchObject({ data: [{ directoryId: 'emulated-directory' }] });
    expect(admin.violations).toEqual([]);
  });

  it('serves Bitbucket under /emulated/bitbucket with next links that point back at the host', async () => {
    const first = await send(port, 'GET', `/emulated/bitbucket/2.0/workspaces/${EMULATED_WORKSPACE_SLUG}/projects?pagelen=1`, { authorization: basic });
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
    await expect(send(port, 'GET', path, { authorization: basic })).rejects.toMatchObject({ code: expect.stringMatching(/ECONNRESET|EPIPE/) });
    expect((await send(port, 'GET', path, { authorization: basic })).status).toBe(200);
  });

  it('can drop the reply after applying the write, which only a read-back reveals', async () => {
    bitbucket.state.groups.push({ slug: 'developers', name: 'Developers' });
    bitbucket.faults.add({ fault: { kind: 'drop', when: 'after-handling' }, match: { method: 'PUT' } });
    const path = `/emulated/bitbucket/2.0/repositories/${EMULATED_WORKSPACE_SLUG}/web-app/permissions-config/groups/developers`;
    await expect(send(port, 'PUT', path, { authorization: basic, 'content-type': 'application/json' }, '{"permission":"write"}')).rejects.toBeDefined();
    const readBack = await send(port, 'GET', path, { authorization: basic });
    expect(JSON.parse(readBack.body)).toMatchObject({ permission: 'write' });
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
      expect((await send(port, 'GET', `/emulated/admin/v2/orgs/${EMULATED_ORG_ID}/directories`, { authorization: `Bearer ${ORG_API_KEY}` })).status).toBe(200);
      unmount();
      expect((await send(port, 'GET', `/emulated/admin/v2/orgs/${EMULATED_ORG_ID}/directories`, {})).body).toBe('app');
    } finally {
      await close(server);
    }
  });
});
