import type { App } from '../../src/app/app';
import type { ForgeWebTriggerRequest } from '../../src/forge/scim-web-trigger';
import {
  cacheFirstSuccess,
  makeScimWebTrigger,
  SCIM_WEB_TRIGGER_FAILURE_CODE,
  scimPath,
  toForgeResponse,
  toScimRequest,
} from '../../src/forge/scim-web-trigger';
import type { ScimRequest, ScimResponse } from '../../src/scim/protocol';

const TRIGGER_ID = '6a1f0c2e-1d2b-4c3d-9e8f-0a1b2c3d4e5f';
const BASE_URL = `https://abc123.webtrigger.atlassian.app/public/${TRIGGER_ID}`;

function makeRequest(overrides: Partial<ForgeWebTriggerRequest> = {}): ForgeWebTriggerRequest {
  return {
    method: 'GET',
    path: `/public/${TRIGGER_ID}/Users`,
    userPath: '/Users',
    headers: {},
    queryParameters: {},
    ...overrides,
  };
}

/** An App that answers with the ScimRequest it received, so tests see exactly what the core would see. */
function echoApp(): App & { received: ScimRequest[] } {
  const received: ScimRequest[] = [];
  return {
    received,
    async handleScim(request) {
      received.push(request);
      return { status: 200, headers: { 'content-type': 'application/scim+json' }, body: JSON.stringify(request) };
    },
  };
}

function fixedApp(response: ScimResponse): App {
  return { handleScim: async () => response };
}

function throwingApp(error: unknown): App {
  return {
    handleScim: async () => {
      throw error;
    },
  };
}

describe('scimPath', () => {
  it('takes userPath when the platform sends it', () => {
    expect(scimPath({ path: `/public/${TRIGGER_ID}/Users/abc`, userPath: '/Users/abc' }, BASE_URL)).toBe('/Users/abc');
  });

  it('adds the leading slash userPath may lack', () => {
    expect(scimPath({ path: '', userPath: 'Groups/g1' }, BASE_URL)).toBe('/Groups/g1');
  });

  it.each([
    ['the public form', `/public/${TRIGGER_ID}/Users/abc`, BASE_URL],
    ['the x1 form', `/x1/${TRIGGER_ID}/Users/abc`, `https://0123.hello.atlassian-dev.net/x1/${TRIGGER_ID}`],
    ['a prefix before the trigger id', `/webtriggers/x1/${TRIGGER_ID}/Users/abc`, `https://h.example/x1/${TRIGGER_ID}`],
  ])('parses path when userPath is missing: %s', (_name, path, baseUrl) => {
    expect(scimPath({ path }, baseUrl)).toBe('/Users/abc');
  });

  it('finds the trigger id after a marker when the base URL has another id', () => {
    expect(scimPath({ path: '/x1/other-id/ServiceProviderConfig' }, BASE_URL)).toBe('/ServiceProviderConfig');
  });

  it('treats an empty userPath like a missing one', () => {
    expect(scimPath({ path: `/x1/${TRIGGER_ID}/Schemas`, userPath: '' }, BASE_URL)).toBe('/Schemas');
  });

  it('answers / for the base URL itself', () => {
    expect(scimPath({ path: `/public/${TRIGGER_ID}` }, BASE_URL)).toBe('/');
    expect(scimPath({ path: `/public/${TRIGGER_ID}/` }, BASE_URL)).toBe('/');
  });

  it('reads a request without queryParameters or headers (both optional in @forge/api) as having none', () => {
    const request = { method: 'GET', path: `/public/${TRIGGER_ID}/Users` } as ForgeWebTriggerRequest;
    expect(toScimRequest(request, BASE_URL)).toMatchObject({ method: 'GET', path: '/Users', query: {}, headers: {} });
  });

  it('keeps a path that has no trigger prefix', () => {
    expect(scimPath({ path: '/Users/abc' }, 'http://localhost:8080')).toBe('/Users/abc');
  });

  it('drops a query string left on the path', () => {
    expect(scimPath({ path: `/public/${TRIGGER_ID}/Users?filter=x` }, BASE_URL)).toBe('/Users');
  });

  it('keeps percent-encoding for the core to decode', () => {
    expect(scimPath({ path: `/public/${TRIGGER_ID}/Users/a%2Fb` }, BASE_URL)).toBe('/Users/a%2Fb');
  });
});

