/**
 * Property-based tests of the request layer: random and malformed requests never produce a 500, a thrown
 * error or a non-SCIM body, whatever the method, path, query, headers or body.
 */
import fc from 'fast-check';
import { MAX_JSON_DEPTH } from '../../src/scim/json-depth';
import { startTestScim, type TestScim } from '../support/test-scim';

const methods = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'get', 'Patch');
const segments = fc.constantFrom(
  'Users',
  'users',
  'Groups',
  'GROUPS',
  '.search',
  'Schemas',
  'ResourceTypes',
  'ServiceProviderConfig',
  'Me',
  'Bulk',
  '%',
  '%E0%A4%A',
  '__proto__',
  'constructor',
  '..',
  '',
);
const paths = fc.oneof(
  fc
    .array(fc.oneof(segments, fc.string({ maxLength: 12 }), fc.uuid()), { maxLength: 4 })
    .map((parts) => `/${parts.join('/')}`),
  fc.string({ maxLength: 40 }),
);
const filterish = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    'userName eq "a"',
    'emails[type eq "work"].value eq "x"',
    '(((',
    'not(',
    'a eq',
    '"',
    'userName eq "\u0000"',
    'members[value eq "x"]',
    '__proto__.x pr',
    'meta.created gt "nope"',
  ),
);
const queryParameter = fc.tuple(
  fc.constantFrom(
    'filter',
    'attributes',
    'excludedAttributes',
    'startIndex',
    'count',
    'cursor',
    'sortBy',
    'sortOrder',
    'FILTER',
    'other',
  ),
  fc.oneof(filterish, fc.integer().map(String), fc.constantFrom('', '-1', '1e9', 'NaN', '0x10')),
);
const jsonValue = fc.jsonValue({ maxDepth: 4 });
const scimish = fc.record(
  {
    schemas: fc.oneof(
      fc.constant(['urn:ietf:params:scim:schemas:core:2.0:User']),
      fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']),
      jsonValue,
    ),
    userName: fc.oneof(fc.string({ maxLength: 20 }), jsonValue),
    displayName: fc.oneof(fc.string({ maxLength: 20 }), jsonValue),
    members: fc.oneof(
      fc.array(fc.record({ value: fc.oneof(fc.uuid(), fc.string()), display: fc.string() }), { maxLength: 3 }),
      jsonValue,
    ),
    Operations: fc.oneof(
      fc.array(
        fc.record(
          {
            op: fc.constantFrom('add', 'Replace', 'remove', 'bogus', ''),
            path: fc.oneof(
              fc.constantFrom(
                'members',
                'userName',
                'emails[type eq "work"].value',
                'members[value eq "x"]',
                '__proto__.polluted',
                'constructor.prototype.polluted',
                'name.givenName',
                'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
              ),
              fc.string({ maxLength: 20 }),
            ),
            value: jsonValue,
          },
          { requiredKeys: ['op'] },
        ),
        { maxLength: 4 },
      ),
      jsonValue,
    ),
    __proto__: jsonValue,
    active: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False', 'yes'), jsonValue),
    emails: fc.oneof(
      fc.array(
        fc.record({
          type: fc.string({ maxLength: 6 }),
          value: fc.string({ maxLength: 10 }),
          primary: fc.oneof(fc.boolean(), jsonValue),
        }),
      ),
      jsonValue,
    ),
  },
  { requiredKeys: [] },
);
const bodies = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 80 }),
  scimish.map((body) => JSON.stringify(body)),
  jsonValue.map((value) => JSON.stringify(value)),
);
const contentTypes = fc.constantFrom(
  undefined,
  'application/scim+json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/xml',
  '',
  'application/problem+json',
);

/**
 * Deeply nested JSON: a random mix of arrays and objects (keys chosen to reach real attributes), mostly around the
 * depth limit and sometimes thousands of levels deep, as text, so that building it never recurses either.
 */
