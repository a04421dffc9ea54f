/**
 * Google Workspace as the directory source, end to end over the local host: the admin calls choose the source, test
 * the connection, preview and approve, all over the host's admin bridge (HTTP, as the admin page calls them); pulls
 * run as chains of invocations on the local Forge runtime against the
 * emulated Google Workspace; the sync engine, unchanged, carries the directory into the emulated Atlassian
 * organization and Bitbucket. After each phase the organization must equal what the pulled directory implies.
 */
import { SEEDED_GOOGLE_ADMIN, seededGroupEmail, seededUserEmail, seededUserId } from '../../emulators/google/google-seed';
import type { AdminApi } from '../../src/shared/admin-api';
import type { GoogleSelection } from '../../src/sources/google/google-selection';
import type { PullSummary } from '../../src/sources/pull/pull-runner';
import type { PermissionRule } from '../../src/sync/settings';
import { actualGrants, expectedGrants } from '../support/grant-state';
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';
import { orgGroupNameFor } from '../../src/targets/group-slug';
import { actualState, appliedWrites, directoryFromStore, GROUP_PREFIX, scimOverHttp, type DirectorySnapshot, type OrgState } from '../support/sync-state';

const TOKEN = 'google-e2e-token-0123456789abcdef';
const RULES: PermissionRule[] = [
  { id: 'everyone-read', group: 'Everyone', projects: [], repositories: ['*'], level: 'read' },
  { id: 'team1-platform', group: 'Team 001', projects: [], repositories: ['platform-*'], level: 'write' },
  { id: 'team2-web', group: 'Team 002', projects: ['WEB'], repositories: [], level: 'admin' },
];
/** Every org unit but /Contractors: a user moved in or out of it joins or leaves the selection. */
const SELECTION: GoogleSelection = { users: { kind: 'org-units', paths: ['/Engineering', '/Sales', '/Support'] }, groups: { kind: 'all' } };

let started: InProcessHost | undefined;

/** One admin call over the local host's bridge (`POST /admin/api/invoke`), as the admin page makes it. */
type AdminCall = <K extends keyof AdminApi>(key: K, payload: Parameters<AdminApi[K]>[0]) => Promise<ReturnType<AdminApi[K]>>;

