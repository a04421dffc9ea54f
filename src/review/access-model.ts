/**
 * The vocabulary of an access review (issue 17): what a review reads (ReviewInputs), the paths by which a person
 * reaches a repository or project (AccessPath) and the levels on Bitbucket's two scales. Plain data only, so the
 * core that computes a review stays pure and the review can be stored and diffed as JSON.
 */

/** Repository levels of `permissions-config`, lowest first. */
export const REPOSITORY_LEVELS = ['read', 'write', 'admin'] as const;
/** Project levels of `permissions-config`, lowest first. */
export const PROJECT_LEVELS = ['read', 'write', 'create-repo', 'admin'] as const;

/** A repository level. */
export type RepositoryLevel = (typeof REPOSITORY_LEVELS)[number];
/** A project level. */
export type ProjectLevel = (typeof PROJECT_LEVELS)[number];
/** A level on either scale. */
export type AccessLevel = RepositoryLevel | ProjectLevel;

/** A repository (by slug) or project (by key). */
export interface TargetRef {
  readonly type: 'repository' | 'project';
  readonly id: string;
}

/** `repository:<slug>` or `project:<key>`, the key permission sync's record uses too (src/sync/permission-sync.ts). */
export function targetKeyOf(target: TargetRef): string {
  return `${target.type}:${target.id}`;
}

/** Rank of a level on its target's scale (0 for anything else). */
export function levelRank(type: TargetRef['type'], level: string): number {
  const scale: readonly string[] = type === 'repository' ? REPOSITORY_LEVELS : PROJECT_LEVELS;
  return scale.indexOf(level) + 1;
}

/**
 * What a project grant gives on the project's repositories: read is read, admin is admin, write and create-repo
 * are write (Bitbucket documents "create repositories" as write access plus creating repositories).
 */
export function inheritedRepositoryLevel(projectLevel: string): RepositoryLevel {
  if (projectLevel === 'admin') return 'admin';
  if (projectLevel === 'read') return 'read';
  return 'write';
}

/** How an IdP identity stands: active, deactivated (`active: false`) or deleted (the SCIM resource is gone). */
export type IdpStatus = 'active' | 'deactivated' | 'deleted';

/** The IdP identity the app linked to an Atlassian account. */
export interface IdpIdentity {
  readonly accountId: string;
  /** The SCIM user id. */
  readonly userId: string;
  readonly userName: string;
  readonly status: IdpStatus;
}

/** A Bitbucket group as grants name it, with its members (account IDs) and whether the app made it. */
export interface ReviewGroup {
  readonly slug: string;
  readonly name: string;
  readonly madeByApp: boolean;
  readonly members: readonly string[];
  /** False when its members could not be read (then they reach nothing through it in the review, and it is said). */
  readonly membersKnown?: boolean;
}

/** A group grant as Bitbucket lists it. */
export interface GroupGrant {
  readonly target: TargetRef;
  readonly groupSlug: string;
  readonly level: AccessLevel;
}

/** A direct user grant as Bitbucket lists it. */
export interface UserGrant {
  readonly target: TargetRef;
  readonly accountId: string;
  readonly level: AccessLevel;
}

/** A grant the permission rules ask for, with the rules that ask for it (the highest level wins). */
export interface RuleGrant {
  readonly target: TargetRef;
  readonly groupSlug: string;
  readonly level: AccessLevel;
  readonly ruleIds: readonly string[];
}

/** An account the review names: its display name, and whether it is a workspace member. */
export interface ReviewAccount {
  readonly accountId: string;
  readonly displayName: string;
}

/** One entry of Bitbucket's effective listing (`GET /workspaces/{workspace}/permissions/repositories`). */
export interface EffectivePermission {
  readonly repository: string;
  readonly accountId: string;
  readonly level: RepositoryLevel;
}

/** Everything a review is computed from: what Bitbucket and the Admin API said, and what the app knows. */
export interface ReviewInputs {
  readonly projects: readonly { readonly key: string }[];
  readonly repositories: readonly { readonly slug: string; readonly projectKey?: string; readonly isPrivate: boolean }[];
  /** Account IDs of the workspace admins. */
  readonly admins: readonly string[];
  /** Workspace members. */
  readonly members: readonly ReviewAccount[];
  /** Names of accounts that hold grants without being members (a leaver's lingering grant). */
  readonly otherAccounts?: readonly ReviewAccount[];
  readonly groups: readonly ReviewGroup[];
  readonly groupGrants: readonly GroupGrant[];
  readonly userGrants: readonly UserGrant[];
  /** The app's IdP identities by account. */
  readonly identities: readonly IdpIdentity[];
  /** What the rules ask for now. */
  readonly ruleGrants: readonly RuleGrant[];
  /** The grants permission sync applied: target key -> group slug -> level (src/sync/sync-links.ts, Permissions record). */
  readonly applied: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The workspace-wide effective listing, when it was read: the cross-check. */
  readonly effective?: readonly EffectivePermission[];
}

/** Where a path comes from: a rule of the app, the app's grant changed by hand, or anything not made by the app. */
export type PathOrigin =
  | { readonly kind: 'rule'; readonly ruleIds: readonly string[] }
  | { readonly kind: 'app-drift'; readonly applied: string }
  | { readonly kind: 'not-app' }
  | { readonly kind: 'public' };

/** How a path reaches its target. */
export type PathKind = 'workspace-admin' | 'project-user' | 'project-group' | 'repository-user' | 'repository-group' | 'public';

/** One way a person reaches a target, at a level on the target's scale. */
export interface AccessPath {
  readonly kind: PathKind;
  /** The level this path gives on the target. */
  readonly level: AccessLevel;
  /** The level as granted, when it differs (a project's create-repo reaching a repository as write). */
  readonly granted?: AccessLevel;
  /** The project a repository inherits the path from. */
  readonly project?: string;
  readonly groupSlug?: string;
  readonly origin: PathOrigin;
}

/** A person's access to one target: the highest level and every path to it. */
export interface AccessEntry {
  readonly accountId: string;
  readonly target: TargetRef;
  readonly level: AccessLevel;
  readonly paths: readonly AccessPath[];
}
