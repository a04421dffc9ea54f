/**
 * A storage quota breach in a read the SCIM service makes beside the directory store (the bearer token check, the
 * client profile) is answered as the store answers one: 429 with Retry-After (RFC 6585 section 4), never a 500. The
 * token check met Forge's 1,000 KVS requests a second in an IdP's burst (test/local/forge-runtime/todays-findings.test.ts).
 */
import { createApp } from '../../src/app/create-app';
import { createLocalKvs } from '../../src/storage/local-kvs';
import { kvsPerTest } from '../support/kvs-per-test';

const fixture = kvsPerTest();

it('answers a storage quota breach while it checks the bearer token with 429 and Retry-After', async () => {
  let throttle = false;
  // Storage answers as Forge's KVS does over its quotas (DAC `/rest`): 429 RATE_LIMIT_EXCEEDED.
  const kvs = createLocalKvs({
    fetch: async (url, init) =>
      throttle
        ? new Response(JSON.stringify({ code: 'RATE_LIMIT_EXCEEDED', message: 'Storage rate limit exceeded' }), {
            status: 429,
            headers: { 'content-type': 'application/json' },
          })
        : fixture.service.fetch(url, init),
  });
  const logged: string[] = [];
  const app = createApp({ kvs, logger: { error: (code) => logged.push(code) }, now: () => new Date(fixture.clock.ms) });
  const { token } = await app.tokens.issue({ label: 'idp' });
  const list = () =>
    app.handleScim({
      method: 'GET',
      path: '/Users',
      query: {},
      headers: { authorization: [`Bearer ${token}`] },
      body: undefined,
      baseUrl: 'https://scim.test/scim/v2',
    });
  expect((await list()).status).toBe(200);
  // Past the tokens' cache, so the check reads storage again.
  fixture.clock.ms += 3600_000;
  throttle = true;
  const response = await list();
  expect(response.status).toBe(429);
  expect(response.headers['retry-after']).toBe('60');
  expect(logged).not.toContain('SCIM-E500');
  throttle = false;
  expect((await list()).status).toBe(200);
});
