/**
 * The in-memory organization behind the Admin API emulator: directories, Atlassian accounts with their
 * directory membership, groups with members and role assignments, and product resources. Tests read and
 * seed it directly.
 */
import {
  EMULATED_ADMIN,
  EMULATED_BITBUCKET_RESOURCE_ID,
  EMULATED_DIRECTORY_ID,
  EMULATED_ORG_ID,
  EMULATED_WORKSPACE_SLUG,
} from '../seed';
import { VIRTUAL_EPOCH } from '../virtual-clock';

/** A user directory of the organization. */
export interface OrgDirectory {
  readonly directoryId: string;
  name: string;
}

/** A product instance ("workspace" in the Admin API) that roles are granted on. */
export interface AdminResource {
  /** The resource ID (an ARI) used in permission rules and role assignments. */
  readonly id: string;
  name: string;
  /** `attributes.type` in the workspaces search. */
  type: string;
  hostUrl: string;
  /** Seat limit; null for none. Exceeding it is the 409 "user limit" of invites, memberships and assigns. */
  capacity: number | null;
  /** Roles that may be granted on this resource; others are answered 400 (invalid role for resource). */
  roles: string[];
}

/** A role granted on a resource. */
export interface RoleGrant {
  readonly resourceId: string;
  readonly roleId: string;
}

/** An Atlassian account as the organization sees it. */
export interface AdminUser {
  readonly accountId: string;
  /** Read-only: the users map indexes it (UserMap); a changed email is a new record set in the map. */
  readonly email: string;
  name: string;
  nickname: string;
  accountStatus: 'active' | 'inactive' | 'closed';
  claimStatus: 'managed' | 'unmanaged';
  managementSource: 'invited' | 'synced' | null;
  emailVerified: boolean;
  mfaEnabled: boolean;
  /** ISO 8601. */
  addedToOrg: string;
  /** The directory the user is in; undefined once removed. */
  directoryId: string | undefined;
  membershipStatus: 'active' | 'suspended' | 'no_membership';
  /** Roles granted to the user directly (invite permission rules). */
  roles: RoleGrant[];
}

/** A group in a directory. */
export interface AdminGroup {
  readonly id: string;
  name: string;
  description: string | undefined;
  readonly directoryId: string;
  /** Created through IdP sync: the Organizations API may read but not change it. */
  externalSynced: boolean;
  managedBy: 'external' | 'admins' | 'team-members' | 'open';
  readonly members: Set<string>;
  roles: RoleGrant[];
  /** Emulator clock time of creation; searches see the group from createdAt + groupSearchDelayMs. */
  readonly createdAt: number;
}

/** A domain the organization claimed, with the status of its claim (getDomains). */
export interface OrgDomain {
  readonly id: string;
  name: string;
  status: 'verified' | 'unverified' | 'deleted' | 'superseded' | 'missing_token';
}

/** The whole organization. */
export interface AdminState {
  /** The organization's domains (seeded: example.com and emulated.example, verified). */
  domains: OrgDomain[];
  orgId: string;
  /** Invites need "at least one paid subscription" (402 otherwise). */
  paidSubscription: boolean;
  directories: OrgDirectory[];
  /** Where invited users are placed; the invite names no directory. */
  inviteDirectoryId: string;
  resources: AdminResource[];
  readonly users: Map<string, AdminUser>;
  readonly groups: Map<string, AdminGroup>;
}

/** Roles the role-assignment operations list as valid (their `roleId` description). */
export const GROUP_ROLE_IDS = [
  'atlassian/user',
  'atlassian/user-access-admin',
  'atlassian/admin',
  'atlassian/guest',
  'atlassian/contributor',
  'atlassian/customer',
  'atlassian/basic',
  'atlassian/stakeholder',
  'atlassian/viewer',
] as const;

/** Returns the seeded organization: one directory, the Bitbucket workspace resource, the workspace admin. */
export function seedAdminState(): AdminState {
  const users = new UserMap();
  users.set(EMULATED_ADMIN.accountId, {
    accountId: EMULATED_ADMIN.accountId,
    email: EMULATED_ADMIN.email,
    name: EMULATED_ADMIN.displayName,
    nickname: EMULATED_ADMIN.nickname,
    accountStatus: 'active',
    claimStatus: 'managed',
    managementSource: null,
    emailVerified: true,
    mfaEnabled: true,
    addedToOrg: new Date(VIRTUAL_EPOCH - 86_400_000).toISOString(),
    directoryId: EMULATED_DIRECTORY_ID,
    membershipStatus: 'active',
    roles: [{ resourceId: EMULATED_BITBUCKET_RESOURCE_ID, roleId: 'atlassian/admin' }],
  });
  return {
    orgId: EMULATED_ORG_ID,
    paidSubscription: true,
    directories: [{ directoryId: EMULATED_DIRECTORY_ID, name: 'Emulated directory' }],
    domains: [
      { id: 'd5c3a1e0-0000-4000-8000-000000000001', name: 'example.com', status: 'verified' },
      { id: 'd5c3a1e0-0000-4000-8000-000000000002', name: 'emulated.example', status: 'verified' },
    ],
    inviteDirectoryId: EMULATED_DIRECTORY_ID,
    resources: [
      {
        id: EMULATED_BITBUCKET_RESOURCE_ID,
        name: EMULATED_WORKSPACE_SLUG,
        type: 'bitbucket',
        hostUrl: `https://bitbucket.org/${EMULATED_WORKSPACE_SLUG}`,
        capacity: null,
        // Assumed: which roles Bitbucket accepts is not documented; these two are the ones the app uses.
        roles: ['atlassian/user', 'atlassian/admin'],
      },
    ],
    users,
    groups: new Map(),
  };
}

