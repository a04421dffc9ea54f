/**
 * The username transform preview flags results outside the organization's verified domains (first hour, item 7):
 * Entra's default `…@contoso.onmicrosoft.com` userNames would be invited as accounts the organization does not
 * manage, and the preview used to mark them "unchanged" without a word.
 */
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';
import { adminCaller } from '../support/admin-harness';

const CONTEXT = { accountId: '557058:domains-admin', installContext: 'ari:cloud:bitbucket::workspace/5f8a1c2e-1111-4222-8333-944455556666' };

describe('the transform preview and the organization\'s domains', () => {
  let started: InProcessHost;
  beforeEach(async () => {
    started = await startInProcessHost({ bearerToken: 'transform-domains-token' });
  });
  afterEach(async () => {
    await started.stop();
  });

  const call = adminCaller(() => started.host, CONTEXT);

  it('flags an unchanged userName on a domain the organization has not verified', async () => {
    const view = await call('transform/preview', { transform: null, samples: ['ada@contoso.onmicrosoft.com', 'bob@example.com'] });
    expect(view.domains).toEqual({ verified: ['example.com', 'emulated.example'], outside: ['ada@contoso.onmicrosoft.com'] });
    // A transform that rewrites the domain clears it.
    const rewritten = await call('transform/preview', { transform: { pattern: '(.*)@contoso\\.onmicrosoft\\.com', replacement: '$1@example.com' }, samples: ['ada@contoso.onmicrosoft.com'] });
    expect(rewritten.domains?.outside).toEqual([]);
  });

  it('reads only verified domains from the Admin API', async () => {
    const emulators = started.host.emulators;
    if (!emulators) throw new Error('no emulators');
    emulators.admin.state.domains.push({ id: 'd5c3a1e0-0000-4000-8000-000000000009', name: 'Contoso.com', status: 'unverified' });
    const connected = await started.host.sync.connect();
    if (!connected.ok) throw new Error('not connected');
    expect(await connected.admin.listVerifiedDomains?.()).toEqual(['example.com', 'emulated.example']);
    expect(emulators.admin.violations).toEqual([]);
  });
});
