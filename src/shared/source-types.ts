/**
 * The directory source as the admin page shows it: SCIM push or Google Workspace, the Google settings and selection,
 * the stored key's summary, and the pull's status and findings. Page data, defined here so the page and the server
 * share one definition; the source's modules (src/sources/) store and compute values of these types.
 */

/** Which source the installation's directory follows. */
export type DirectorySourceKind = 'scim' | 'google-workspace';

/** Which users. */
export type UserSelection =
  | { readonly kind: 'all' }
  | { readonly kind: 'org-units'; readonly paths: readonly string[] }
  | { readonly kind: 'group'; readonly email: string };

/** Which groups. */
export type GroupSelection =
  | { readonly kind: 'all' }
  | { readonly kind: 'list'; readonly emails: readonly string[] }
  | { readonly kind: 'pattern'; readonly pattern: string };

/** The whole selection. */
export interface GoogleSelection {
  readonly users: UserSelection;
  readonly groups: GroupSelection;
}

/** How often a scheduled pull runs (Forge's scheduled trigger intervals: fiveMinute, hour, day). */
export type PullSchedule = 'five-minutes' | 'hourly' | 'daily';

/** The Google Workspace source's settings (the key apart). */
export interface GoogleSourceSettings {
  /** The super admin the service account impersonates (the JWT's `sub`). */
  readonly subject: string;
  readonly selection: GoogleSelection;
  readonly schedule: PullSchedule;
  /** The configuration fingerprint a preview showed and an admin approved; pulls apply only while it is current. */
  readonly approvedConfig?: string;
}

/** What the admin page may show of a stored key. */
export interface ServiceAccountKeySummary {
  readonly clientEmail: string;
  readonly clientId: string;
  readonly privateKeyId: string;
}

/** Where a run stands. */
export type PullPhase = 'read' | 'plan-users' | 'apply-users' | 'plan-groups' | 'apply-groups' | 'finish';

/** Apply writes the directory; preview only says what it would write. */
export type PullMode = 'apply' | 'preview';

/** What a finished pull (or preview) reports. */
export interface PullSummary {
  readonly runId: string;
  readonly mode: PullMode;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The configuration the run read with (a fingerprint; a preview approves exactly this). */
  readonly config: string;
  readonly invocations: number;
  readonly usersRead: number;
  readonly groupsRead: number;
  readonly unchangedUsers: number;
  readonly unchangedGroups: number;
  /** Planned (preview) or applied (apply) changes. */
  readonly changes: ApplyCounts;
  /** Deactivations the breaker held (none written). */
  readonly heldDeactivations: number;
  readonly breakerReason?: string;
  readonly findings: PullFindings;
  /** A few of the planned operations, for the preview. */
  readonly sample: readonly string[];
}

/** What applying counted. */
export interface ApplyCounts {
  usersCreated: number;
  usersUpdated: number;
  usersDeactivated: number;
  groupsCreated: number;
  groupsUpdated: number;
  groupsDeleted: number;
  membersAdded: number;
  membersRemoved: number;
  /** Calls that wrote the directory (each a resource and its outbox entry). */
  directoryWrites: number;
}

/** What a pull source noticed and left out, shown on the admin page. */
export interface PullFindings {
  /** Members outside the account's domains, by email (at most a sample), and how many. */
  readonly outsideDomain: { readonly count: number; readonly sample: readonly string[] };
  /** Members in the domain who are not among the selected users. */
  readonly notSelected: number;
  /** Cycles of nested groups, each as the group emails around it. */
  readonly cycles: readonly (readonly string[])[];
}

/** A pull in progress as the page shows it (the run's record is src/sources/pull/pull-run.ts, PullRun). */
export interface PullRunView {
  readonly id: string;
  readonly mode: PullMode;
  readonly phase: PullPhase;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly invocations: number;
  /** The last failure; the run resumes after it. */
  readonly error?: { readonly kind: string; readonly message: string; readonly at: string };
}

/** What the Status and Set-up pages show of the pull. */
export interface PullStatus {
  readonly running: PullRunView | undefined;
  readonly lastPull: PullSummary | undefined;
  readonly lastPreview: PullSummary | undefined;
  /** The fingerprint of the current configuration; a preview of exactly this must be approved before pulls apply. */
  readonly config: string;
  readonly approved: boolean;
}

/** One check of the connection test. */
export interface SourceCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}
