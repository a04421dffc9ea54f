/**
 * The admin resolver as Forge calls it (@forge/resolver getDefinitions: `{ call, context }` plus the backend's
 * runtime payload), over the in-process local host: Forge's consent request, thrown by the permission lookup,
 * leaves the resolver unchanged so Forge can prompt the user; every other failure of the check is answered as
 * a refusal with a truthful reason.
 */
import { NeedsAuthenticationError, ProxyRequestError } from '@forge/api';
import { FORGE_CONSENT_ERROR_NAME, forgeConsentErrorIn, makeAdminResolver } from '../../src/forge/admin-resolver';
import type { WorkspacePermissionLookup } from '../../src/admin/workspace-admin';
import { createLocalKvs } from '../../src/storage/local-kvs';
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';

const WORKSPACE = '7b1e2c3d-2222-4333-8444-955566667777';
// The backend context Forge adds to a resolver call (@forge/resolver getDefinitions, second argument).
const RUNTIME = {
  installContext: `ari:cloud:bitbucket::workspace/${WORKSPACE}`,
  principal: { accountId: '557058:admin' },
};

/** What the lookup does on the next call: answer, or throw. */
type Behaviour = { status: number; permission?: string } | { throws: unknown };

describe('makeAdminResolver', () => {
  let started: InProcessHost;
  let behaviour: Behaviour;
  let logged: string[];

  const lookup: WorkspacePermissionLookup = async () => {
    if ('throws' in behaviour) throw behaviour.throws;
    return behaviour;
  };

  function resolver(): ReturnType<typeof makeAdminResolver> {
    return makeAdminResolver(
      {
        getApp: async () => started.host.app,
        getSync: async () => started.host.sync,
        getBaseUrl: async () => 'https://example.invalid/x1/scim',
        lookupPermission: lookup,
        kvs: createLocalKvs(started.host.kvs),
      },
      { error: (code: string) => void logged.push(code) },
    );
  }

  async function call(functionKey: string): Promise<unknown> {
    return resolver()({ call: { functionKey, payload: {} }, context: {} }, RUNTIME);
  }

  beforeAll(async () => {
    started = await startInProcessHost({ bearerToken: 'admin-resolver-token' });
  });

  afterAll(async () => {
    await started.stop();
  });

  beforeEach(() => {
    behaviour = { status: 200, permission: 'owner' };
    logged = [];
  });

  it('answers an admin with the result', async () => {
    expect(await call('scim/get-base-url')).toEqual({ url: 'https://example.invalid/x1/scim' });
  });

  it("lets Forge's consent request, as asUser() throws it, reach the resolver's caller unchanged", async () => {
    // Exactly what @forge/api 8.3.0 out/api/fetch.js throws when the proxy answers NEEDS_AUTHENTICATION_ERR.
    const consent = new NeedsAuthenticationError('Authentication Required', 'atlassian-token-service-key');
    expect(consent.name).toBe(FORGE_CONSENT_ERROR_NAME);
    behaviour = { throws: consent };
    for (const key of ['status/get', 'tokens/list', 'settings/save']) await expect(call(key)).rejects.toBe(consent);
    expect(logged).toEqual([]);
  });

  it('recognises the consent request by name, in the error or its cause chain, and nothing else', () => {
    const consent = Object.assign(new Error('Authentication Required'), { name: 'NEEDS_AUTHENTICATION_ERR' });
    expect(forgeConsentErrorIn(consent)).toBe(consent);
    expect(forgeConsentErrorIn(new Error('wrapped', { cause: new Error('again', { cause: consent }) }))).toBe(consent);
    expect(forgeConsentErrorIn(new ProxyRequestError(502, 'UPSTREAM_FAILURE'))).toBeUndefined();
    expect(forgeConsentErrorIn(Object.assign(new Error('401'), { status: 401 }))).toBeUndefined();
    expect(forgeConsentErrorIn({ name: 'NEEDS_AUTHENTICATION_ERR' })).toBeUndefined();
    expect(forgeConsentErrorIn(undefined)).toBeUndefined();
  });

  it.each([
    ['a network failure', 'check-failed', { throws: new TypeError('fetch failed') }],
    ['a failure of Forge’s proxy', 'check-failed', { throws: new ProxyRequestError(502, 'UPSTREAM_FAILURE') }],
    ['Bitbucket failing', 'check-failed', { status: 503 }],
    ['Bitbucket rate limiting', 'check-failed', { status: 429 }],
    ['a 401 answer without the consent request', 'grant-required', { status: 401 }],
    ['a member', 'not-admin', { status: 200, permission: 'member' }],
    ['no access to the workspace', 'not-admin', { status: 403 }],
  ] as const)('answers %s with a %s refusal', async (_what, reason, answer) => {
    behaviour = answer;
    expect(await call('tokens/list')).toEqual({ error: { reason, message: expect.any(String) } });
  });

  it('logs why the check could not be completed, without telling the page', async () => {
    behaviour = { throws: new TypeError('fetch failed: getaddrinfo EAI_AGAIN api.bitbucket.org') };
    const answer = (await call('status/get')) as { error: { message: string } };
    expect(answer.error.message).not.toContain('EAI_AGAIN');
    expect(answer.error.message).toMatch(/try again/);
    expect(logged).toEqual(['ADMIN-E502']);
  });
});
