/**
 * Replays the recorded IdP flows in test/conformance/fixtures against the production app in process: one fresh
 * service per flow and profile, steps in order, every response checked against the step's expectations and against
 * the invariants every SCIM response must keep (RFC 7644 sections 3.12 and 8.1), whatever the fixture says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startTestScim, TEST_BASE_URL, type TestResponse, type TestScim } from '../support/test-scim';
import { fixtureProfiles, readFixture, type Fixture, type FixtureRequest, type FixtureStep, type ProfileName } from './fixture-format';
import { mismatches, resolvePointer, show, substitute } from './json-expectations';

const FIXTURE_DIR = path.join(__dirname, 'fixtures');
const SCIM_MEDIA_TYPE = 'application/scim+json';
const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** The flows the IdP notes (docs/notes/scim-and-idps.md section 3) call for; a missing file must fail, not shrink the table. */
const REQUIRED_FIXTURES = ['entra-aadoptscim062020.json', 'entra-default.json', 'errors.json', 'jumpcloud.json', 'okta.json', 'onelogin.json'];

interface LoadedFixture {
  readonly file: string;
  readonly fixture?: Fixture;
  readonly error?: Error;
}

function loadFixtures(): LoadedFixture[] {
  const files = fs.existsSync(FIXTURE_DIR) ? fs.readdirSync(FIXTURE_DIR).filter((name) => name.endsWith('.json')).sort() : [];
  return files.map((file) => {
    try {
      return { file, fixture: readFixture(JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, file), 'utf8')), file) };
    } catch (error) {
      return { file, error: error instanceof Error ? error : new Error(String(error)) };
    }
  });
}

/** A JSON User body of exactly `bytes` bytes, for the request-size limit. */
function paddedUserBody(bytes: number): string {
  const base = JSON.stringify({ schemas: [USER_URN], userName: 'oversize@example.com', displayName: '' });
  return JSON.stringify({ schemas: [USER_URN], userName: 'oversize@example.com', displayName: 'x'.repeat(bytes - Buffer.byteLength(base)) });
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Sends a request with no Content-Type at all: the harness's `call` adds one to every body, as most IdPs do. */
async function sendWithoutContentType(scim: TestScim, request: FixtureRequest, body: string): Promise<TestResponse> {
  const [pathPart = '', search = ''] = request.path.split('?', 2);
  const query: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) (query[name] ??= []).push(value);
  const headers: Record<string, string[]> = {};
  if (!request.anonymous) headers.authorization = [`Bearer ${scim.token}`];
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = [value];
  delete headers['content-type'];
  const response = await scim.app.handleScim({ method: request.method, path: pathPart, query, headers, body, baseUrl: TEST_BASE_URL });
  return { status: response.status, headers: response.headers, text: response.body, body: parseJson(response.body) };
}

async function send(scim: TestScim, request: FixtureRequest): Promise<TestResponse> {
  const rawBody = request.bodyOfBytes !== undefined ? paddedUserBody(request.bodyOfBytes) : request.rawBody;
  if (request.omitContentType) return sendWithoutContentType(scim, request, rawBody ?? JSON.stringify(request.body));
  return scim.call(request.method, request.path, {
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(rawBody !== undefined ? { rawBody } : {}),
    headers: { ...request.headers },
    anonymous: request.anonymous === true,
  });
}

function header(response: TestResponse, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(response.headers).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : response.headers[key];
}

function isInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value);
}

