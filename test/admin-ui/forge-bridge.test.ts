/**
 * The page's Forge transport: a rejected `invoke` that is Forge's consent request (static/admin/src/bridge/forge-bridge.ts)
 * becomes a `consent-required` AdminCallError, which the page answers by asking the admin to allow access;
 * every other rejection passes through as it came.
 */
import { NeedsAuthenticationError } from '@forge/api';
import {
  AdminCallError,
  CONSENT_MESSAGE,
  describeError,
  makeAdminClient,
  needsConsent,
} from '../../static/admin/src/bridge/admin-client';
import { forgeTransport, isConsentRejection } from '../../static/admin/src/bridge/forge-bridge';

describe('isConsentRejection', () => {
  it.each<[string, unknown]>([
    [
      'the error as @forge/api 8.3.0 defines it',
      new NeedsAuthenticationError('Authentication Required', 'atlassian-token-service-key'),
    ],
    ['an Error that kept only the message', new Error('Authentication Required')],
    ['a message that wraps it', new Error('There was an error invoking the function - Authentication Required')],
    ['a plain object with the name', { name: 'NEEDS_AUTHENTICATION_ERR', message: '' }],
    ['a string naming it', 'NEEDS_AUTHENTICATION_ERR'],
  ])('recognises %s', (_what, rejection) => {
    expect(isConsentRejection(rejection)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a network failure', new TypeError('Failed to fetch')],
    ['the bridge rate limit', new Error('Resolver calls are rate limited at 500req/25s')],
    ['a 401 without the consent request', Object.assign(new Error('Unauthorized'), { status: 401 })],
    ['nothing', undefined],
  ])('leaves %s alone', (_what, rejection) => {
    expect(isConsentRejection(rejection)).toBe(false);
  });
});

describe('forgeTransport', () => {
  it('turns the consent request into consent-required, which the page shows as a request to allow access', async () => {
    const client = makeAdminClient(
      forgeTransport(async () =>
        Promise.reject(new NeedsAuthenticationError('Authentication Required', 'atlassian-token-service-key')),
      ),
    );
    const failure = await client.call('status/get').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AdminCallError);
    expect(failure).toMatchObject({ reason: 'consent-required' });
    expect(needsConsent(failure)).toBe(true);
    expect(describeError(failure)).toBe(CONSENT_MESSAGE);
  });

  it("shows the resolver's grant-required refusal the same way", async () => {
    const client = makeAdminClient(
      forgeTransport(async () => ({
        error: {
          reason: 'grant-required',
          message: 'Allow the app to access Bitbucket on your behalf, then try again',
        },
      })),
    );
    const failure = await client.call('tokens/list').catch((error: unknown) => error);
    expect(needsConsent(failure)).toBe(true);
    expect(describeError(failure)).toBe(CONSENT_MESSAGE);
  });

  it('passes other rejections and answers through unchanged', async () => {
    const offline = new TypeError('Failed to fetch');
    await expect(forgeTransport(async () => Promise.reject(offline))('status/get', {})).rejects.toBe(offline);
    const sent: unknown[] = [];
    expect(
      await forgeTransport(async (key, payload) => (sent.push([key, payload]), { url: 'u' }))(
        'scim/get-base-url',
        undefined,
      ),
    ).toEqual({ url: 'u' });
    expect(sent).toEqual([['scim/get-base-url', {}]]);
    const refusal = await makeAdminClient(
      forgeTransport(async () => ({ error: { reason: 'check-failed', message: 'try again' } })),
    )
      .call('status/get')
      .catch((error: unknown) => error);
    expect(needsConsent(refusal)).toBe(false);
  });
});
