import { createSign } from 'node:crypto';
import type { EmulatorRequest } from '../../../emulators/emulator-types';
import {
  GOOGLE_TOKEN_PATH,
  GoogleWorkspaceEmulator,
  newServiceAccountKey,
  type ServiceAccountKeyFile,
} from '../../../emulators/google/google-emulator';
import {
  SEEDED_GOOGLE_ADMIN,
  seedGoogleDomain,
  seededGroupEmail,
  seededGroupId,
  seededUserId,
} from '../../../emulators/google/google-seed';
import { READ_ONLY_SCOPES } from '../../../emulators/google/google-state';
import { GOOGLE_TOKEN_AUDIENCE, JWT_BEARER_GRANT } from '../../../emulators/google/token-endpoint';
import type { JsonValue } from '../../../emulators/openapi/openapi-types';
import { validatorFor } from '../../../emulators/openapi/validator';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { exchange } from '../support/exchange';

const BASE = '/admin/directory/v1';

/** Signs claims RS256 with node:crypto, independently of the app's signer (src/sources/google). */
function jwt(
  key: Pick<ServiceAccountKeyFile, 'private_key' | 'private_key_id'>,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id, ...header })}.${encode(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key.private_key, 'base64url')}`;
}

function tokenRequest(assertion: string): EmulatorRequest {
  return {
    method: 'POST',
    path: GOOGLE_TOKEN_PATH,
    query: {},
    headers: { 'content-type': ['application/x-www-form-urlencoded'] },
    body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
  };
}

function setUp(options: { users?: number; groups?: number } = {}) {
  const clock = new VirtualClock({ autoAdvance: true });
  const emulator = new GoogleWorkspaceEmulator({ clock, state: seedGoogleDomain(options) });
  const key = emulator.createServiceAccountKey();
  const now = Math.floor(clock.now() / 1000);
  const claims = {
    iss: key.client_email,
    sub: SEEDED_GOOGLE_ADMIN,
    scope: READ_ONLY_SCOPES.join(' '),
    aud: GOOGLE_TOKEN_AUDIENCE,
    iat: now,
    exp: now + 3600,
  };
  const token = async (
    override: Record<string, unknown> = {},
    signer: ServiceAccountKeyFile = key,
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await emulator.handle(tokenRequest(jwt(signer, { ...claims, ...override })));
    return { status: response.status, json: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
  };
  const get = async (path: string, query: Record<string, string[]>, accessToken: string) =>
    exchange(emulator, 'google-admin-directory', {
      method: 'GET',
      path,
      query,
      headers: { authorization: [`Bearer ${accessToken}`] },
      body: undefined,
    });
  return { clock, emulator, key, claims, token, get };
}

async function accessToken(setup: ReturnType<typeof setUp>): Promise<string> {
  const answer = await setup.token();
  expect(answer.status).toBe(200);
  return String(answer.json.access_token);
}

describe('the Google discovery document as a validator', () => {
  const validator = validatorFor('google-admin-directory');
  const usersList = validator.match('GET', `${BASE}/users`);
  const membersList = validator.match('GET', `${BASE}/groups/g1/members`);

  it('rejects a user whose name.givenName is a number', () => {
    if (usersList.kind !== 'matched') throw new Error('users.list not found');
    const errors = validator.validateResponseValue(usersList.operation, 200, 'application/json', {
      users: [{ id: '1', primaryEmail: 'a@example.com', name: { givenName: 1 } }],
    } as unknown as JsonValue);
    expect(errors).toEqual([expect.stringContaining('body/users/0/name/givenName must be string')]);
  });

  it('rejects a member type outside the values the reference lists', () => {
    if (membersList.kind !== 'matched') throw new Error('members.list not found');
    const errors = validator.validateResponseValue(membersList.operation, 200, 'application/json', {
      members: [{ id: '1', type: 'ROBOT', role: 'MEMBER' }],
    });
    expect(errors).toEqual([expect.stringContaining('body/members/0/type must be equal to one of the allowed values')]);
    expect(
      validator.validateResponseValue(membersList.operation, 200, 'application/json', {
        members: [{ id: '1', type: 'USER', role: 'CAPTAIN' }],
      }),
    ).toEqual([expect.stringContaining('body/members/0/role must be equal to one of the allowed values')]);
  });

  it("holds maxResults to each method's maximum: 500 for users (discovery), 200 for groups and members (the prose)", () => {
    const ask = (path: string, maxResults: string) =>
      validator.validateRequest({
        method: 'GET',
        path,
        query: { ...(path.endsWith('/members') ? {} : { customer: ['my_customer'] }), maxResults: [maxResults] },
        headers: { authorization: ['Bearer t'] },
        body: undefined,
      }).errors;
    expect(ask(`${BASE}/users`, '500')).toEqual([]);
    expect(ask(`${BASE}/users`, '501')).toEqual([expect.stringContaining('maxResults must be <= 500')]);
    expect(ask(`${BASE}/groups`, '200')).toEqual([]);
    expect(ask(`${BASE}/groups`, '201')).toEqual([expect.stringContaining('maxResults must be <= 200')]);
    expect(ask(`${BASE}/groups/g1/members`, '201')).toEqual([expect.stringContaining('maxResults must be <= 200')]);
  });

  it("accepts Google's quota error body and refuses a request without a bearer token", () => {
    if (usersList.kind !== 'matched') throw new Error('users.list not found');
    const quota = {
      error: {
        code: 403,
        message: 'User Rate Limit Exceeded',
        errors: [{ domain: 'usageLimits', reason: 'userRateLimitExceeded', message: 'User Rate Limit Exceeded' }],
        status: 'PERMISSION_DENIED',
      },
    };
    expect(validator.validateResponseValue(usersList.operation, 403, 'application/json', quota)).toEqual([]);
    const check = validator.validateRequest({
      method: 'GET',
      path: `${BASE}/users`,
      query: { customer: ['my_customer'] },
      headers: {},
      body: undefined,
    });
    expect(check.unauthenticated).toBe(true);
  });
});

describe('the emulated token endpoint', () => {
  it('exchanges a JWT signed with the registered key for a bearer token that lasts an hour', async () => {
    const setup = setUp();
    const answer = await setup.token();
    expect(answer).toEqual({
      status: 200,
      json: { access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, token_type: 'Bearer' },
    });
    expect(setup.emulator.violations).toEqual([]);
  });

  it('refuses a JWT signed with another key', async () => {
    const setup = setUp();
    const stranger = newServiceAccountKey('stranger');
    const answer = await setup.token(
      {},
      { ...stranger, client_email: setup.key.client_email, private_key_id: setup.key.private_key_id },
    );
    expect(answer).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    });
  });

  it('refuses a wrong audience, a missing sub and an expired JWT', async () => {
    const setup = setUp();
    const now = Math.floor(setup.clock.now() / 1000);
    expect(await setup.token({ aud: 'https://admin.googleapis.com/' })).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: expect.stringContaining('audience') },
    });
    expect(await setup.token({ sub: undefined })).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: expect.stringContaining('no sub claim') },
    });
    expect(await setup.token({ iat: now - 7200, exp: now - 3600 })).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: expect.stringContaining('short-lived') },
    });
    expect(await setup.token({ iat: now, exp: now + 7200 })).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: expect.stringContaining('short-lived') },
    });
  });

  it('refuses scopes the domain-wide delegation does not grant, and a user who is not in the domain', async () => {
    const setup = setUp();
    expect(await setup.token({ scope: 'https://www.googleapis.com/auth/admin.directory.user' })).toEqual({
      status: 401,
      json: { error: 'unauthorized_client', error_description: expect.any(String) },
    });
    expect(await setup.token({ sub: 'someone@elsewhere.example' })).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Invalid email or User ID' },
    });
  });

  it('records a request that is not the JWT bearer grant as a violation', async () => {
    const setup = setUp();
    const response = await setup.emulator.handle({
      method: 'POST',
      path: GOOGLE_TOKEN_PATH,
      query: {},
      headers: { 'content-type': ['application/json'] },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(setup.emulator.violations).toEqual([
      expect.objectContaining({ api: 'google', side: 'request', operation: 'POST /token' }),
    ]);
  });
});

describe('the emulated Directory API', () => {
  it('pages users.list with the customer alias, up to 500 a page, until nextPageToken is absent', async () => {
    const setup = setUp({ users: 1200, groups: 6 });
    const bearer = await accessToken(setup);
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const response = await setup.get(
        `${BASE}/users`,
        { customer: ['my_customer'], maxResults: ['500'], ...(pageToken ? { pageToken: [pageToken] } : {}) },
        bearer,
      );
      const body = response.json as { users: { id: string }[]; nextPageToken?: string };
      seen.push(...body.users.map((u) => u.id));
      pageToken = body.nextPageToken;
      pages += 1;
    } while (pageToken !== undefined);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(1201);
  });

  it('filters users by org unit, including the units below it', async () => {
    const setup = setUp({ users: 20 });
    const bearer = await accessToken(setup);
    const response = await setup.get(
      `${BASE}/users`,
      { customer: ['my_customer'], query: ["orgUnitPath='/Engineering'"] },
      bearer,
    );
    const paths = (response.json as { users: { orgUnitPath: string }[] }).users.map((u) => u.orgUnitPath);
    expect(new Set(paths)).toEqual(new Set(['/Engineering', '/Engineering/Platform']));
    expect(paths).toHaveLength(8);
  });

  it('lists groups and members, direct or derived, with CUSTOMER, GROUP and outside members as they are', async () => {
    const setup = setUp({ users: 40, groups: 6 });
    const bearer = await accessToken(setup);
    const groups = await setup.get(`${BASE}/groups`, { customer: ['my_customer'] }, bearer);
    expect((groups.json as { groups: unknown[] }).groups).toHaveLength(6);
    const everyone = await setup.get(`${BASE}/groups/${seededGroupId(0)}/members`, { maxResults: ['200'] }, bearer);
    expect(
      (everyone.json as { members: { type: string }[] }).members.filter((m) => m.type === 'CUSTOMER'),
    ).toHaveLength(1);
    const cycle = await setup.get(`${BASE}/groups/${seededGroupEmail(4)}/members`, {}, bearer);
    expect((cycle.json as { members: { type: string; id: string }[] }).members).toContainEqual(
      expect.objectContaining({ type: 'GROUP', id: seededGroupId(5) }),
    );
    const derived = await setup.get(
      `${BASE}/groups/${seededGroupId(4)}/members`,
      { includeDerivedMembership: ['true'] },
      bearer,
    );
    expect((derived.json as { members: { type: string }[] }).members.every((m) => m.type === 'USER')).toBe(true);
    const user = await setup.get(`${BASE}/users/${seededUserId(3)}`, {}, bearer);
    expect(user.json).toEqual(expect.objectContaining({ id: seededUserId(3), kind: 'admin#directory#user' }));
  });

  it("answers 403 userRateLimitExceeded when a quota error is injected, and Google's error body validates", async () => {
    const setup = setUp();
    const bearer = await accessToken(setup);
    setup.emulator.quota.inject(1, 'userRateLimitExceeded');
    const refused = await setup.get(`${BASE}/users`, { customer: ['my_customer'] }, bearer);
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({
      error: expect.objectContaining({
        code: 403,
        errors: [expect.objectContaining({ reason: 'userRateLimitExceeded', domain: 'usageLimits' })],
      }),
    });
    expect((await setup.get(`${BASE}/users`, { customer: ['my_customer'] }, bearer)).status).toBe(200);
  });

  it("refuses a suspended impersonated admin with 403, and a token without the method's scope with 403", async () => {
    const setup = setUp();
    const bearer = await accessToken(setup);
    const narrow = await setup.token({ scope: READ_ONLY_SCOPES[1] });
    const groupOnly = String(narrow.json.access_token);
    expect((await setup.get(`${BASE}/users`, { customer: ['my_customer'] }, groupOnly)).json).toEqual({
      error: expect.objectContaining({
        code: 403,
        errors: [expect.objectContaining({ reason: 'insufficientPermissions' })],
      }),
    });
    const admin = setup.emulator.state.users.get(seededUserId(0));
    if (admin === undefined) throw new Error('no admin');
    admin.suspended = true;
    expect((await setup.get(`${BASE}/users`, { customer: ['my_customer'] }, bearer)).status).toBe(403);
  });

  it('refuses an expired access token with 401, and a page token from another listing with 400', async () => {
    const setup = setUp({ users: 150 });
    const bearer = await accessToken(setup);
    const first = await setup.get(`${BASE}/users`, { customer: ['my_customer'] }, bearer);
    const next = (first.json as { nextPageToken: string }).nextPageToken;
    expect(
      (
        await setup.get(
          `${BASE}/users`,
          { customer: ['my_customer'], query: ['isSuspended=false'], pageToken: [next] },
          bearer,
        )
      ).status,
    ).toBe(400);
    await setup.clock.advance(3600_000);
    expect((await setup.get(`${BASE}/users`, { customer: ['my_customer'] }, bearer)).status).toBe(401);
  });
});

describe('coverage guard: the Google operations served', () => {
  it('serves only methods of the discovery document, the reads the app calls', () => {
    const served = new GoogleWorkspaceEmulator().servedOperations().sort();
    const validator = validatorFor('google-admin-directory');
    for (const key of served) {
      const [method = '', template = ''] = key.split(' ');
      expect(validator.operation(method, template)).toBeDefined();
    }
    expect(served).toEqual([
      `GET ${BASE}/groups`,
      `GET ${BASE}/groups/{groupKey}`,
      `GET ${BASE}/groups/{groupKey}/members`,
      `GET ${BASE}/users`,
      `GET ${BASE}/users/{userKey}`,
    ]);
  });
});