/** The composite `status` of a user (searchDirectoryUsers, field `status`). */
export function userStatus(user: AdminUser): 'active' | 'suspended' | 'not_invited' | 'deactivated' {
  if (user.accountStatus !== 'active') return 'deactivated';
  if (user.membershipStatus === 'active') return 'active';
  if (user.membershipStatus === 'suspended') return 'suspended';
  return 'not_invited';
}

/** Finds an account by email, case-insensitively. */
export function findUserByEmail(state: AdminState, email: string): AdminUser | undefined {
  const wanted = email.toLowerCase();
  if (state.users instanceof UserMap) return state.users.byEmail(wanted);
  for (const user of state.users.values()) if (user.email.toLowerCase() === wanted) return user;
  return undefined;
}

/**
 * The organization's users by account id, indexed by email (lower case) as they are set and deleted: an invite looks
 * its emails up, and scanning every user for each made a 100,000-user benchmark spend most of its time here. Of two
 * users with one email, the one set first is found, as a scan in insertion order would.
 */
export class UserMap extends Map<string, AdminUser> {
  private readonly emails = new Map<string, string[]>();
  /** Each user's place in the map's own order (a key set again keeps its place, as in a Map). */
  private readonly places = new Map<string, number>();
  private nextPlace = 0;

  override set(accountId: string, user: AdminUser): this {
    const before = super.get(accountId);
    if (before) this.unindex(before);
    super.set(accountId, user);
    // Map's constructor may call set before this class's fields exist.
    if (this.emails) {
      const key = user.email.toLowerCase();
      this.emails.set(key, [...(this.emails.get(key) ?? []), accountId]);
      if (!this.places.has(accountId)) this.places.set(accountId, (this.nextPlace += 1));
    }
    return this;
  }

  override delete(accountId: string): boolean {
    const before = super.get(accountId);
    if (before) this.unindex(before);
    this.places.delete(accountId);
    return super.delete(accountId);
  }

  override clear(): void {
    this.emails.clear();
    this.places.clear();
    super.clear();
  }

  /** The user with this email (lower case), if any. */
  byEmail(email: string): AdminUser | undefined {
    return this.inOrder(this.emails.get(email) ?? [])[0];
  }

  /** The users with these account ids or emails (lower case), in the map's own order, as a scan would meet them. */
  inOrder(accountIds: Iterable<string>, emails: readonly string[] = []): AdminUser[] {
    const ids = new Set(accountIds);
    for (const email of emails) for (const id of this.emails.get(email) ?? []) ids.add(id);
    const found: AdminUser[] = [];
    for (const id of ids) {
      const user = super.get(id);
      if (user) found.push(user);
    }
    return found.sort((x, y) => (this.places.get(x.accountId) ?? 0) - (this.places.get(y.accountId) ?? 0));
  }

  private unindex(user: AdminUser): void {
    const key = user.email.toLowerCase();
    const left = (this.emails.get(key) ?? []).filter((id) => id !== user.accountId);
    if (left.length > 0) this.emails.set(key, left);
    else this.emails.delete(key);
  }
}

/** Finds a group by name in a directory, case-insensitively (group names are unique per directory). */
export function findGroupByName(state: AdminState, name: string, directoryId?: string): AdminGroup | undefined {
  const wanted = name.toLowerCase();
  for (const group of state.groups.values()) {
    if (group.name.toLowerCase() === wanted && (directoryId === undefined || group.directoryId === directoryId))
      return group;
  }
  return undefined;
}

/** Whether a user counts as having access to a resource: active, in a directory, holding a role directly or by group. */
export function hasAccess(state: AdminState, user: AdminUser, resourceId: string): boolean {
  if (user.accountStatus !== 'active' || user.membershipStatus !== 'active') return false;
  if (user.roles.some((r) => r.resourceId === resourceId)) return true;
  for (const group of state.groups.values()) {
    if (group.members.has(user.accountId) && group.roles.some((r) => r.resourceId === resourceId)) return true;
  }
  return false;
}

/** The account IDs with access to a resource. */
export function usersWithAccess(state: AdminState, resourceId: string): Set<string> {
  const ids = new Set<string>();
  for (const user of state.users.values()) if (hasAccess(state, user, resourceId)) ids.add(user.accountId);
  return ids;
}
