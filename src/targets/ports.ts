/**
 * The sync engine's ports to Atlassian: the organization directory (Atlassian Admin API v2, org API key) and
 * Bitbucket permissions (`permissions-config`, a workspace admin's API token). Names follow Atlassian's
 * vocabulary. Implementations are real HTTP clients; tests run them against the emulators.
 */

/** `status` of a user in a directory (Admin API `users/search`): active, suspended, not_invited, deactivated, for_deletion. */
export type AccountStatus = 'active' | 'suspended' | 'not_invited' | 'deactivated' | 'for_deletion';

/** An Atlassian account as the org directory reports it. */
export interface DirectoryAccount {
  readonly accountId: string;
  readonly email: string;
  readonly status: AccountStatus;
  /** `synced` accounts belong to Atlassian's own IdP sync; the app never writes them. */
  readonly managementSource: 'invited' | 'synced' | null;
}

/** An organization group. */
export interface DirectoryGroup {
  readonly id: string;
  readonly name: string;
  /** Created through Atlassian's own IdP sync: read-only to the app. */
  readonly externalSynced: boolean;
  readonly deletable: boolean;
}

/** The outcome of inviting one email (Admin API invite answers 200 or 206 per item). */
export interface InviteOutcome {
  readonly email: string;
  readonly accountId?: string;
  /** Group ids whose assignment failed and must be retried through the membership endpoint. */
  readonly failedGroupIds: readonly string[];
  readonly error?: string;
}

/** The Atlassian org directory the app writes users, groups and memberships to. */
export interface AdminDirectory {
  /** Lists the org's directories (also a cheap credential check). */
  listDirectories(): Promise<{ directoryId: string; name: string }[]>;
  /** Finds accounts by exact email, in batches of at most 100. */
  findAccountsByEmail(emails: readonly string[]): Promise<DirectoryAccount[]>;
  /** Account ids of a group's members (`users/search` with `groupIds`). */
  listGroupMembers(groupId: string): Promise<string[]>;
  /** One page (at most 100) of a group's members' account ids, from the cursor the previous page gave. */
  listGroupMembersPage(groupId: string, cursor?: string): Promise<{ accountIds: string[]; cursor?: string }>;
  /** Invites users with Bitbucket access and group memberships. */
  inviteUsers(
    emails: readonly string[],
    access: { resourceId: string; roleId: string; groupIds: readonly string[] },
  ): Promise<InviteOutcome[]>;
  /** Suspends a user's access in the directory (reversible, keeps memberships). */
  suspendUser(accountId: string): Promise<void>;
  /** Restores a suspended user. */
  restoreUser(accountId: string): Promise<void>;
  /** Removes a user from the directory (memberships are lost). */
  removeUser(accountId: string): Promise<void>;
  /** Finds a group by exact, case-insensitive name. */
  findGroupByName(name: string): Promise<DirectoryGroup | undefined>;
  /** Creates a group and returns it, looking its id up by name (the create answers 201 without a body); `existed` when a 409 said it was already there. */
  createGroup(name: string, description?: string): Promise<DirectoryGroup & { existed: boolean }>;
  /** Deletes a group. */
  deleteGroup(groupId: string): Promise<void>;
  /** Adds a member; a 409 is resolved by reading back. */
  addMember(groupId: string, accountId: string): Promise<'added' | 'already-member'>;
  /** Removes a member; a 404 is resolved by reading back. */
  removeMember(groupId: string, accountId: string): Promise<'removed' | 'not-member'>;
  /** The roles a group holds per resource. */
  getGroupRoles(groupId: string): Promise<{ resourceId: string; roles: string[] }[]>;
  /** Grants a product role on a resource to a group. */
  assignGroupRole(groupId: string, resourceId: string, roleId: string): Promise<void>;
  /** Revokes a product role on a resource from a group. */
  revokeGroupRole(groupId: string, resourceId: string, roleId: string): Promise<void>;
  /** The organization's verified domains, lower-cased (optional: a port that cannot tell leaves it out). */
  listVerifiedDomains?(): Promise<string[]>;
}

/** Repository permission levels of `permissions-config`. */
export type RepositoryPermission = 'read' | 'write' | 'admin';
/** Project permission levels of `permissions-config`. */
export type ProjectPermission = 'read' | 'write' | 'create-repo' | 'admin';

/** Bitbucket Cloud: the workspace's projects and repositories and group permission grants on them. */
export interface BitbucketPermissions {
  /** Every project of the workspace. */
  listProjects(): Promise<{ key: string; name: string }[]>;
  /** Every repository of the workspace with its project key. */
  listRepositories(): Promise<{ slug: string; projectKey: string | undefined }[]>;
  /** Group grants on a repository. */
  listRepositoryGroupPermissions(repoSlug: string): Promise<{ groupSlug: string; permission: RepositoryPermission }[]>;
  /** Grants (or changes) a group's permission on a repository. */
  putRepositoryGroupPermission(repoSlug: string, groupSlug: string, permission: RepositoryPermission): Promise<void>;
  /** Removes a group's permission on a repository. */
  deleteRepositoryGroupPermission(repoSlug: string, groupSlug: string): Promise<void>;
  /** Group grants on a project. */
  listProjectGroupPermissions(projectKey: string): Promise<{ groupSlug: string; permission: ProjectPermission }[]>;
  /** Grants (or changes) a group's permission on a project. */
  putProjectGroupPermission(projectKey: string, groupSlug: string, permission: ProjectPermission): Promise<void>;
  /** Removes a group's permission on a project. */
  deleteProjectGroupPermission(projectKey: string, groupSlug: string): Promise<void>;
  /** Workspace members by email (at most 90 per query). */
  findMembersByEmail(emails: readonly string[]): Promise<{ accountId: string; email: string }[]>;
}

/** Why a call to Atlassian failed. */
export type TargetErrorKind =
  | 'rate-limited'
  | 'not-found'
  | 'forbidden'
  | 'unauthorized'
  | 'conflict'
  | 'payment-required'
  | 'invalid'
  | 'transient'
  | 'unexpected-response';

/** The one error type of the target adapters; the applier wraps it with `cause`. */
export class TargetError extends Error {
  constructor(
    readonly kind: TargetErrorKind,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; operation?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TargetError';
  }

  /** True when retrying later can succeed. */
  get retryable(): boolean {
    return this.kind === 'rate-limited' || this.kind === 'transient';
  }
}
