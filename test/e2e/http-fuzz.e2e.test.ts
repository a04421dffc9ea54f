/**
 * Random and malformed HTTP thrown at the local host over real sockets: odd methods, broken percent-encoding,
 * garbage bodies and content types, oversized bodies. The server must answer every request without a 500
 * and keep serving.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalHost, type LocalHost } from '../../src/local/local-host';

interface RawResponse {
  status: number;
  contentType: string | undefined;
  body: string;
}

function send(host: LocalHost, method: string, rawPath: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<RawResponse> {
  const url = new URL(host.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: rawPath, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('local host under random HTTP', () => {
  let host: LocalHost;
  let dataDir: string;
  const token = 'fuzz-token-0123456789';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'scim-http-fuzz-'));
    host = await startLocalHost({ port: 0, host: '127.0.0.1', dataDir, bearerToken: token, logger: { error: () => undefined } });
  });

  afterAll(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never answers 500 and always answers SCIM JSON under /scim/v2', async () => {
    const pathPart = fc.oneof(
      fc.constantFrom('/scim/v2/Users', '/scim/v2/Groups', '/scim/v2/users/%ZZ', '/scim/v2/Users/%E0%A4%A', '/scim/v2/Users/..%2F..%2Fetc', '/scim/v2/Schemas/urn:x', '/scim/v2/'),
      // A dot segment is not a resource name: `/scim/v2/..` is the path `/scim/`, outside the SCIM API.
      fc.string({ maxLength: 30 }).map((s) => `/scim/v2/${s === '.' || s === '..' ? `${s}x` : encodeURIComponent(s)}`),
    );
    const query = fc.oneof(fc.constant(''), fc.constantFrom('?filter=%', '?filter=userName%20eq%20%22a', '?count=99999999999999999999', '?startIndex=%FF', '?attributes=emails[', '?filter=' + 'a'.repeat(5000)));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'),
        pathPart,
        query,
        fc.option(fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))), { nil: undefined }),
        fc.constantFrom('application/scim+json', 'application/json', 'text/html', 'multipart/form-data; boundary=x'),
        async (method, p, q, body, contentType) => {
          const withBody = body !== undefined && method !== 'GET' && method !== 'DELETE' && method !== 'OPTIONS' && method !== 'TRACE';
          const response = await send(host, method, `${p}${q}`, { authorization: `Bearer ${token}`, ...(withBody ? { 'content-type': contentType } : {}) }, withBody ? body : undefined);
          expect(response.status).not.toBe(500);
          expect(response.status).toBeGreaterThanOrEqual(200);
          if (response.body !== '') {
            expect(response.contentType).toBe('application/scim+json');
            expect(() => JSON.parse(response.body)).not.toThrow();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers an oversized body with 413 and keeps serving', async () => {
    const big = JSON.stringify({ userName: 'x', title: 'y'.repeat(2 * 1024 * 1024) });
    const response = await send(host, 'POST', '/scim/v2/Users', { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, big);
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ status: '413' });
    const after = await send(host, 'GET', '/scim/v2/ServiceProviderConfig', { authorization: `Bearer ${token}` }, undefined);
    expect(after.status).toBe(200);
  });

  it('[security] answers a body of invalid UTF-8 with 400 invalidSyntax instead of storing U+FFFD', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
    const userName = (bytes: number[]): Buffer => Buffer.concat([Buffer.from('{"userName":"u'), Buffer.from(bytes), Buffer.from('"}')]);
    for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82]]) {
      const response = await send(host, 'POST', '/scim/v2/Users', headers, userName(bytes));
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    }
    // Two different invalid byte strings used to collide as "u\uFFFD"; the valid U+FFFD (EF BF BD) is still accepted.
    const valid = await send(host, 'POST', '/scim/v2/Users', headers, userName([0xef, 0xbf, 0xbd]));
    expect(valid.status).toBe(201);
    expect(JSON.parse(valid.body).userName).toBe('u\uFFFD');
  });

  it('requires the token on every SCIM path, with a SCIM 401', async () => {
    for (const p of ['/scim/v2/Users', '/scim/v2/Schemas', '/scim/v2/nowhere', '/scim/v2/ServiceProviderConfig']) {
      const response = await send(host, 'GET', p, {}, undefined);
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body)).toMatchObject({ status: '401', schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'] });
    }
  });
});
