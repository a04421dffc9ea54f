/**
 * The access review's resolver contract (src/admin/review-handlers.ts), shared with the admin page's "Access review"
 * section: one type per answer, so the page and the resolvers cannot drift apart.
 */
import type {
  AccessChange,
  AccessLevel,
  AccessPath,
  AppPhase,
  BitbucketPhase,
  CleanupResult,
  CrossCheck,
  DriftFlag,
  HandMadeFlag,
  IdpStatus,
  LeaverFlag,
  OrphanFlag,
  ReviewExportPage,
  ReviewScope,
  ReviewWait,
  SnapshotMeta,
  TargetRef,
} from './review-types';

export type {
  AccessChange,
  AccessLevel,
  AccessPath,
  CleanupResult,
  CrossCheck,
  DriftFlag,
  HandMadeFlag,
  IdpStatus,
  LeaverFlag,
  OrphanFlag,
  SnapshotMeta,
  TargetRef,
};

/** The review in progress, or the last run, as the page shows its progress. */
export interface ReviewRunView {
  readonly id: string;
  readonly scope: ReviewScope;
  readonly status: 'running' | 'done' | 'failed' | 'cancelled';
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly error?: string;
  readonly bitbucketPhase: BitbucketPhase;
  readonly appPhase: AppPhase;
  readonly targetsRead: number;
  readonly targets: number;
  readonly bitbucketRequests: number;
  readonly steps: number;
  readonly waiting?: ReviewWait;
}

/** `review/status`: the run and the stored reviews, newest first. */
export interface ReviewStatusView {
  readonly run?: ReviewRunView;
  readonly snapshots: readonly SnapshotMeta[];
}

/** A person as a view names them. */
export interface ReviewPersonView {
  readonly accountId: string;
  readonly displayName: string;
  readonly member: boolean;
  readonly admin: boolean;
  readonly idpUser?: string;
  /** Absent for people the IdP does not know. */
  readonly idpStatus?: IdpStatus;
}

/** One person's access to one target. */
export interface AccessRowView {
  readonly person: ReviewPersonView;
  readonly target: TargetRef;
  readonly level: AccessLevel;
  readonly paths: readonly AccessPath[];
}

/** `review/target`: everyone who reaches a target. */
export interface TargetAccessView {
  readonly snapshotId: string;
  readonly target: TargetRef;
  readonly rows: readonly AccessRowView[];
  /** Rows beyond the answer's limit. */
  readonly more: number;
}

/** `review/person`: everything a person reaches. */
export interface PersonAccessView {
  readonly snapshotId: string;
  readonly person?: ReviewPersonView;
  readonly rows: readonly AccessRowView[];
  readonly more: number;
}

/** `review/search`: targets and people whose name contains the text. */
export interface ReviewSearchView {
  readonly snapshotId: string;
  readonly targets: readonly { readonly target: TargetRef; readonly people: number }[];
  readonly people: readonly ReviewPersonView[];
}

/** `review/flags`: the flags (at most 200 of each) with their totals, and the cross-check. */
export interface ReviewFlagsView {
  readonly snapshotId: string;
  readonly leavers: readonly LeaverFlag[];
  readonly orphans: readonly OrphanFlag[];
  readonly handMade: readonly HandMadeFlag[];
  readonly drift: readonly DriftFlag[];
  readonly totals: {
    readonly leavers: number;
    readonly orphans: number;
    readonly handMade: number;
    readonly drift: number;
  };
  readonly crossCheck?: CrossCheck;
  readonly crossCheckSkipped?: string;
}

/** `review/diff`: what changed from one review to another, a page at a time. */
export interface ReviewDiffView {
  readonly from: string;
  readonly to: string;
  readonly changes: readonly AccessChange[];
  readonly total: number;
  readonly offset: number;
}

/** `review/export`: a page of the export and the cursor of the next. */
export interface ReviewExportView extends Omit<ReviewExportPage, 'nextRow'> {
  readonly cursor?: string;
  readonly fileName: string;
}

/** The review's resolvers. */
export type ReviewApi = {
  'review/status': () => ReviewStatusView;
  'review/start': (payload: { readonly projects?: readonly string[] }) => ReviewStatusView;
  'review/cancel': () => ReviewStatusView;
  'review/step': () => ReviewStatusView;
  'review/target': (payload: {
    readonly snapshotId?: string;
    readonly type: TargetRef['type'];
    readonly id: string;
  }) => TargetAccessView;
  'review/person': (payload: { readonly snapshotId?: string; readonly accountId: string }) => PersonAccessView;
  'review/search': (payload: { readonly snapshotId?: string; readonly text: string }) => ReviewSearchView;
  'review/flags': (payload: { readonly snapshotId?: string }) => ReviewFlagsView;
  'review/diff': (payload: { readonly from: string; readonly to: string; readonly offset?: number }) => ReviewDiffView;
  'review/export': (payload: {
    readonly snapshotId?: string;
    readonly format: 'csv' | 'json';
    readonly cursor?: string;
  }) => ReviewExportView;
  'review/cleanup': (payload: {
    readonly snapshotId?: string;
    readonly accountIds?: readonly string[];
    readonly dryRun: boolean;
    readonly after?: string;
  }) => CleanupResult;
};