describe('toScimRequest', () => {
  it('lower-cases header names and merges names that differ only in case', () => {
    const request = toScimRequest(
      makeRequest({
        headers: {
          Authorization: ['Bearer t'],
          'Content-Type': ['application/scim+json'],
          Accept: ['application/scim+json', 'application/json'],
          accept: ['*/*'],
        },
      }),
      BASE_URL,
    );
    expect(request.headers).toEqual({
      authorization: ['Bearer t'],
      'content-type': ['application/scim+json'],
      accept: ['application/scim+json', 'application/json', '*/*'],
    });
  });

  it('passes query parameters as given, every value kept', () => {
    const request = toScimRequest(
      makeRequest({
        queryParameters: { filter: ['userName eq "a@b.c"'], attributes: ['userName', 'emails'], startIndex: ['1'] },
      }),
      BASE_URL,
    );
    expect(request.query).toEqual({
      filter: ['userName eq "a@b.c"'],
      attributes: ['userName', 'emails'],
      startIndex: ['1'],
    });
  });

  it('passes the body string unchanged', () => {
    const body = '{ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ä@x" }\n';
    expect(toScimRequest(makeRequest({ method: 'POST', body }), BASE_URL).body).toBe(body);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
  ])('has no body when the body is %s', (_name, body) => {
    const request = toScimRequest(body === undefined ? makeRequest() : makeRequest({ body }), BASE_URL);
    expect(request.body).toBeUndefined();
  });

  it('upper-cases the method and strips a trailing slash from the base URL', () => {
    const request = toScimRequest(makeRequest({ method: 'patch' }), `${BASE_URL}/`);
    expect(request.method).toBe('PATCH');
    expect(request.baseUrl).toBe(BASE_URL);
  });

  it('does not share arrays with the Forge request', () => {
    const values = ['a'];
    const request = toScimRequest(
      makeRequest({ headers: { 'X-A': values }, queryParameters: { q: values } }),
      BASE_URL,
    );
    values.push('b');
    expect(request.headers['x-a']).toEqual(['a']);
    expect(request.query.q).toEqual(['a']);
  });
});

describe('toForgeResponse', () => {
  it('wraps every header value in an array, as Forge requires', () => {
    const response = toForgeResponse({
      status: 201,
      headers: { 'content-type': 'application/scim+json', location: `${BASE_URL}/Users/1`, etag: 'W/"1"' },
      body: '{"id":"1"}',
    });
    expect(response).toEqual({
      statusCode: 201,
      headers: { 'content-type': ['application/scim+json'], location: [`${BASE_URL}/Users/1`], etag: ['W/"1"'] },
      body: '{"id":"1"}',
    });
  });

  it('leaves the body out when there is none', () => {
    const response = toForgeResponse({ status: 204, headers: {}, body: undefined });
    expect(response).toEqual({ statusCode: 204, headers: {} });
    expect('body' in response).toBe(false);
  });
});

