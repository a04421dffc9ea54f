/** Credentials in Forge secret storage (the local KVS): validation, masking, partial updates and expiry warnings. */
import {
  CredentialStore,
  CredentialValidationError,
  EXPIRY_WARNING_DAYS,
  secretSuffix,
  type Credentials,
} from '../../src/sync/credentials';
import { kvsPerTest } from '../support/kvs-per-test';

const NOW = new Date('2026-11-23T10:00:00.000Z');
const DAY_MS = 86_400_000;

function makeCredentials(overrides: Partial<Credentials> = {}): Credentials {
  return {
    orgId: '8a7b6c5d-1111-2222-3333-444455556666',
    orgApiKey: 'ATCTT3xFfGN0-org-api-key-value-9Zq1',
    orgApiKeyExpiresAt: '2027-06-01T00:00:00.000Z',
    bitbucketEmail: 'bitbucket-admin@example.com',
    bitbucketApiToken: 'ATATT3xFfGF0-bitbucket-token-Kp7w',
    bitbucketApiTokenExpiresAt: '2027-03-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('CredentialStore', () => {
  const fixture = kvsPerTest(NOW.getTime());
  let store: CredentialStore;
  beforeEach(() => {
    store = new CredentialStore(fixture.kvs, () => NOW);
  });

  it('stores each credential in its own secret and loads them in full', async () => {
    expect(await store.load()).toBeUndefined();
    await store.save(makeCredentials());
    expect(await store.load()).toEqual(makeCredentials());
    expect(await fixture.kvs.getSecret('credentials:org-api-key')).toMatchObject({
      value: makeCredentials().orgApiKey,
    });
    expect(await fixture.kvs.getSecret('credentials:bitbucket-api-token')).toMatchObject({
      value: makeCredentials().bitbucketApiToken,
    });
    // Nothing lands in the plain key space, which can be queried.
    expect((await fixture.kvs.query().getMany()).results).toEqual([]);
  });

  it('shows only a short suffix of every credential, never a full value', async () => {
    const credentials = makeCredentials({ orgId: 'abcdef' });
    await store.save(credentials);
    const view = await store.view();
    expect(view).toEqual({
      orgId: { configured: true, suffix: 'ef', updatedAt: NOW.toISOString() },
      orgApiKey: {
        configured: true,
        suffix: '9Zq1',
        updatedAt: NOW.toISOString(),
        expiresAt: '2027-06-01T00:00:00.000Z',
      },
      bitbucketEmail: { configured: true, suffix: '.com', updatedAt: NOW.toISOString() },
      bitbucketApiToken: {
        configured: true,
        suffix: 'Kp7w',
        updatedAt: NOW.toISOString(),
        expiresAt: '2027-03-01T00:00:00.000Z',
      },
    });
    const text = JSON.stringify(view);
    for (const value of [
      credentials.orgId,
      credentials.orgApiKey,
      credentials.bitbucketEmail,
      credentials.bitbucketApiToken,
    ]) {
      expect(text).not.toContain(value);
    }
  });

  it('reports unset credentials without suffixes', async () => {
    expect(await store.view()).toEqual({
      orgId: { configured: false },
      orgApiKey: { configured: false },
      bitbucketEmail: { configured: false },
      bitbucketApiToken: { configured: false },
    });
  });

  const suffixes: [string, string][] = [
    ['', ''],
    ['ab', ''],
    ['abc', 'c'],
    ['abcdef', 'ef'],
    ['abcdefghijkl', 'ijkl'],
    ['a-very-long-secret-value', 'alue'],
  ];
  it.each(suffixes)('reveals of %j only %j', (value, suffix) => {
    expect(secretSuffix(value)).toBe(suffix);
    if (value !== '') expect(secretSuffix(value).length).toBeLessThan(value.length);
  });

  const invalid: { name: string; credentials: Credentials; field: string }[] = [
    { name: 'an empty org id', credentials: makeCredentials({ orgId: '' }), field: 'orgId' },
    { name: 'an org id with spaces', credentials: makeCredentials({ orgId: 'my org' }), field: 'orgId' },
    { name: 'an API key with whitespace', credentials: makeCredentials({ orgApiKey: 'abc def' }), field: 'orgApiKey' },
    {
      name: 'an email without a domain',
      credentials: makeCredentials({ bitbucketEmail: 'admin' }),
      field: 'bitbucketEmail',
    },
    { name: 'a blank token', credentials: makeCredentials({ bitbucketApiToken: '   ' }), field: 'bitbucketApiToken' },
    {
      name: 'an expiry that is not a date',
      credentials: makeCredentials({ orgApiKeyExpiresAt: 'next year' }),
      field: 'orgApiKeyExpiresAt',
    },
    {
      name: 'a missing token',
      credentials: { ...makeCredentials(), bitbucketApiToken: undefined } as unknown as Credentials,
      field: 'bitbucketApiToken',
    },
  ];
  it.each(invalid)('refuses $name and stores nothing', async ({ credentials, field }) => {
    const error = await store.save(credentials).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialValidationError);
    expect((error as CredentialValidationError).errors.map((e) => e.field)).toEqual([field]);
    expect((await store.view()).orgApiKey.configured).toBe(false);
  });

  it('updates one credential and keeps the others', async () => {
    await store.save(makeCredentials());
    await store.update({ bitbucketApiToken: 'ATATT-rotated-token-0001', bitbucketApiTokenExpiresAt: '2027-09-01' });
    expect(await store.load()).toEqual(
      makeCredentials({
        bitbucketApiToken: 'ATATT-rotated-token-0001',
        bitbucketApiTokenExpiresAt: '2027-09-01T00:00:00.000Z',
      }),
    );
  });

  it('drops the old expiry when a secret is replaced without one, and clears an expiry on null', async () => {
    await store.save(makeCredentials());
    await store.update({ orgApiKey: 'new-key-without-expiry' });
    await store.update({ bitbucketApiTokenExpiresAt: null });
    const loaded = await store.load();
    expect(loaded?.orgApiKey).toBe('new-key-without-expiry');
    expect(loaded).not.toHaveProperty('orgApiKeyExpiresAt');
    expect(loaded).not.toHaveProperty('bitbucketApiTokenExpiresAt');
    expect(loaded?.bitbucketApiToken).toBe(makeCredentials().bitbucketApiToken);
  });

  it('refuses an expiry for a secret that was never stored', async () => {
    await expect(store.update({ orgApiKeyExpiresAt: '2027-01-01' })).rejects.toThrow(
      /orgApiKeyExpiresAt: cannot be set before orgApiKey/,
    );
  });

  it('deletes every credential on clear', async () => {
    await store.save(makeCredentials());
    await store.clear();
    expect(await store.load()).toBeUndefined();
    expect((await store.view()).bitbucketEmail.configured).toBe(false);
  });

  const warningCases: { name: string; expiresAt: string; severity?: 'expired' | 'expiring'; daysLeft?: number }[] = [
    {
      name: 'no warning far from expiry',
      expiresAt: new Date(NOW.getTime() + (EXPIRY_WARNING_DAYS + 1) * DAY_MS).toISOString(),
    },
    {
      name: 'a warning exactly 14 days before',
      expiresAt: new Date(NOW.getTime() + EXPIRY_WARNING_DAYS * DAY_MS).toISOString(),
      severity: 'expiring',
      daysLeft: 14,
    },
    {
      name: 'a warning on the last day',
      expiresAt: new Date(NOW.getTime() + 3600_000).toISOString(),
      severity: 'expiring',
      daysLeft: 0,
    },
    { name: 'expired at this instant', expiresAt: NOW.toISOString(), severity: 'expired', daysLeft: 0 },
    {
      name: 'expired days ago',
      expiresAt: new Date(NOW.getTime() - 3 * DAY_MS).toISOString(),
      severity: 'expired',
      daysLeft: -3,
    },
  ];
  it.each(warningCases)('gives $name', async ({ expiresAt, severity, daysLeft }) => {
    await store.save(makeCredentials({ bitbucketApiTokenExpiresAt: expiresAt, orgApiKeyExpiresAt: '2030-01-01' }));
    const warnings = await store.warnings(NOW);
    if (severity === undefined) {
      expect(warnings).toEqual([]);
    } else {
      expect(warnings).toEqual([
        {
          credential: 'bitbucketApiToken',
          severity,
          daysLeft,
          expiresAt,
          message: expect.stringContaining('The Bitbucket API token'),
        },
      ]);
    }
  });

  it('warns about both keys and uses the store clock by default', async () => {
    await store.save(makeCredentials({ orgApiKeyExpiresAt: '2026-11-20', bitbucketApiTokenExpiresAt: '2026-11-30' }));
    const warnings = await store.warnings();
    expect(warnings.map((w) => [w.credential, w.severity])).toEqual([
      ['orgApiKey', 'expired'],
      ['bitbucketApiToken', 'expiring'],
    ]);
    expect(warnings[0]?.message).toBe(
      'The organization API key expired on 2026-11-20; syncing fails until it is replaced',
    );
    expect(warnings[1]?.message).toBe(
      'The Bitbucket API token expires on 2026-11-30 (in 6 days); replace it before then',
    );
  });
});