const nestingDepth = fc.oneof(
  fc.integer({ min: 1, max: MAX_JSON_DEPTH + 4 }),
  fc.integer({ min: MAX_JSON_DEPTH + 1, max: 6000 }),
);
const deepJson = fc
  .tuple(
    nestingDepth,
    fc.array(fc.constantFrom('[', '{"value":', '{"name":', '{"a":', '{"__proto__":'), { minLength: 1, maxLength: 7 }),
    fc.constantFrom('1', '"x"', 'null', '[]', '{}'),
  )
  .map(([depth, openers, leaf]) => {
    const chosen = Array.from({ length: depth }, (_, i) => openers[i % openers.length] ?? '[');
    return {
      depth: depth + (leaf === '[]' || leaf === '{}' ? 1 : 0),
      text: `${chosen.join('')}${leaf}${chosen
        .reverse()
        .map((o) => (o === '[' ? ']' : '}'))
        .join('')}`,
    };
  });
/** Where a deep value travels: a PATCH value, a POST attribute, a SearchRequest parameter, or the body itself. */
const deepRequest = fc.tuple(
  fc.constantFrom(
    {
      method: 'PATCH',
      path: '/Users/ID',
      wrap: (v: string) =>
        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name","value":${v}}]}`,
      extra: 3,
    },
    {
      method: 'PATCH',
      path: '/Groups/GID',
      wrap: (v: string) =>
        `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","value":${v}}]}`,
      extra: 3,
    },
    { method: 'POST', path: '/Users', wrap: (v: string) => `{"userName":"deep","emails":${v}}`, extra: 1 },
    {
      method: 'PUT',
      path: '/Groups/GID',
      wrap: (v: string) => `{"displayName":"fuzz-group","members":${v}}`,
      extra: 1,
    },
    {
      method: 'POST',
      path: '/.search',
      wrap: (v: string) => `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":${v}}`,
      extra: 1,
    },
    {
      method: 'POST',
      path: '/Users/.search',
      wrap: (v: string) => `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":${v}}`,
      extra: 1,
    },
    { method: 'POST', path: '/Groups', wrap: (v: string) => v, extra: 0 },
  ),
  deepJson,
);

describe('request layer under random input', () => {
  let scim: TestScim;
  let userId: string;
  let groupId: string;

  beforeAll(async () => {
    scim = await startTestScim();
    userId = (await scim.call('POST', '/Users', { body: { userName: 'fuzz-anchor' } })).body.id;
    groupId = (
      await scim.call('POST', '/Groups', { body: { displayName: 'fuzz-group', members: [{ value: userId }] } })
    ).body.id;
  });

  afterAll(async () => {
    await scim.close();
  });

  it('never answers 500 and always answers a SCIM error body for errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        methods,
        fc.oneof(paths, fc.constantFrom('/Users', '/Groups', '/Users/ID', '/Groups/GID', '/Users/.search', '/.search')),
        fc.array(queryParameter, { maxLength: 3 }),
        bodies,
        contentTypes,
        async (method, rawPath, query, body, contentType) => {
          const pathname = rawPath.replace('ID', userId).replace('GID', groupId);
          const search = new URLSearchParams(query).toString();
          const response = await scim.call(method, `${pathname}${search ? `?${search}` : ''}`, {
            ...(body === undefined ? {} : { rawBody: body }),
            headers: contentType === undefined ? {} : { 'content-type': contentType },
          });
          expect(response.status).not.toBe(500);
          if (response.status >= 400) {
            expect(response.headers['content-type']).toBe('application/scim+json');
            expect(response.body).toMatchObject({
              schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
              status: String(response.status),
            });
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      { numRuns: 1500 },
    );
    expect(scim.errors).toEqual([]);
  });

  it('[security] answers a body nested past the limit with 400 invalidSyntax, and never 500 at any depth', async () => {
    await fc.assert(
      fc.asyncProperty(deepRequest, async ([target, value]) => {
        const response = await scim.call(target.method, target.path.replace('GID', groupId).replace('ID', userId), {
          rawBody: target.wrap(value.text),
        });
        expect(response.status).not.toBe(500);
        if (value.depth + target.extra > MAX_JSON_DEPTH)
          expect(response.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    expect(scim.errors).toEqual([]);
  });

  it('keeps the anchor user and group readable after the storm', async () => {
    const group = await scim.call('GET', `/Groups/${groupId}`);
    expect([200, 404]).toContain(group.status);
    const user = await scim.call('GET', `/Users/${userId}`);
    expect([200, 404]).toContain(user.status);
    expect(scim.errors).toEqual([]);
  });
});