describe('makeScimWebTrigger', () => {
  it('gives the App the translated request and returns its translated response', async () => {
    const app = echoApp();
    const handler = makeScimWebTrigger({ getApp: async () => app, getBaseUrl: async () => BASE_URL });

    const response = await handler(
      {
        method: 'PUT',
        path: `/public/${TRIGGER_ID}/Users/u1`,
        headers: { 'Content-Type': ['application/scim+json'], 'If-Match': ['W/"3"'] },
        body: '{"userName":"a"}',
        queryParameters: { attributes: ['id'] },
      },
      { installContext: 'ari:cloud:bitbucket::workspace/0000' },
    );

    const expected: ScimRequest = {
      method: 'PUT',
      path: '/Users/u1',
      query: { attributes: ['id'] },
      headers: { 'content-type': ['application/scim+json'], 'if-match': ['W/"3"'] },
      body: '{"userName":"a"}',
      baseUrl: BASE_URL,
    };
    expect(app.received).toEqual([expected]);
    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual({ 'content-type': ['application/scim+json'] });
    expect(JSON.parse(response.body ?? '')).toEqual(expected);
  });

  it('passes the App status, headers and body through', async () => {
    const handler = makeScimWebTrigger({
      getApp: async () =>
        fixedApp({ status: 404, headers: { 'content-type': 'application/scim+json' }, body: '{"status":"404"}' }),
      getBaseUrl: async () => BASE_URL,
    });
    await expect(handler(makeRequest())).resolves.toEqual({
      statusCode: 404,
      headers: { 'content-type': ['application/scim+json'] },
      body: '{"status":"404"}',
    });
  });

  const INTERNAL_ERROR = {
    statusCode: 500,
    headers: { 'content-type': ['application/scim+json'] },
    body: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"Internal server error"}',
  };

  it.each([
    ['the App throws', { getApp: async () => throwingApp(new TypeError('boom')), getBaseUrl: async () => BASE_URL }],
    [
      'the App throws a non-Error',
      { getApp: async () => throwingApp('just a string'), getBaseUrl: async () => BASE_URL },
    ],
    [
      'building the App fails',
      { getApp: () => Promise.reject(new Error('not wired')), getBaseUrl: async () => BASE_URL },
    ],
    [
      'the base URL lookup fails',
      { getApp: async () => echoApp(), getBaseUrl: () => Promise.reject(new Error('Forge runtime not found.')) },
    ],
  ])('answers a SCIM 500 and logs one coded line when %s', async (_name, deps) => {
    const lines: string[] = [];
    const handler = makeScimWebTrigger({ ...deps, logError: (line) => lines.push(line) });

    await expect(handler(makeRequest())).resolves.toEqual(INTERNAL_ERROR);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.startsWith(`${SCIM_WEB_TRIGGER_FAILURE_CODE} `)).toBe(true);
  });

  it('answers a SCIM 500 for a request it cannot read', async () => {
    const handler = makeScimWebTrigger({
      getApp: async () => echoApp(),
      getBaseUrl: async () => BASE_URL,
      logError: () => undefined,
    });
    const broken = { path: '/x', headers: {}, queryParameters: {} } as unknown as ForgeWebTriggerRequest;
    await expect(handler(broken)).resolves.toEqual(INTERNAL_ERROR);
  });

  it('never logs the request body or the Authorization header', async () => {
    const lines: string[] = [];
    const handler = makeScimWebTrigger({
      getApp: async () => throwingApp(new Error('store unavailable')),
      getBaseUrl: async () => BASE_URL,
      logError: (line) => lines.push(line),
    });
    await handler(
      makeRequest({
        method: 'POST',
        headers: { Authorization: ['Bearer s3cr3t-token'] },
        body: '{"password":"hunter2"}',
      }),
    );
    expect(lines.join('\n')).toContain('store unavailable');
    expect(lines.join('\n')).not.toMatch(/s3cr3t-token|hunter2/);
  });

  it('still answers when the logger itself throws', async () => {
    const handler = makeScimWebTrigger({
      getApp: async () => throwingApp(new Error('x')),
      getBaseUrl: async () => BASE_URL,
      logError: () => {
        throw new Error('log sink down');
      },
    });
    await expect(handler(makeRequest())).resolves.toEqual(INTERNAL_ERROR);
  });
});

describe('cacheFirstSuccess', () => {
  it('looks the URL up once per instance', async () => {
    let calls = 0;
    const get = cacheFirstSuccess(async () => `${BASE_URL}#${++calls}`);
    expect(await get()).toBe(`${BASE_URL}#1`);
    expect(await get()).toBe(`${BASE_URL}#1`);
    expect(calls).toBe(1);
  });

  it('tries again after a failed lookup', async () => {
    let calls = 0;
    const get = cacheFirstSuccess(async () => {
      calls += 1;
      if (calls === 1) throw new Error('transient');
      return BASE_URL;
    });
    await expect(get()).rejects.toThrow('transient');
    await expect(get()).resolves.toBe(BASE_URL);
    await expect(get()).resolves.toBe(BASE_URL);
    expect(calls).toBe(2);
  });
});