/** What every response must satisfy, independent of the fixture (so no fixture can forget to check it). */
function invariantProblems(response: TestResponse): string[] {
  const problems: string[] = [];
  const hasBody = response.text !== undefined && response.text !== '';
  if (response.status === 500) problems.push('status 500: the server failed on a request an IdP sends');
  if (hasBody) {
    const mediaType = header(response, 'content-type')?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== SCIM_MEDIA_TYPE) problems.push(`content-type: expected ${SCIM_MEDIA_TYPE} on every body (RFC 7644 section 8.1), got ${show(header(response, 'content-type'))}`);
    if (response.body === undefined) problems.push('body: not JSON');
  }
  if ((response.status === 204 || response.status === 304) && hasBody) problems.push(`status ${response.status} must have no body`);
  if (response.status !== 204 && response.status !== 304 && !hasBody) problems.push(`status ${response.status} came without a body`);
  const body = response.body as Record<string, unknown> | undefined;
  if (response.status >= 400 && body !== undefined) {
    const schemas = body.schemas;
    if (!Array.isArray(schemas) || !schemas.includes(ERROR_URN)) problems.push(`error body must list ${ERROR_URN} (RFC 7644 section 3.12), got ${show(schemas)}`);
    if (body.status !== String(response.status)) problems.push(`error body status must be the string "${response.status}", got ${show(body.status)}`);
    if (body.scimType !== undefined && typeof body.scimType !== 'string') problems.push(`error scimType must be a string, got ${show(body.scimType)}`);
  }
  if (response.status === 201 && body !== undefined) {
    const location = (body.meta as Record<string, unknown> | undefined)?.location;
    if (header(response, 'location') === undefined || header(response, 'location') !== location) {
      problems.push(`201 needs a Location header equal to meta.location (RFC 7644 section 3.3): header ${show(header(response, 'location'))}, meta.location ${show(location)}`);
    }
  }
  if (body !== undefined && Array.isArray(body.schemas) && body.schemas.includes(LIST_RESPONSE_URN)) {
    // Okta reads these as integers; a string "1" breaks its import paging.
    for (const field of ['totalResults', 'itemsPerPage', 'startIndex']) {
      if (body[field] !== undefined && !isInteger(body[field])) problems.push(`ListResponse ${field} must be a JSON integer, got ${show(body[field])}`);
    }
    if (body.totalResults === undefined) problems.push('ListResponse totalResults is required (RFC 7644 section 3.4.2)');
    const resources = body.Resources;
    if (resources !== undefined && !Array.isArray(resources)) problems.push(`ListResponse Resources must be an array, got ${show(resources)}`);
    if (Array.isArray(resources) && body.itemsPerPage !== undefined && resources.length !== body.itemsPerPage) {
      problems.push(`ListResponse itemsPerPage ${show(body.itemsPerPage)} differs from the ${resources.length} Resources returned`);
    }
  }
  return problems;
}

function statusProblems(step: FixtureStep, response: TestResponse): string[] {
  const statuses = Array.isArray(step.expect.status) ? step.expect.status : [step.expect.status];
  return statuses.includes(response.status) ? [] : [`status: expected ${statuses.join(' or ')}, got ${response.status}`];
}

function expectationProblems(step: FixtureStep, response: TestResponse, variables: ReadonlyMap<string, unknown>): string[] {
  const expectation = substitute(step.expect, variables);
  const problems: string[] = [];
  if (expectation.body !== undefined) problems.push(...mismatches(expectation.body, response.body).map((m) => `body ${m}`));
  for (const pointer of expectation.absent ?? []) {
    const found = resolvePointer(response.body, pointer);
    if (found.found) problems.push(`body ${pointer}: must be absent, got ${show(found.value)}`);
  }
  for (const [name, expected] of Object.entries(expectation.headers ?? {})) {
    const actual = header(response, name);
    if (expected === null) {
      if (actual !== undefined) problems.push(`header ${name}: must be absent, got ${show(actual)}`);
    } else {
      problems.push(...mismatches(expected, actual).map((m) => `header ${name} ${m.replace(/^\(root\): /, '')}`));
    }
  }
  return problems;
}

function captureProblems(step: FixtureStep, response: TestResponse, variables: Map<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, pointer] of Object.entries(step.capture ?? {})) {
    const found = resolvePointer(response.body, pointer);
    if (found.found) variables.set(name, found.value);
    else problems.push(`capture ${name}: nothing at ${pointer} in the response body`);
  }
  for (const [name, headerName] of Object.entries(step.captureHeaders ?? {})) {
    const value = header(response, headerName);
    if (value !== undefined) variables.set(name, value);
    else problems.push(`capture ${name}: no ${headerName} header in the response`);
  }
  return problems;
}

