/**
 * An Admin API emulator and a Bitbucket emulator that describe one organization: users with Bitbucket
 * access become workspace members, and the directory's groups appear in Bitbucket's group namespace under
 * a derived slug. This is how the local host runs; how org groups really reach `permissions-config` is the
 * open `group_slug` question (docs/notes/atlassian-admin-api.md section 9), so the mapping here is assumed.
 */
import { AdminApiEmulator } from './admin-api/admin-emulator';
import { EMULATOR_BITBUCKET_EMAIL } from './emulator-access';
import type { AdminApiEmulatorOptions } from './admin-api/admin-emulator';
import { hasAccess } from './admin-api/admin-state';
import { BitbucketEmulator } from './bitbucket/bitbucket-emulator';
import type { BitbucketEmulatorOptions } from './bitbucket/bitbucket-emulator';
import type { BitbucketDirectory } from './bitbucket/bitbucket-routes';
import type { BitbucketGroup, BitbucketMember } from './bitbucket/bitbucket-state';
import { slugifyGroupName } from './bitbucket/bitbucket-state';
import { EMULATED_BITBUCKET_RESOURCE_ID } from './seed';
import type { Clock } from './virtual-clock';
import { VirtualClock } from './virtual-clock';

/** Options of a linked pair. */
export interface LinkedEmulatorOptions {
  /** One clock for both; defaults to a manual VirtualClock. */
  readonly clock?: Clock;
  readonly admin?: Omit<AdminApiEmulatorOptions, 'clock'>;
  readonly bitbucket?: Omit<BitbucketEmulatorOptions, 'clock' | 'directory'>;
  /** The Admin API resource that stands for the Bitbucket workspace. */
  readonly bitbucketResourceId?: string;
  /**
   * When true, only groups that hold a role on the Bitbucket resource are visible to Bitbucket (assumed
   * alternative; by default every group of the directory is).
   */
  readonly groupsNeedBitbucketRole?: boolean;
  /**
   * The emulator key (emulator-access.ts): when set, the Admin API accepts only `Bearer <key>` and Bitbucket only
   * Basic `<the seeded admin's email>:<key>`; without it any non-empty credential is accepted.
   */
  readonly key?: string;
  /**
   * The `group_slug` an org group gets in Bitbucket (default slugifyGroupName, the assumed rule). A test gives
   * another rule to stand for a Bitbucket whose slugs the app cannot compute (the Diagnostics group-slug check).
   */
  readonly groupSlugOf?: (name: string, groupId: string) => string;
}

/** The pair, sharing one clock. */
export interface LinkedEmulators {
  readonly admin: AdminApiEmulator;
  readonly bitbucket: BitbucketEmulator;
  readonly clock: Clock;
}

/** Bitbucket writes UUIDs in braces; account IDs of the form `<prefix>:<uuid>` supply one. */
function memberUuid(accountId: string): string {
  const tail = accountId.includes(':') ? accountId.slice(accountId.lastIndexOf(':') + 1) : accountId;
  return `{${tail}}`;
}

/** Creates an Admin API emulator and a Bitbucket emulator that read the same organization. */
export function createLinkedEmulators(options: LinkedEmulatorOptions = {}): LinkedEmulators {
  const clock = options.clock ?? new VirtualClock();
  const admin = new AdminApiEmulator({
    ...options.admin,
    clock,
    ...(options.key !== undefined ? { orgApiKey: options.key } : {}),
  });
  const resourceId = options.bitbucketResourceId ?? EMULATED_BITBUCKET_RESOURCE_ID;

  const directory: BitbucketDirectory = {
    members(): BitbucketMember[] {
      const own = bitbucket.state.members;
      const members = [...own];
      for (const user of admin.state.users.values()) {
        if (!hasAccess(admin.state, user, resourceId) || members.some((m) => m.accountId === user.accountId)) continue;
        members.push({
          accountId: user.accountId,
          uuid: memberUuid(user.accountId),
          displayName: user.name,
          nickname: user.nickname,
          email: user.email,
        });
      }
      return members;
    },
    groupMembers(slug: string): readonly string[] {
      const own = bitbucket.state.groups.find((g) => g.slug === slug);
      if (own !== undefined) return own.members ?? [];
      for (const group of admin.state.groups.values()) {
        if ((options.groupSlugOf ?? slugifyGroupName)(group.name, group.id) === slug) return [...group.members];
      }
      return [];
    },
    admins(): ReadonlySet<string> {
      // Workspace admins: this emulator's own, and accounts with access that hold the admin role on the workspace,
      // directly or through a group (assumed: how Bitbucket derives `owner` from org roles is not documented).
      const ids = new Set(bitbucket.state.workspaceAdmins);
      const isAdminRole = (r: { resourceId: string; roleId: string }): boolean =>
        r.resourceId === resourceId && r.roleId === 'atlassian/admin';
      for (const user of admin.state.users.values()) {
        if (!hasAccess(admin.state, user, resourceId)) continue;
        if (user.roles.some(isAdminRole)) ids.add(user.accountId);
      }
      for (const group of admin.state.groups.values()) {
        if (!group.roles.some(isAdminRole)) continue;
        for (const id of group.members) {
          const user = admin.state.users.get(id);
          if (user !== undefined && hasAccess(admin.state, user, resourceId)) ids.add(id);
        }
      }
      return ids;
    },
    account(accountId: string): BitbucketMember | undefined {
      const own = bitbucket.state.members.find((m) => m.accountId === accountId || m.uuid === accountId);
      if (own !== undefined) return own;
      const user =
        admin.state.users.get(accountId) ??
        [...admin.state.users.values()].find((u) => memberUuid(u.accountId) === accountId);
      return user === undefined
        ? undefined
        : {
            accountId: user.accountId,
            uuid: memberUuid(user.accountId),
            displayName: user.name,
            nickname: user.nickname,
            email: user.email,
          };
    },
    groups(): BitbucketGroup[] {
      const groups = [...bitbucket.state.groups];
      for (const group of admin.state.groups.values()) {
        if (options.groupsNeedBitbucketRole === true && !group.roles.some((r) => r.resourceId === resourceId)) continue;
        const slug = (options.groupSlugOf ?? slugifyGroupName)(group.name, group.id);
        if (slug !== '' && !groups.some((g) => g.slug === slug)) groups.push({ slug, name: group.name });
      }
      return groups;
    },
  };
  // The directory is only consulted while handling requests, after `bitbucket` exists.
  const credential =
    options.key !== undefined ? { credential: { email: EMULATOR_BITBUCKET_EMAIL, apiToken: options.key } } : {};
  const bitbucket: BitbucketEmulator = new BitbucketEmulator({ ...options.bitbucket, clock, directory, ...credential });
  return { admin, bitbucket, clock };
}
