/**
 * The state of an emulated Google Workspace account (a "customer"): users in org units, groups whose members are
 * users, other groups (nested), the whole customer (CUSTOMER) or addresses outside the domain, the service accounts
 * whose keys the token endpoint knows, the domain-wide delegation an admin granted each, and the access tokens issued.
 * Shapes follow the Directory API's User, Group and Member resources (specs/google-admin-directory-v1-discovery.json).
 */
import { createHash } from 'node:crypto';

/** A Google Workspace user, as far as the emulator keeps one. */
export interface GoogleUser {
  /** Stable numeric id (21 digits in Google's answers). */
  readonly id: string;
  primaryEmail: string;
  givenName: string;
  familyName: string;
  suspended: boolean;
  archived: boolean;
  /** `/` for the top-level org unit, `/Engineering/Platform` below it. */
  orgUnitPath: string;
  isAdmin: boolean;
  aliases: string[];
  readonly creationTime: string;
}

/** A Google group. */
export interface GoogleGroup {
  readonly id: string;
  email: string;
  name: string;
  description: string;
}

/** Member types (Member.type; the reference page's acceptable values). */
export type GoogleMemberType = 'USER' | 'GROUP' | 'CUSTOMER' | 'EXTERNAL';

/** Member roles (Member.role). */
export type GoogleMemberRole = 'OWNER' | 'MANAGER' | 'MEMBER';

/** One direct member of a group: a user or group of the customer by id, the whole customer, or an outside address. */
export interface GoogleMember {
  readonly type: GoogleMemberType;
  /** A user's or group's id, the customer id for CUSTOMER, a made-up id for an outside address. */
  readonly id: string;
  /** Absent for CUSTOMER. */
  readonly email?: string;
  readonly role: GoogleMemberRole;
}

/** A service account whose key the emulated token endpoint accepts. */
export interface ServiceAccount {
  readonly clientEmail: string;
  /** The numeric client id an admin enters under domain-wide delegation. */
  readonly clientId: string;
  readonly keyId: string;
  /** PEM (SPKI) of the key pair's public half. */
  readonly publicKeyPem: string;
}

/** An access token the token endpoint issued. */
export interface IssuedToken {
  readonly clientEmail: string;
  /** The impersonated user's primary email. */
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

/** The whole emulated account. */
export interface GoogleState {
  /** What `my_customer` stands for. */
  readonly customerId: string;
  /** The account's domains; the first is primary. */
  readonly domains: string[];
  readonly users: Map<string, GoogleUser>;
  readonly groups: Map<string, GoogleGroup>;
  /** Direct members by group id, in insertion order. */
  readonly members: Map<string, GoogleMember[]>;
  readonly serviceAccounts: Map<string, ServiceAccount>;
  /** Domain-wide delegation: client id to the scopes an admin authorised. */
  readonly delegations: Map<string, Set<string>>;
  readonly tokens: Map<string, IssuedToken>;
}

/** The read-only scopes the app asks for (docs/notes/google-workspace.md, Authentication). */
export const READ_ONLY_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
] as const;

/** An empty account with one primary domain. */
export function emptyGoogleState(domain = 'example.com', customerId = 'C03az79cb'): GoogleState {
  return {
    customerId,
    domains: [domain],
    users: new Map(),
    groups: new Map(),
    members: new Map(),
    serviceAccounts: new Map(),
    delegations: new Map(),
    tokens: new Map(),
  };
}

/** A user by id, primary email or alias (emails compared case-insensitively), as `userKey` is resolved. */
export function findUser(state: GoogleState, key: string): GoogleUser | undefined {
  const byId = state.users.get(key);
  if (byId !== undefined) return byId;
  const lower = key.toLowerCase();
  for (const user of state.users.values()) {
    if (user.primaryEmail.toLowerCase() === lower || user.aliases.some((a) => a.toLowerCase() === lower)) return user;
  }
  return undefined;
}

/** A group by id or email, as `groupKey` is resolved. */
export function findGroup(state: GoogleState, key: string): GoogleGroup | undefined {
  const byId = state.groups.get(key);
  if (byId !== undefined) return byId;
  const lower = key.toLowerCase();
  for (const group of state.groups.values()) if (group.email.toLowerCase() === lower) return group;
  return undefined;
}

/** Whether `path` is `unit` or an org unit below it. */
export function inOrgUnit(path: string, unit: string): boolean {
  const base = unit === '/' ? '/' : unit.replace(/\/+$/, '');
  return base === '/' || path === base || path.startsWith(`${base}/`);
}

/** A quoted ETag over a value, as Google sends them. */
export function etagOf(value: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 27)}"`;
}

/** Adds a direct member to a group (no duplicate by type and id). */
export function addMember(state: GoogleState, groupId: string, member: GoogleMember): void {
  const list = state.members.get(groupId) ?? [];
  if (!list.some((m) => m.type === member.type && m.id === member.id)) list.push(member);
  state.members.set(groupId, list);
}

/** Removes a direct member from a group by id. */
export function removeMember(state: GoogleState, groupId: string, memberId: string): void {
  const list = state.members.get(groupId);
  if (list !== undefined)
    state.members.set(
      groupId,
      list.filter((m) => m.id !== memberId),
    );
}

/** Every user of the customer who is, directly or through nested groups, a member of `groupId` (cycles end). */
export function transitiveUsers(state: GoogleState, groupId: string): GoogleUser[] {
  const seen = new Set<string>();
  const users = new Map<string, GoogleUser>();
  const walk = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const member of state.members.get(id) ?? []) {
      if (member.type === 'GROUP') walk(member.id);
      else if (member.type === 'USER') {
        const user = state.users.get(member.id);
        if (user !== undefined) users.set(user.id, user);
      } else if (member.type === 'CUSTOMER') for (const user of state.users.values()) users.set(user.id, user);
    }
  };
  walk(groupId);
  return [...users.values()];
}
