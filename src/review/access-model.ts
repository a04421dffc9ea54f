/**
 * The vocabulary of an access review (issue 17): what a review reads (ReviewInputs), the paths by which a person
 * reaches a repository or project (AccessPath) and the levels on Bitbucket's two scales. Plain data only, so the
 * core that computes a review stays pure and the review can be stored and diffed as JSON.
 */
import {
  PROJECT_LEVELS,
  REPOSITORY_LEVELS,
  type AccessLevel,
  type AccessPath,
  type IdpIdentity,
  type RepositoryLevel,
  type TargetRef,
} from '../shared/review-types';

/** The levels, targets and paths are the admin page's data (src/shared/review-types.ts), re-exported for the review's modules. */
export { PROJECT_LEVELS, REPOSITORY_LEVELS };
export type {
  AccessLevel,
  AccessPath,
  IdpIdentity,
  IdpStatus,
  PathKind,
  PathOrigin,
  ProjectLevel,
  RepositoryLevel,
  TargetRef,
} from '../shared/review-types';

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
  readonly repositories: readonly {
    readonly slug: string;
    readonly projectKey?: string;
    readonly isPrivate: boolean;
  }[];
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

/** A person's access to one target: the highest level and every path to it. */
export interface AccessEntry {
  readonly accountId: string;
  readonly target: TargetRef;
  readonly level: AccessLevel;
  readonly paths: readonly AccessPath[];
}