function adminOverHttp(h: InProcessHost): AdminCall {
  return async (key, payload) => {
    const response = await fetch(`${h.host.url}/admin/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-key': h.host.adminKey },
      body: JSON.stringify({ key, payload }),
    });
    const body = (await response.json()) as { result?: unknown; error?: unknown };
    if (response.status !== 200 || body.error !== undefined) throw new Error(`${key}: ${response.status} ${JSON.stringify(body.error)}`);
    return body.result as never;
  };
}

/** Waits (bounded, in real time) until `probe` answers something, while the pull's invocations run. */
async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** (org group, member email) pairs in `before` and no longer in `after`, and accounts no longer active. */
function accessLost(before: OrgState, after: OrgState): string[] {
  const lost: string[] = [];
  for (const [email, status] of before.accounts) if (status === 'active' && after.accounts.get(email) !== 'active') lost.push(`account ${email}`);
  for (const [group, members] of before.groups) {
    const now = new Set(after.groups.get(group) ?? []);
    for (const member of members) if (!now.has(member)) lost.push(`${group} ${member}`);
  }
  return lost;
}

function orgOf(h: InProcessHost): OrgState {
  const emulators = h.host.emulators;
  if (!emulators) throw new Error('no emulators');
  return actualState({ users: emulators.admin.state.users.values(), groups: emulators.admin.state.groups.values() });
}

afterEach(async () => {
  await started?.stop();
  started = undefined;
});

async function settle(h: InProcessHost): Promise<void> {
  for (let round = 0; round < 80; round += 1) {
    await h.host.runtime.idle();
    if ((await h.host.pull.runner.current()) === undefined && (await h.host.app.store.pendingChanges(1)).entries.length === 0) {
      await h.host.runtime.idle();
      if ((await h.host.app.store.pendingChanges(1)).entries.length === 0) return;
    }
    await h.host.sync.dispatcher.drain({ sweep: true });
  }
  throw new Error('no convergence');
}

async function pullNow(call: AdminCall, h: InProcessHost): Promise<PullSummary> {
  expect(await call('source/sync-now', undefined)).toEqual({ started: true, runId: expect.any(String) });
  await settle(h);
  const summary = (await h.host.pull.status()).lastPull;
  if (summary === undefined) throw new Error('no pull');
  return summary;
}

/** Settles, then the last pull, which must be the run `runId`. */
async function settleAndLastPull(h: InProcessHost, runId: string): Promise<PullSummary> {
  await settle(h);
  const summary = (await h.host.pull.status()).lastPull;
  expect(summary?.runId).toBe(runId);
  if (summary === undefined) throw new Error('no pull');
  return summary;
}

async function previewAndApprove(call: AdminCall, h: InProcessHost): Promise<PullSummary> {
  expect(await call('source/preview', undefined)).toEqual({ started: true, runId: expect.any(String) });
  await settle(h);
  expect(await call('source/approve', undefined)).toEqual({ approved: true });
  const preview = (await h.host.pull.status()).lastPreview;
  if (preview === undefined) throw new Error('no preview');
  return preview;
}

/**
 * The organization a pulled directory implies under the default settings (revoke-access deactivation): an active
 * user has an active account; an inactive one keeps the account it had (revoke-access takes only the app's groups)
 * and never gets one it did not have; a user renamed in Google keeps the account linked before, under its first
 * email (`accounts`, directory user id -> email, is kept across phases); groups hold their active users.
 */
function expectedOrg(directory: DirectorySnapshot, accounts: Map<string, string>): OrgState {
  const emails = new Map<string, string>();
  for (const user of directory.users) {
    if (user.active && !accounts.has(user.id)) accounts.set(user.id, user.userName.toLowerCase());
    const email = accounts.get(user.id);
    if (email !== undefined) emails.set(email, 'active');
  }
  const groups = new Map<string, string[]>();
  const active = new Map(directory.users.map((u) => [u.id, u.active]));
  for (const group of directory.groups) {
    groups.set(orgGroupNameFor(group.displayName, GROUP_PREFIX), group.memberIds.filter((id) => active.get(id)).map((id) => accounts.get(id) ?? '?').sort());
  }
  return { accounts: emails, groups };
}

/** The organization equals what the pulled directory implies; `accounts` (directory user id -> account email) is the test's memory across phases. */
async function organizationMatches(h: InProcessHost, accounts: Map<string, string>): Promise<void> {
  const emulators = h.host.emulators;
  if (!emulators) throw new Error('no emulators');
  const directory = await directoryFromStore(h.host.app.store);
  // Org groups keep the name they were created with; the seed's names do not change here.
  const names = new Map(directory.groups.map((g) => [g.id, g.displayName]));
  const sorted = (state: OrgState) => ({ accounts: Object.fromEntries([...state.accounts].sort()), groups: Object.fromEntries([...state.groups].sort()) });
  expect(sorted(actualState({ users: emulators.admin.state.users.values(), groups: emulators.admin.state.groups.values() }))).toEqual(sorted(expectedOrg(directory, accounts)));
  const live = [...emulators.admin.state.groups.values()].map((g) => g.name);
  expect(actualGrants(emulators.bitbucket.state.permissions, live)).toEqual(expectedGrants(RULES, directory, names));
}

function remoteWrites(h: InProcessHost): number {
  const emulators = h.host.emulators;
  if (!emulators) throw new Error('no emulators');
  return appliedWrites(emulators.admin.writeLog, emulators.bitbucket.writeLog);
}

describe('Google Workspace as the directory source', () => {
  it('pulls 500 users and 50 nested groups into the organization exactly, follows changes, writes nothing unchanged, and holds a mass deactivation', async () => {
    started = await startInProcessHost({ bearerToken: TOKEN, googleSeed: { users: 500, groups: 50 } });
    const h = started;
    const call = adminOverHttp(h);
    const accounts = new Map<string, string>();
    await h.host.sync.settings.save({ ...(await h.host.sync.settings.get()), rules: RULES });

    const saved = await call('source/save', { kind: 'google-workspace', google: { subject: SEEDED_GOOGLE_ADMIN, selection: SELECTION, schedule: 'hourly' } });
    // No key was uploaded: the host's emulated account's own key stands in, and no key summary comes back.
    expect(saved).toEqual({ ok: true, value: expect.objectContaining({ kind: 'google-workspace', scopes: expect.any(Array) }) });
    expect(saved.ok && saved.value.key).toBeUndefined();
    const checks = await call('source/test', undefined);
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['Service account key', true],
      ['Admin to impersonate', true],
      ['Token for the admin (domain-wide delegation of the read-only scopes)', true],
      ['Read users (admin.directory.user.readonly)', true],
      ['Read groups (admin.directory.group.readonly)', true],
      ['Read group members (admin.directory.group.member.readonly)', true],
    ]);
    expect(await call('source/sync-now', undefined)).toEqual({ started: false, refused: 'not-approved' });
    // With Google as the source no SCIM IdP is picked or waited for: set-up is done, and the banner waits for a pull.
    expect(await call('status/get', undefined)).toMatchObject({ ready: true, state: 'waiting-for-idp', detail: expect.stringContaining('no pull from Google Workspace has finished yet') });
    const preview = await previewAndApprove(call, h);
    expect(preview.changes.usersCreated).toBeGreaterThan(300);
    expect(await h.host.app.store.count('User')).toBe(0);

    const first = await pullNow(call, h);
    expect(first.changes.usersCreated).toBe(preview.changes.usersCreated);
    expect(await call('status/get', undefined)).toMatchObject({ state: 'running', detail: `The last pull from Google Workspace finished at ${first.finishedAt}.` });
    expect(first.findings.cycles).toHaveLength(1);
    expect(first.findings.outsideDomain.count).toBe(1);
    await organizationMatches(h, accounts);
    expect(h.host.runtime.stats().violationsByLimit['outbound-requests'] ?? 0).toBe(0);

    // While Google is the source, an IdP's SCIM write is refused with a detail that says why; reads still answer.
    const scim = scimOverHttp(h.host.scimBaseUrl, TOKEN);
    const refused = await scim('POST', '/Users', { userName: 'pushed@example.com' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toContain('Google Workspace');
    expect((await scim('GET', '/Users?count=1')).status).toBe(200);

    // Nothing changed: no directory write, no remote write.
    const before = remoteWrites(h);
    const unchanged = await pullNow(call, h);
    expect(unchanged.changes.directoryWrites).toBe(0);
    expect(remoteWrites(h)).toBe(before);

    // Suspensions, a rename, a membership change and a move between org units converge exactly.
    const state = h.host.google?.state;
    if (!state) throw new Error('no emulated Google');
    const sixAccount = [...(h.host.emulators?.admin.state.users.values() ?? [])].find((u) => u.email === seededUserEmail(6))?.accountId;
    for (const i of [3, 4, 5]) state.users.get(seededUserId(i))!.suspended = true;
    state.users.get(seededUserId(6))!.primaryEmail = 'renamed.six@example.com';
    const team3 = state.members.get('03ep43zb0000003') ?? [];
    state.members.set('03ep43zb0000003', team3.slice(1));
    const mover = [...state.users.values()].find((u) => u.orgUnitPath === '/Contractors' && !u.suspended && !u.archived);
    const leaver = [...state.users.values()].find((u) => u.orgUnitPath === '/Sales' && !u.suspended && !u.archived);
    if (!mover || !leaver) throw new Error('seed');
    mover.orgUnitPath = '/Sales';
    leaver.orgUnitPath = '/Contractors';
    const windowBefore = (await h.host.sync.breaker.state()).recent.reduce((sum, b) => sum + b.count, 0);
    const changed = await pullNow(call, h);
    // User 4 sits in /Contractors, outside the selection: two suspensions count, and the user who left.
    expect(changed.changes).toEqual(expect.objectContaining({ usersCreated: 1, usersDeactivated: 3, usersUpdated: 3 }));
    expect(changed.heldDeactivations).toBe(0);
    await organizationMatches(h, accounts);
    // The deactivations went through the breaker: its window counted them.
    expect((await h.host.sync.breaker.state()).recent.reduce((sum, b) => sum + b.count, 0) - windowBefore).toBeGreaterThanOrEqual(3);
    // The renamed user keeps its account (the same account id, under the email it had) and its groups.
    const six = [...(h.host.emulators?.admin.state.users.values() ?? [])].filter((u) => u.email === seededUserEmail(6) || u.email === 'renamed.six@example.com');
    expect(six.map((u) => [u.accountId, u.email])).toEqual([[sixAccount, seededUserEmail(6)]]);

    // A filter that drops most users: previewed, approved, pulled; the breaker holds every deactivation.
    const directoryBefore = await directoryFromStore(h.host.app.store);
    const orgBefore = orgOf(h);
    await call('source/save', { kind: 'google-workspace', google: { selection: { users: { kind: 'group', email: seededGroupEmail(49) }, groups: { kind: 'all' } } } });
    expect(await call('source/sync-now', undefined)).toEqual({ started: false, refused: 'not-approved' });
    const narrow = await previewAndApprove(call, h);
    expect(narrow.heldDeactivations).toBeGreaterThan(300);
    expect((await h.host.sync.breaker.state()).tripped).toBe(false);
    const held = await pullNow(call, h);
    expect(held.heldDeactivations).toBe(narrow.heldDeactivations);
    expect(held.changes.usersDeactivated).toBe(0);
    expect((await h.host.sync.breaker.state()).tripped).toBe(true);
    expect((await call('sync/status', undefined)).waitingDeactivations).toBeGreaterThanOrEqual(held.heldDeactivations);
    const after = await directoryFromStore(h.host.app.store);
    const activeAfter = new Set(after.users.filter((u) => u.active).map((u) => u.id));
    expect(directoryBefore.users.filter((u) => u.active && !activeAfter.has(u.id))).toEqual([]);
    expect(accessLost(orgBefore, orgOf(h))).toEqual([]);

    // Once an admin confirms, the next pull deactivates them, and the organization follows.
    expect((await call('breaker/confirm', undefined)).tripped).toBe(false);
    const confirmed = await pullNow(call, h);
    expect(confirmed.heldDeactivations).toBe(0);
    expect(confirmed.changes.usersDeactivated).toBe(held.heldDeactivations);
    await organizationMatches(h, accounts);
  }, 240_000);

  it('switches from SCIM by email, and a pull that fails part-way deactivates no one, shows why, and resumes', async () => {
    started = await startInProcessHost({ bearerToken: TOKEN, googleSeed: { users: 120, groups: 12 }, pullRetryDelaySeconds: 1 });
    const h = started;
    const call = adminOverHttp(h);
    const state = h.host.google?.state;
    if (!state) throw new Error('no emulated Google');
    await h.host.sync.settings.save({ ...(await h.host.sync.settings.get()), rules: RULES });

    // SCIM first: a user Google also has, and one it does not.
    const scim = scimOverHttp(h.host.scimBaseUrl, TOKEN);
    const both = await scim('POST', '/Users', { userName: seededUserEmail(1), emails: [{ value: seededUserEmail(1), primary: true }] });
    const scimOnly = await scim('POST', '/Users', { userName: 'scim.only@example.com', emails: [{ value: 'scim.only@example.com', primary: true }] });
    expect([both.status, scimOnly.status]).toEqual([201, 201]);
    await settle(h);
    const accountOfOne = [...(h.host.emulators?.admin.state.users.values() ?? [])].find((u) => u.email === seededUserEmail(1))?.accountId;
    expect(accountOfOne).toEqual(expect.any(String));
    const accounts = new Map<string, string>([[scimOnly.body.id, 'scim.only@example.com']]);

    // The switch: previewed (the SCIM user matched by email, the other one deactivated), approved, pulled.
    await call('source/save', { kind: 'google-workspace', google: { subject: SEEDED_GOOGLE_ADMIN, selection: { users: { kind: 'all' }, groups: { kind: 'all' } } } });
    const preview = await previewAndApprove(call, h);
    expect(preview.changes.usersDeactivated).toBe(1);
    expect((await directoryFromStore(h.host.app.store)).users.map((u) => u.active)).toEqual([true, true]);
    const first = await pullNow(call, h);
    expect(first.changes.usersDeactivated).toBe(1);
    const directory = await directoryFromStore(h.host.app.store);
    expect(directory.users.find((u) => u.userName === seededUserEmail(1))?.id).toBe(both.body.id);
    expect(directory.users.find((u) => u.userName === 'scim.only@example.com')?.active).toBe(false);
    expect([...(h.host.emulators?.admin.state.users.values() ?? [])].filter((u) => u.email === seededUserEmail(1)).map((u) => u.accountId)).toEqual([accountOfOne]);
    await organizationMatches(h, accounts);

    // The impersonated admin is suspended: every read answers 403; the pull stops, deactivates no one and says why.
    const admin = [...state.users.values()].find((u) => u.primaryEmail === SEEDED_GOOGLE_ADMIN);
    const seven = state.users.get(seededUserId(7));
    if (!admin || !seven) throw new Error('seed');
    seven.suspended = true;
    admin.suspended = true;
    const orgBefore = orgOf(h);
    expect(await call('source/sync-now', undefined)).toEqual({ started: true, runId: expect.any(String) });
    const stopped = await waitFor(async () => {
      const running = (await call('source/get', undefined)).status.running;
      return running?.error !== undefined ? running : undefined;
    }, 'the pull to fail');
    expect(stopped.error).toEqual(expect.objectContaining({ kind: 'forbidden' }));
    expect((await directoryFromStore(h.host.app.store)).users.find((u) => u.userName === seededUserEmail(7))?.active).toBe(true);
    expect(accessLost(orgBefore, orgOf(h))).toEqual([]);
    admin.suspended = false;
    const resumed = await settleAndLastPull(h, stopped.id);
    expect(resumed.changes.usersDeactivated).toBe(1);
    expect(resumed.invocations).toBeGreaterThan(1);
    expect((await directoryFromStore(h.host.app.store)).users.find((u) => u.userName === seededUserEmail(7))?.active).toBe(false);
    await organizationMatches(h, accounts);

    // Quota runs out part-way through the read (403 quotaExceeded, longer than the client's backoff): a user who left
    // Google meanwhile stays active until a pull has read every page; then the pull resumes and finishes.
    state.users.delete(seededUserId(8));
    h.host.google?.quota.inject(100_000, 'quotaExceeded', 3);
    const orgBeforeQuota = orgOf(h);
    expect(await call('source/sync-now', undefined)).toEqual({ started: true, runId: expect.any(String) });
    const cut = await waitFor(async () => {
      const running = (await call('source/get', undefined)).status.running;
      return running?.error !== undefined ? running : undefined;
    }, 'the quota error');
    expect(cut).toEqual(expect.objectContaining({ phase: 'read', error: expect.objectContaining({ kind: 'quota' }) }));
    expect((await directoryFromStore(h.host.app.store)).users.find((u) => u.userName === seededUserEmail(8))?.active).toBe(true);
    expect(accessLost(orgBeforeQuota, orgOf(h))).toEqual([]);
    expect(h.host.google?.quota.refused).toBeGreaterThan(0);
    h.host.google?.quota.clearInjected();
    const afterQuota = await settleAndLastPull(h, cut.id);
    expect(afterQuota.changes.usersDeactivated).toBe(1);
    expect((await directoryFromStore(h.host.app.store)).users.find((u) => u.userName === seededUserEmail(8))?.active).toBe(false);
    await organizationMatches(h, accounts);
  }, 120_000);
});
