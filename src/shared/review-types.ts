/**
 * The access review as the admin page shows it (issue 17): levels, targets, paths, flags, changes, the clean-up's
 * answer, a run's scope and phases and a stored review's description. Page data, defined here so the page and the
 * server share one definition; the review's modules (src/review/) compute and store values of these types.
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

/** Where a path comes from: a rule of the app, the app's grant changed by hand, or anything not made by the app. */
export type PathOrigin =
  | { readonly kind: 'rule'; readonly ruleIds: readonly string[] }
  | { readonly kind: 'app-drift'; readonly applied: string }
  | { readonly kind: 'not-app' }
  | { readonly kind: 'public' };

/** How a path reaches its target. */
export type PathKind =
  'workspace-admin' | 'project-user' | 'project-group' | 'repository-user' | 'repository-group' | 'public';

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

/** A leaver who still reaches something other than public repositories. */
export interface LeaverFlag {
  readonly accountId: string;
  readonly displayName: string;
  readonly identity: IdpIdentity;
  /** How many (target, path) pairs still reach something. */
  readonly paths: number;
  /** Their direct grants: what the leaver clean-up removes. */
  readonly directGrants: readonly { readonly target: TargetRef; readonly level: AccessLevel }[];
  /** What remains beyond direct grants: groups, workspace administration (the sync's or an admin's business). */
  readonly otherPaths: readonly string[];
}

/** A workspace member the IdP does not know. */
export interface OrphanFlag {
  readonly accountId: string;
  readonly displayName: string;
  readonly admin: boolean;
}

/** A grant not made by the app on a target the rules manage. */
export interface HandMadeFlag {
  readonly target: TargetRef;
  readonly principal:
    | { readonly type: 'group'; readonly slug: string; readonly madeByApp: boolean }
    | { readonly type: 'user'; readonly accountId: string };
  readonly level: AccessLevel;
}

/** A grant the app made that is not what it made any more: another level, or removed. */
export interface DriftFlag {
  readonly target: TargetRef;
  readonly groupSlug: string;
  readonly applied: string;
  /** Absent when the grant was removed. */
  readonly actual?: AccessLevel;
}

/** The cross-check against `GET /workspaces/{workspace}/permissions/repositories`. */
export interface CrossCheck {
  readonly compared: number;
  readonly mismatched: number;
  /** The first mismatches (at most 100): the computed level (without public access) and the listed one. */
  readonly mismatches: readonly {
    readonly repository: string;
    readonly accountId: string;
    readonly computed?: AccessLevel;
    readonly listed?: AccessLevel;
  }[];
}

/** What happened to one leaver. */
export interface LeaverCleanup {
  readonly accountId: string;
  readonly userName: string;
  readonly removed: readonly { readonly target: TargetRef; readonly level: AccessLevel }[];
  readonly failed: readonly { readonly target: TargetRef; readonly error: string }[];
  /** Why nothing was removed, when nothing was. */
  readonly skipped?: string;
}

/** The leaver clean-up's answer. */
export interface CleanupResult {
  readonly dryRun: boolean;
  readonly leavers: readonly LeaverCleanup[];
  /** Set when the breaker held leavers back. */
  readonly paused?: string;
  /** The account ID to continue after when the invocation's budget ran out; absent when all were handled. */
  readonly next?: string;
}

/** One change of access. */
export interface AccessChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly accountId: string;
  readonly target: TargetRef;
  readonly before?: { readonly level: AccessLevel; readonly paths: readonly AccessPath[] };
  readonly after?: { readonly level: AccessLevel; readonly paths: readonly AccessPath[] };
}

/** One page of an access review's export. */
export interface ReviewExportPage {
  readonly contentType: 'text/csv; charset=utf-8' | 'application/json';
  readonly body: string;
  /** Rows in this page. */
  readonly rows: number;
  /** The row the next page starts at; absent on the last page. */
  readonly nextRow?: number;
  /** Rows in the whole export. */
  readonly totalRows: number;
}

/** What a review covers: the whole workspace, or some projects and their repositories. */
export type ReviewScope =
  { readonly kind: 'workspace' } | { readonly kind: 'projects'; readonly keys: readonly string[] };

/** The Bitbucket listings, in the order a review reads them. */
export const BITBUCKET_PHASES = [
  'repositories',
  'projects',
  'admins',
  'members',
  'targets',
  'effective',
  'done',
] as const;

/** A Bitbucket phase. */
export type BitbucketPhase = (typeof BITBUCKET_PHASES)[number];

/** What the app itself knows, read from storage and the Admin API: its identities and groups, then group members. */
export type AppPhase = 'identities' | 'groups' | 'done';

/** Why a review is not reading Bitbucket right now. */
export interface ReviewWait {
  readonly reason: 'permission-sync' | 'hourly-share' | 'rate-limit';
  /** When the wait ends, when known. */
  readonly until?: string;
}

/** Where a log stands: how many chunks it has and how full the last one is. */
export interface LogPosition {
  readonly chunks: number;
  readonly tailBytes: number;
}

/** Figures of a review for its summary line. */
export interface ReviewSummary {
  readonly repositories: number;
  readonly projects: number;
  readonly people: number;
  readonly entries: number;
  readonly leavers: number;
  readonly orphans: number;
  readonly handMade: number;
  readonly drift: number;
  readonly crossCheckMismatches?: number;
}

/** The stored description of a finished review. */
export interface SnapshotMeta {
  readonly id: string;
  readonly scope: ReviewScope;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly startedBy?: string;
  readonly inputs: LogPosition;
  readonly summary: ReviewSummary;
  readonly crossCheck?: CrossCheck;
  readonly crossCheckSkipped?: string;
  readonly requests: {
    readonly bitbucket: number;
    readonly lowerBound: number;
    readonly admin: number;
    readonly steps: number;
  };
}
