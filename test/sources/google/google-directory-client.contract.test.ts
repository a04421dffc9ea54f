import { newServiceAccountKey } from '../../../emulators/google/google-emulator';
import { SEEDED_ORG_UNITS, seededGroupId, seededUserId } from '../../../emulators/google/google-seed';
import { GOOGLE_DIRECTORY_OPERATIONS } from '../../../src/sources/google/google-directory-client';
import { GoogleSourceError } from '../../../src/sources/google/google-source-error';
import { GOOGLE_READ_ONLY_SCOPES } from '../../../src/sources/google/scopes';
import { checkedAfterEach } from '../../support/client-harness';
import { rejectionOf } from '../../support/outcomes';
import { googleHarness } from './google-harness';

const harness = checkedAfterEach(googleHarness);

async function rejection(promise: Promise<unknown>): Promise<GoogleSourceError> {
  const error = await rejectionOf(promise);
  if (error instanceof GoogleSourceError) return error;
  throw error;
}

describe('GoogleDirectoryClient against the Google emulator', () => {
  it('reads every user in pages of 500 with one token for all of them', async () => {
    const { client, recorder, tokens } = harness({ seed: { users: 1200, groups: 4 } });
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await client.listUsers(pageToken ? { pageToken } : {});
      ids.push(...page.items.map((u) => u.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    expect(new Set(ids).size).toBe(1201);
    expect(recorder.count(GOOGLE_DIRECTORY_OPERATIONS.listUsers)).toBe(3);
    expect(tokens.exchanges).toBe(1);
  });

  it('reads users below an org unit, suspended and archived ones marked', async () => {
    const { client, emulator } = harness({ seed: { users: 200, groups: 4 } });
    const page = await client.listUsers({ orgUnitPath: '/Engineering' });
    const expected = [...emulator.state.users.values()].filter((u) => u.orgUnitPath.startsWith('/Engineering'));
    expect(page.items.map((u) => u.id).sort()).toEqual(expected.map((u) => u.id).sort());
    expect(page.items.filter((u) => u.suspended).length).toBe(expected.filter((u) => u.suspended).length);
    expect(
      page.items.every((u) => u.orgUnitPath === SEEDED_ORG_UNITS[0] || u.orgUnitPath === SEEDED_ORG_UNITS[1]),
    ).toBe(true);
  });

  it("reads groups and a group's members in pages of 200, with CUSTOMER, GROUP and outside members", async () => {
    const { client, recorder } = harness({ seed: { users: 700, groups: 6 } });
    const groups = await client.listGroups({});
    expect(groups.items).toHaveLength(6);
    const members = [];
    let pageToken: string | undefined;
    do {
      const page = await client.listMembers(seededGroupId(0), pageToken ? { pageToken } : {});
      members.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    expect(recorder.count(GOOGLE_DIRECTORY_OPERATIONS.listMembers)).toBe(Math.ceil(members.length / 200));
    expect(members.filter((m) => m.type === 'CUSTOMER')).toEqual([
      { id: expect.any(String), type: 'CUSTOMER', role: 'MEMBER' },
    ]);
    const group2 = [];
    pageToken = undefined;
    do {
      const page = await client.listMembers(seededGroupId(2), pageToken ? { pageToken } : {});
      group2.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    const outsiders = group2.filter((m) => m.email?.endsWith('@outside.example'));
    expect(outsiders).toHaveLength(1);
    const group4 = [];
    pageToken = undefined;
    do {
      const page = await client.listMembers(seededGroupId(4), pageToken ? { pageToken } : {});
      group4.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    expect(group4).toContainEqual(expect.objectContaining({ type: 'GROUP', id: seededGroupId(5) }));
  });

  it('asks only for the read-only scopes, with the admin as sub', async () => {
    const { client, tokenBodies, emulator } = harness();
    await client.listGroups({});
    const assertion = new URLSearchParams(tokenBodies[0]).get('assertion') ?? '';
    const claims = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(claims).toEqual(
      expect.objectContaining({
        scope: GOOGLE_READ_ONLY_SCOPES.join(' '),
        sub: 'gadmin@example.com',
        aud: 'https://oauth2.googleapis.com/token',
      }),
    );
    expect([...emulator.state.tokens.values()].every((t) => t.scopes.every((s) => s.endsWith('.readonly')))).toBe(true);
  });

  it('keeps the token until a minute before it expires, then exchanges a new one', async () => {
    const { client, clock, tokens } = harness();
    await client.listGroups({});
    await clock.advance(58 * 60_000);
    await client.listGroups({});
    expect(tokens.exchanges).toBe(1);
    await clock.advance(2 * 60_000);
    await client.listGroups({});
    expect(tokens.exchanges).toBe(2);
  });

  it('waits out 403 userRateLimitExceeded with exponential backoff and resumes the same page', async () => {
    const { client, clock, emulator } = harness();
    emulator.quota.inject(3, 'userRateLimitExceeded');
    const started = clock.now();
    const page = await client.listUsers({});
    expect(page.items.length).toBeGreaterThan(0);
    expect(client.quotaRefusals).toBe(3);
    // 0.75 s, 1.5 s and 3 s with the jitter fixed at its middle.
    expect(clock.now() - started).toBe(750 + 1500 + 3000);
  });

  it('gives up on a quota that stays exhausted with a quota error, for the pull to resume later', async () => {
    const { client, emulator } = harness();
    emulator.quota.inject(10, 'quotaExceeded');
    const error = await rejection(client.listGroups({}));
    expect(error).toMatchObject({ kind: 'quota', status: 403, reason: 'quotaExceeded' });
    expect(error.retryable).toBe(true);
  });

  it('reports a suspended impersonated admin as forbidden, without retrying', async () => {
    const { client, emulator, recorder } = harness();
    const admin = emulator.state.users.get(seededUserId(0));
    if (admin) admin.suspended = true;
    const error = await rejection(client.listUsers({}));
    expect(error).toMatchObject({ kind: 'forbidden', status: 403 });
    expect(recorder.count(GOOGLE_DIRECTORY_OPERATIONS.listUsers)).toBe(1);
  });

  it("reports a key the token endpoint does not know as an auth error with Google's reason", async () => {
    const { client } = harness({ key: newServiceAccountKey('unregistered') });
    expect(await rejection(client.listUsers({}))).toMatchObject({ kind: 'auth', reason: 'invalid_grant' });
  });

  it('answers undefined for a user that does not exist, and the user for one that does', async () => {
    const { client } = harness();
    expect(await client.getUser('nobody@example.com')).toBeUndefined();
    expect(await client.getUser(seededUserId(2))).toEqual(
      expect.objectContaining({ id: seededUserId(2), suspended: false }),
    );
  });
});