async function runStep(scim: TestScim, step: FixtureStep, variables: Map<string, unknown>, label: string): Promise<void> {
  const inStep = <T>(action: () => T): T => {
    try {
      return action();
    } catch (error) {
      throw new Error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const request = inStep(() => substitute(step.request, variables));
  const response = await send(scim, request);
  const captured = captureProblems(step, response, variables);
  // A failed capture leaves later placeholders unresolvable, so only the status is compared then.
  const expected = captured.length === 0 ? inStep(() => expectationProblems(step, response, variables)) : [];
  const problems = [...invariantProblems(response), ...statusProblems(step, response), ...captured, ...expected];
  if (problems.length > 0) {
    const sent = request.body !== undefined ? `\n  sent: ${show(request.body)}` : '';
    throw new Error(
      `${label}\n  ${request.method} ${request.path}${sent}\n  - ${problems.join('\n  - ')}\n  response ${response.status} ${show(response.headers)}\n  ${show(response.text ?? '')}`,
    );
  }
}

async function replay(file: string, fixture: Fixture, profile: ProfileName): Promise<void> {
  const scim = await startTestScim({ profile });
  try {
    const variables = new Map<string, unknown>([
      ['token', scim.token],
      ['baseUrl', TEST_BASE_URL],
    ]);
    let ran = 0;
    for (const [index, step] of fixture.steps.entries()) {
      if (step.profiles && !step.profiles.includes(profile)) continue;
      ran += 1;
      const times = step.repeat ?? 1;
      for (let i = 1; i <= times; i += 1) {
        if (step.repeat !== undefined) variables.set('i', i);
        const label = `${file} [${profile}] step ${index + 1} "${step.name}"${step.repeat !== undefined ? ` (repetition ${i} of ${times})` : ''}`;
        await runStep(scim, step, variables, label);
      }
    }
    if (ran === 0) throw new Error(`${file} [${profile}]: no step runs under this profile`);
    if (scim.errors.length > 0) throw new Error(`${file} [${profile}]: the service logged unexpected errors:\n  ${scim.errors.map((e) => show(e)).join('\n  ')}`);
  } finally {
    await scim.close();
  }
}

const loaded = loadFixtures();

describe('IdP replay fixtures', () => {
  it('has a fixture file for every IdP flow in the notes', () => {
    expect(loaded.map((entry) => entry.file)).toEqual(expect.arrayContaining(REQUIRED_FIXTURES));
  });

  it.each(loaded.map((entry) => [entry.file, entry] as const))('%s is a well-formed fixture', (_file, entry) => {
    if (entry.error) throw entry.error;
    expect(entry.fixture).toBeDefined();
  });
});

const cases = loaded.flatMap((entry) => (entry.fixture ? fixtureProfiles(entry.fixture).map((profile) => ({ file: entry.file, fixture: entry.fixture as Fixture, profile })) : []));

// jest rejects an empty table; the file checks above already fail when no fixture loads.
if (cases.length > 0) {
  describe.each(cases)('$file under the $profile profile', ({ file, fixture, profile }) => {
    it(`replays "${fixture.name}" (${fixture.steps.length} steps)`, async () => {
      await replay(file, fixture, profile);
    });
  });
}

describe('replay matching', () => {
  // The runner is only as strict as its matcher; these pin down that it can fail.
  it('matches objects by subset and arrays element by element', () => {
    expect(mismatches({ a: 1 }, { a: 1, b: 2 })).toEqual([]);
    expect(mismatches({ a: 1 }, { a: '1' })).toHaveLength(1);
    expect(mismatches([{ value: 'x' }], [{ value: 'x' }, { value: 'y' }])).toHaveLength(1);
    expect(mismatches({ members: [{ value: 'x' }] }, { members: [{ value: 'y' }] })).toEqual(['/members/0/value: expected "x", got "y"']);
  });

  it('supports the unordered, contains, noneOf, exact, type and not matchers', () => {
    expect(mismatches({ $unordered: [{ v: 2 }, { v: 1 }] }, [{ v: 1 }, { v: 2 }])).toEqual([]);
    expect(mismatches({ $unordered: [{ v: 1 }] }, [{ v: 1 }, { v: 2 }])).toHaveLength(1);
    expect(mismatches({ $unordered: [{ v: 1 }, { v: 1 }] }, [{ v: 1 }, { v: 2 }])).toHaveLength(1);
    expect(mismatches({ $contains: [{ v: 2 }] }, [{ v: 1 }, { v: 2 }])).toEqual([]);
    expect(mismatches({ $contains: [{ v: 3 }] }, [{ v: 1 }, { v: 2 }])).toHaveLength(1);
    expect(mismatches({ $noneOf: [{ v: 3 }, { v: 4 }] }, [{ v: 1 }, { v: 2 }])).toEqual([]);
    expect(mismatches({ $noneOf: [{ v: 3 }, { v: 2 }] }, [{ v: 1 }, { v: 2 }])).toHaveLength(1);
    expect(mismatches({ $ref: 'https://x/Users/1' }, { $ref: 'https://x/Users/1', value: '1' })).toEqual([]);
    expect(mismatches({ $exact: { a: 1 } }, { a: 1, b: 2 })).toHaveLength(1);
    expect(mismatches({ $type: 'integer' }, 1)).toEqual([]);
    expect(mismatches({ $type: 'integer' }, '1')).toHaveLength(1);
    expect(mismatches({ $not: 'a' }, 'a')).toHaveLength(1);
    expect(() => mismatches({ $bogus: 1 }, 1)).toThrow('unknown matcher');
  });

  it('resolves JSON pointers and substitutes variables', () => {
    const document = { 'urn:x:User': { 'a/b': [10, 20] } };
    expect(resolvePointer(document, '/urn:x:User/a~1b/1')).toEqual({ found: true, value: 20 });
    expect(resolvePointer(document, '/urn:x:User/missing').found).toBe(false);
    const variables = new Map<string, unknown>([
      ['id', 'abc'],
      ['n', 3],
    ]);
    expect(substitute({ path: '/Users/{{id}}', count: '{{n}}' }, variables)).toEqual({ path: '/Users/abc', count: 3 });
    expect(() => substitute('{{missing}}', variables)).toThrow('unknown variable');
  });

  it('flags responses that break the SCIM invariants whatever the fixture expects', () => {
    const response = (status: number, headers: Record<string, string>, text?: string): TestResponse => ({ status, headers, text, body: parseJson(text) });
    const scimError = JSON.stringify({ schemas: [ERROR_URN], status: '404', detail: 'x' });
    expect(invariantProblems(response(404, { 'content-type': 'application/scim+json' }, scimError))).toEqual([]);
    expect(invariantProblems(response(404, { 'content-type': 'text/html' }, '<html>Not Found</html>'))).toHaveLength(2);
    expect(invariantProblems(response(404, { 'content-type': 'application/json' }, scimError))).toHaveLength(1);
    expect(invariantProblems(response(404, { 'content-type': 'application/scim+json' }, JSON.stringify({ schemas: [ERROR_URN], status: 404 })))).toHaveLength(1);
    expect(invariantProblems(response(500, { 'content-type': 'application/scim+json' }, JSON.stringify({ schemas: [ERROR_URN], status: '500' })))).toHaveLength(1);
    expect(invariantProblems(response(204, { 'content-type': 'application/scim+json' }, '{}'))).toHaveLength(1);
    const list = (fields: Record<string, unknown>): string => JSON.stringify({ schemas: [LIST_RESPONSE_URN], Resources: [], ...fields });
    expect(invariantProblems(response(200, { 'content-type': 'application/scim+json' }, list({ totalResults: 0, itemsPerPage: 0, startIndex: 1 })))).toEqual([]);
    expect(invariantProblems(response(200, { 'content-type': 'application/scim+json' }, list({ totalResults: '0', itemsPerPage: 0, startIndex: '1' })))).toHaveLength(2);
    const created = JSON.stringify({ id: '1', meta: { location: 'https://scim.test/Users/1' } });
    expect(invariantProblems(response(201, { 'content-type': 'application/scim+json' }, created))).toHaveLength(1);
    expect(invariantProblems(response(201, { 'content-type': 'application/scim+json', location: 'https://scim.test/Users/1' }, created))).toEqual([]);
  });

  it('rejects fixtures with misspelt keys', () => {
    const step = { name: 's', request: { method: 'GET', path: '/Users' }, expected: { status: 200 } };
    expect(() => readFixture({ name: 'f', source: 'notes', steps: [step] }, 'bad.json')).toThrow(/unknown key\(s\) expected/);
  });
});
