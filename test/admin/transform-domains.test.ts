/**
 * The username transform preview flags results outside the organization's verified domains (first hour, item 7):
 * Entra's default `…@contoso.onmicrosoft.com` userNames would be invited as accounts the organization does not
 * manage, and the preview used to mark them "unchanged" without a word.
 */
import { inProcessHostPerTest } from '../support/in-process-host';
import { adminCaller, adminContext } from '../support/admin-harness';

const CONTEXT = adminContext('557058:domains-admin');

describe("the transform preview and the organization's domains", () => {
  const started = inProcessHostPerTest({ bearerToken: 'transform-domains-token' });

  const call = adminCaller(() => started.host, CONTEXT);

  it('flags an unchanged userName on a domain the organization has not verified', async () => {
    const view = await call('transform/preview', {
      transform: null,
      samples: ['ada@contoso.onmicrosoft.com', 'bob@example.com'],
    });
    expect(view.domains).toEqual({
      verified: ['example.com', 'emulated.example'],
      outside: ['ada@contoso.onmicrosoft.com'],
    });
    // A transform that rewrites the domain clears it.
    const rewritten = await call('transform/preview', {
      transform: { pattern: '(.*)@contoso\\.onmicrosoft\\.com', replacement: '$1@example.com' },
      samples: ['ada@contoso.onmicrosoft.com'],
    });
    expect(rewritten.domains?.outside).toEqual([]);
  });

  it('reads only verified domains from the Admin API', async () => {
    const emulators = started.host.emulators;
    if (!emulators) throw new Error('no emulators');
    emulators.admin.state.domains.push({
      id: 'd5c3a1e0-0000-4000-8000-000000000009',
      name: 'Contoso.com',
      status: 'unverified',
    });
    const connected = await started.host.sync.connect();
    if (!connected.ok) throw new Error('not connected');
    expect(await connected.admin.listVerifiedDomains?.()).toEqual(['example.com', 'emulated.example']);
    expect(emulators.admin.violations).toEqual([]);
  });
});
