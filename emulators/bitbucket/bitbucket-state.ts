/**
 * The in-memory workspace behind the Bitbucket emulator: members, the group namespace that
 * `permissions-config` addresses by slug, projects, repositories and explicit group permissions. Tests read
 * and seed it directly.
 */
import {
  EMULATED_ADMIN,
  EMULATED_PROJECTS,
  EMULATED_REPOSITORIES,
  EMULATED_WORKSPACE_SLUG,
  EMULATED_WORKSPACE_UUID,
} from '../seed';
import { VIRTUAL_EPOCH } from '../virtual-clock';

/** The workspace. */
export interface BitbucketWorkspace {
  readonly slug: string;
  readonly uuid: string;
  name: string;
}

/** A workspace member. */
export interface BitbucketMember {
  readonly accountId: string;
  readonly uuid: string;
  displayName: string;
  nickname: string;
  /** Shown only to email-filtered member queries that ask for it with `fields`. */
  email: string;
}

/** A group as Bitbucket's `permissions-config` sees it. */
export interface BitbucketGroup {
  readonly slug: string;
  name: string;
  /** Account IDs of its members, for groups this emulator holds itself (a linked Admin API answers for its own groups). */
  members?: string[];
}

/** A project. */
export interface BitbucketProject {
  readonly key: string;
  readonly uuid: string;
  name: string;
  description: string;
  isPrivate: boolean;
  /** ISO 8601. */
  createdOn: string;
  updatedOn: string;
}

/** A repository. */
export interface BitbucketRepository {
  readonly slug: string;
  readonly uuid: string;
  name: string;
  projectKey: string;
  description: string;
  isPrivate: boolean;
  createdOn: string;
  updatedOn: string;
}

/** Project permissions include `create-repo`; repository permissions do not. */
export type PermissionKind = 'repository' | 'project';

/** An explicit group permission on a repository or project. */
export interface PermissionGrant {
  readonly kind: PermissionKind;
  /** Repository slug or project key. */
  readonly target: string;
  readonly groupSlug: string;
  permission: 'read' | 'write' | 'create-repo' | 'admin';
}

/** An explicit user permission on a repository or project (`permissions-config/users`). */
export interface UserPermissionGrant {
  readonly kind: PermissionKind;
  /** Repository slug or project key. */
  readonly target: string;
  readonly accountId: string;
  permission: 'read' | 'write' | 'create-repo' | 'admin';
}

/** The whole workspace. */
export interface BitbucketState {
  readonly workspace: BitbucketWorkspace;
  /** Members held by this emulator (a linked Admin API adds its own, see createLinkedEmulators). */
  readonly members: BitbucketMember[];
  /** Groups held by this emulator (a linked Admin API adds its own). */
  readonly groups: BitbucketGroup[];
  readonly projects: BitbucketProject[];
  readonly repositories: BitbucketRepository[];
  /** Keyed by permissionKey(). */
  readonly permissions: Map<string, PermissionGrant>;
  /**
   * Explicit user permissions, keyed by userPermissionKey(). They outlive workspace membership: a deactivated
   * account's direct permissions linger (docs/notes/bitbucket-api.md section 6).
   */
  readonly userPermissions: Map<string, UserPermissionGrant>;
  /** Account IDs this emulator itself makes workspace admins (`owner`); a linked Admin API adds its Bitbucket admins. */
  readonly workspaceAdmins: Set<string>;
  /** When true, permission PUTs answer 402 ("You have reached your plan's user limit"). */
  planUserLimitReached: boolean;
}

/** The key of a grant in BitbucketState.permissions. */
export function permissionKey(kind: PermissionKind, target: string, groupSlug: string): string {
  return `${kind}:${target}:${groupSlug}`;
}

/** The key of a user grant in BitbucketState.userPermissions. */
export function userPermissionKey(kind: PermissionKind, target: string, accountId: string): string {
  return `${kind}:${target}:${accountId}`;
}

/** Returns the seeded workspace: the admin as its only member, two projects, three repositories, no groups. */
export function seedBitbucketState(): BitbucketState {
  const created = new Date(VIRTUAL_EPOCH - 30 * 86_400_000).toISOString();
  return {
    workspace: { slug: EMULATED_WORKSPACE_SLUG, uuid: EMULATED_WORKSPACE_UUID, name: 'Emulated Workspace' },
    members: [
      {
        accountId: EMULATED_ADMIN.accountId,
        uuid: EMULATED_ADMIN.uuid,
        displayName: EMULATED_ADMIN.displayName,
        nickname: EMULATED_ADMIN.nickname,
        email: EMULATED_ADMIN.email,
      },
    ],
    groups: [],
    projects: EMULATED_PROJECTS.map((p) => ({
      key: p.key,
      uuid: p.uuid,
      name: p.name,
      description: '',
      isPrivate: true,
      createdOn: created,
      updatedOn: created,
    })),
    repositories: EMULATED_REPOSITORIES.map((r) => ({
      slug: r.slug,
      uuid: r.uuid,
      name: r.name,
      projectKey: r.projectKey,
      description: '',
      isPrivate: true,
      createdOn: created,
      updatedOn: created,
    })),
    permissions: new Map(),
    userPermissions: new Map(),
    workspaceAdmins: new Set([EMULATED_ADMIN.accountId]),
    planUserLimitReached: false,
  };
}

/**
 * The slug Bitbucket would give an organization group's name. Assumed rule: how org groups map to
 * `group_slug` is undocumented (docs/notes/atlassian-admin-api.md section 9); the spec says only that a slug is an
 * ASCII "sluggified" name, and slugs are reported to be cut at 62 characters.
 */
export function slugifyGroupName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 62)
    .replace(/-+$/, '');
}
