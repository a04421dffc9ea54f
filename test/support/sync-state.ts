/**
 * What the sync end-to-end tests compare: the organization the SCIM directory implies (expected) and the one the
 * Admin API emulator holds (actual), both reduced to accounts by email and org groups by name with their member
 * emails; plus the directory they push over SCIM and the count of remote writes that changed state. Shared by
 * the in-process sync test and the kill -9 test, where the host and the emulators are separate processes.
 */
import type { DirectoryStore } from '../../src/directory/directory-store';
import { orgGroupNameFor } from '../../src/targets/group-slug';
import { xorshiftRandom } from '../../emulators/random';
import { EMULATED_BITBUCKET_RESOURCE_ID } from '../../emulators/seed';
import { patchOp } from './scim-bodies';

/** The prefix of the org groups the app creates under the default settings. */
export const GROUP_PREFIX = 'scim-';

/** The PATCH message schema (kept for test/e2e, which issue 15 must not touch; built in ./scim-bodies). */
export { PATCH_OP } from './scim-bodies';

/** One SCIM call, answered with its status and parsed body. */
// SCIM JSON of any shape; a precise type would be a second copy of the schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ScimCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** A ScimCall over HTTP to a SCIM base URL with a bearer token. */
export function scimOverHttp(baseUrl: string, token: string): ScimCall {
  return async (method, p, body) => {
    // Like Entra and Okta, a write the app holds back with 429 (its intake gate, src/app/intake-gate.ts) is sent
    // again after its Retry-After.
    for (let tries = 1; ; tries += 1) {
      const response = await fetch(`${baseUrl}${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      if (response.status === 429 && tries < 10) {
        const seconds = Number(response.headers.get('retry-after') ?? '1');
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(30, Number.isFinite(seconds) ? seconds : 1) * 1000),
        );
        continue;
      }
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    }
  };
}

/** A deterministic pseudo-random generator, so every run builds the same directory (kept for test/e2e, which issue 15 must not touch). */
export const seeded = xorshiftRandom;

/** What populate created. */
export interface Populated {
  readonly userIds: string[];
  readonly groupIds: string[];
  /** Memberships added in all. */
  readonly memberships: number;
}

/**
 * Creates `users` users (`user<i>@example.com`) and `groups` groups (`Team <g>`), each group with about 4% of the
 * users as members (added 25 per PATCH); records each group's original displayName in `originalNames`.
 */
export async function populate(
  call: ScimCall,
  originalNames: Map<string, string>,
  users: number,
  groups: number,
  seed: number,
): Promise<Populated> {
  const random = xorshiftRandom(seed);
  const userIds: string[] = [];
  for (let i = 0; i < users; i += 1) {
    const email = `user${i}@example.com`;
    const created = await call('POST', '/Users', {
      userName: email,
      active: true,
      emails: [{ type: 'work', value: email, primary: true }],
    });
    expect(created.status).toBe(201);
    userIds.push(created.body.id);
  }
  const groupIds: string[] = [];
  let memberships = 0;
  for (let g = 0; g < groups; g += 1) {
    const displayName = `Team ${g}`;
    const created = await call('POST', '/Groups', { displayName });
    expect(created.status).toBe(201);
    groupIds.push(created.body.id);
    originalNames.set(created.body.id, displayName);
    const members = userIds.filter(() => random() < 0.04);
    memberships += members.length;
    for (let i = 0; i < members.length; i += 25) {
      const patched = await call(
        'PATCH',
        `/Groups/${created.body.id}`,
        patchOp({ op: 'Add', path: 'members', value: members.slice(i, i + 25).map((value) => ({ value })) }),
      );
      expect(patched.status).toBe(204);
    }
  }
  return { userIds, groupIds, memberships };
}

/** The SCIM directory, reduced to what the expected organization depends on. */
export interface DirectorySnapshot {
  readonly users: readonly { readonly id: string; readonly userName: string; readonly active: boolean }[];
  readonly groups: readonly {
    readonly id: string;
    readonly displayName: string;
    readonly memberIds: readonly string[];
  }[];
}

/** Reads the directory from the store (in-process hosts). */
export async function directoryFromStore(store: DirectoryStore): Promise<DirectorySnapshot> {
  const users: { id: string; userName: string; active: boolean }[] = [];
  for await (const batch of store.scan('User', 100_000)) {
    for (const user of batch)
      users.push({ id: user.id, userName: String(user.resource.userName), active: user.resource.active !== false });
  }
  const groups: { id: string; displayName: string; memberIds: string[] }[] = [];
  for await (const batch of store.scan('Group', 100_000)) {
    for (const group of batch) {
      const memberIds: string[] = [];
      for await (const page of store.members(group.id)) for (const member of page) memberIds.push(member.value);
      groups.push({ id: group.id, displayName: String(group.resource.displayName), memberIds });
    }
  }
  return { users, groups };
}

/** Reads the directory over the SCIM API (hosts in another process): every user page, then each group. */
export async function directoryOverScim(call: ScimCall): Promise<DirectorySnapshot> {
  const users: { id: string; userName: string; active: boolean }[] = [];
  for (let start = 1; ; start += 100) {
    const page = await call('GET', `/Users?startIndex=${start}&count=100`);
    expect(page.status).toBe(200);
    for (const user of page.body.Resources ?? [])
      users.push({ id: user.id, userName: String(user.userName), active: user.active !== false });
    if (start + 100 > Number(page.body.totalResults)) break;
  }
  const groups: { id: string; displayName: string; memberIds: string[] }[] = [];
  for (let start = 1; ; start += 100) {
    const page = await call('GET', `/Groups?startIndex=${start}&count=100&attributes=displayName`);
    expect(page.status).toBe(200);
    for (const listed of page.body.Resources ?? []) {
      const group = await call('GET', `/Groups/${listed.id}`);
      expect(group.status).toBe(200);
      groups.push({
        id: group.body.id,
        displayName: String(group.body.displayName),
        memberIds: (group.body.members ?? []).map((m: { value: string }) => m.value),
      });
    }
    if (start + 100 > Number(page.body.totalResults)) break;
  }
  return { users, groups };
}

/** An organization as the tests compare it. */
export interface OrgState {
  /** email -> membership status */
  readonly accounts: Map<string, string>;
  /** org group name -> sorted member emails */
  readonly groups: Map<string, string[]>;
}

/**
 * The organization the directory implies under the default settings (revoke-access deactivation, DELETE
 * suspends): every user has an active account except the deleted ones (suspended); every group is an org group
 * named after its original displayName (renames keep the org group) whose members are its active users.
 */
export function expectedState(
  directory: DirectorySnapshot,
  originalNames: ReadonlyMap<string, string>,
  deletedEmails: ReadonlySet<string>,
): OrgState {
  const accounts = new Map<string, string>();
  const active = new Map<string, boolean>();
  const emailOf = new Map<string, string>();
  for (const user of directory.users) {
    const email = user.userName.toLowerCase();
    emailOf.set(user.id, email);
    active.set(user.id, user.active);
    accounts.set(email, 'active');
  }
  for (const email of deletedEmails) accounts.set(email, 'suspended');
  const groups = new Map<string, string[]>();
  for (const group of directory.groups) {
    const members = group.memberIds.filter((id) => active.get(id)).map((id) => emailOf.get(id) ?? '?');
    groups.set(orgGroupNameFor(originalNames.get(group.id) ?? group.displayName, GROUP_PREFIX), members.sort());
  }
  return { accounts, groups };
}

/** The parts of the Admin API emulator's state (live, or a snapshot from another process) the comparison reads. */
export interface AdminStateView {
  readonly users: Iterable<{ readonly accountId: string; readonly email: string; readonly membershipStatus: string }>;
  readonly groups: Iterable<{
    readonly name: string;
    readonly members: Iterable<string>;
    readonly roles: readonly { readonly resourceId: string; readonly roleId: string }[];
  }>;
}

/** The emulated organization's test accounts (`@example.com`) and the app's groups; every app group must grant Bitbucket access. */
export function actualState(admin: AdminStateView): OrgState {
  const emailOf = new Map<string, string>();
  const accounts = new Map<string, string>();
  for (const user of admin.users) {
    emailOf.set(user.accountId, user.email.toLowerCase());
    if (user.email.endsWith('@example.com')) accounts.set(user.email.toLowerCase(), user.membershipStatus);
  }
  const groups = new Map<string, string[]>();
  for (const group of admin.groups) {
    if (!group.name.startsWith(GROUP_PREFIX)) continue;
    groups.set(group.name, [...group.members].map((id) => emailOf.get(id) ?? id).sort());
    expect(group.roles).toContainEqual({ resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: 'atlassian/user' });
  }
  return { accounts, groups };
}

/** A write log entry, as the emulators record it. */
export interface LoggedWrite {
  readonly method: string;
  readonly path: string;
  readonly body?: string | undefined;
  readonly applied: boolean;
  readonly status: number | 'dropped';
  readonly handledStatus?: number;
}

/** True when the write changed (or re-confirmed) state: a 2xx answer, or a lost reply whose handler answered 2xx. */
export function isAppliedWrite(entry: LoggedWrite): boolean {
  const succeeded = (status: number | undefined): boolean => status !== undefined && status >= 200 && status < 300;
  return entry.applied && (entry.status === 'dropped' ? succeeded(entry.handledStatus) : succeeded(entry.status));
}

/** Remote writes that changed state so far, over any number of write logs. */
export function appliedWrites(...logs: readonly (readonly LoggedWrite[])[]): number {
  return logs.reduce((sum, log) => sum + log.filter(isAppliedWrite).length, 0);
}

/**
 * Remote changes made so far: each applied write is one, except that an invite carrying group memberships
 * (`additionalGroups`, the Admin API's invite) made one more change per group it names.
 */
export function appliedChanges(...logs: readonly (readonly LoggedWrite[])[]): number {
  return logs.reduce(
    (sum, log) => sum + log.filter(isAppliedWrite).reduce((n, entry) => n + 1 + invitedGroups(entry), 0),
    0,
  );
}

function invitedGroups(entry: LoggedWrite): number {
  if (entry.body === undefined || !entry.path.endsWith('/users/invite')) return 0;
  const body = JSON.parse(entry.body) as { additionalGroups?: unknown };
  return Array.isArray(body.additionalGroups) ? body.additionalGroups.length : 0;
}

/** Applied writes that repeat an earlier applied write exactly (same method, path and body), with the repeated ones. */
export function repeatedWrites(...logs: readonly (readonly LoggedWrite[])[]): { count: number; examples: string[] } {
  const seen = new Map<string, number>();
  for (const entry of logs.flat().filter(isAppliedWrite)) {
    const key = `${entry.method} ${entry.path} ${entry.body ?? ''}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const repeated = [...seen].filter(([, n]) => n > 1);
  return {
    count: repeated.reduce((sum, [, n]) => sum + n - 1, 0),
    examples: repeated.slice(0, 5).map(([key, n]) => `${n}x ${key}`),
  };
}
