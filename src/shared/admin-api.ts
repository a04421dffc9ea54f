/**
 * The one contract between the admin resolvers and the admin page: resolver keys (`<area>/<verb>`) with their
 * payloads and results. The backend implements it with @forge/resolver `makeResolver` (and the local host's
 * HTTP bridge calls the same handlers); the UI calls it through `invoke` from @forge/bridge or the local bridge.
 * Neither side copies these types. Every payload is validated again on the server.
 */
import type { ReviewApi } from './review-api';
import type { SourceApi } from './source-api';
import type { AuditEntry, AuditExportPage, AuditOutcome } from './audit-types';
import type { SettingsError, SyncSettings, TransformPreview, UsernameTransform } from './settings-types';
import type {
  AuthFailureSummary,
  BreakerState,
  ComparisonResult,
  CredentialsView,
  CredentialWarning,
  SyncState,
} from './status-types';

/** The identity providers the page has set-up guides for. */
export const IDP_IDS = ['okta', 'entra-id', 'onelogin', 'jumpcloud', 'google-workspace', 'other'] as const;

/** One of IDP_IDS. */
export type IdpId = (typeof IDP_IDS)[number];

/** Which credentials the sync engine calls Atlassian with, and the sentence that says so. */
export interface CredentialsInUse {
  readonly source: 'environment' | 'saved' | 'emulated' | 'none';
  readonly detail: string;
}

/** Whether the app is ready and what the page should say. */
export interface AdminStatus {
  /** Every set-up step is done. */
  readonly ready: boolean;
  /** `setup`: steps missing; `waiting-for-idp`: set up, but the IdP has not reached the endpoint yet; `running`: it has. */
  readonly state: 'setup' | 'waiting-for-idp' | 'running';
  readonly detail: string;
  /** When the identity provider last reached the SCIM endpoint with a valid token (to the minute). */
  readonly lastIdpContactAt?: string;
  readonly credentials: CredentialsInUse;
  /** Which set-up steps are done. */
  readonly steps: {
    readonly idp: boolean;
    readonly token: boolean;
    readonly credentials: boolean;
    readonly target: boolean;
  };
  readonly warnings: readonly CredentialWarning[];
  /** True when the app talks to the emulated Atlassian APIs (local host without credentials). */
  readonly emulated: boolean;
}

/** A SCIM bearer token as the page sees it: never the hash, never the token after issuance. */
export interface TokenView {
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly suffix: string;
  readonly label?: string;
  /** Being replaced by a rotation: valid only until `expiresAt`; the IdP should use the newer token. */
  readonly retiring?: boolean;
}

/** A newly issued token: the only time its value leaves the backend. */
export interface IssuedToken {
  readonly token: string;
  readonly view: TokenView;
  /** After a rotation: the tokens it retires, each valid until its `expiresAt`. */
  readonly retiring?: readonly TokenView[];
}

/** Payload of `tokens/issue`. */
export interface IssueTokenPayload {
  readonly label?: string;
  /** Days until the token expires; omitted means no expiry. */
  readonly expiresInDays?: number;
}

/** Payload of `tokens/rotate`. */
export interface RotateTokenPayload extends IssueTokenPayload {
  /** Hours the current tokens stay valid, so the IdP can be switched over without downtime. */
  readonly overlapHours: number;
}

/** The page's own choices that are not sync settings. */
export interface SetupView {
  readonly idp?: IdpId;
}

/** Payload of `credentials/save`: only the fields given change; an empty string clears nothing (use `credentials/clear`). */
export interface SaveCredentialsPayload {
  readonly orgId?: string;
  readonly orgApiKey?: string;
  readonly orgApiKeyExpiresAt?: string | null;
  readonly bitbucketEmail?: string;
  readonly bitbucketApiToken?: string;
  readonly bitbucketApiTokenExpiresAt?: string | null;
}

/** The masked credentials with their warnings. */
export interface CredentialsStatus {
  readonly credentials: CredentialsView;
  readonly warnings: readonly CredentialWarning[];
  /** Which credentials the sync uses (the local host's environment ones win over those saved here). */
  readonly inUse?: CredentialsInUse;
}

/** One check of a connection test. */
export interface ConnectionCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What `credentials/test` found for one API: each check with what works and what is missing. */
export interface ConnectionReport {
  readonly api: 'admin' | 'bitbucket';
  readonly ok: boolean;
  readonly checks: readonly ConnectionCheck[];
}

/** A directory of the organization. */
export interface DirectoryView {
  readonly id: string;
  readonly name: string;
}

/** The result of a save that validates its input: the saved value, or every problem found. */
export type SaveResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly SettingsError[] };

/** Payload of `transform/preview`: the transform to try (not yet saved) and samples; recent userNames are added. */
export interface TransformPreviewPayload {
  readonly transform: UsernameTransform | null;
  readonly samples?: readonly string[];
}

/** The preview's results checked against the organization's verified domains. */
export interface TransformDomainCheck {
  /** The organization's verified domains (empty when they could not be read: see `detail`). */
  readonly verified: readonly string[];
  /** Result emails whose domain is not verified: the app would invite accounts the organization does not manage. */
  readonly outside: readonly string[];
  readonly detail?: string;
}

/** A preview over the given samples and the directory's most recent userNames. */
export interface TransformPreviewView {
  readonly preview: TransformPreview;
  readonly recentUserNames: readonly string[];
  readonly domains?: TransformDomainCheck;
}

/** One grant the rules lead to, beside what Bitbucket has now. */
export interface GrantPreview {
  readonly target: { readonly type: 'project' | 'repository'; readonly id: string };
  readonly group: string;
  readonly groupSlug: string;
  /** The level the rules ask for; undefined when the app would revoke a grant it made. */
  readonly desired?: string;
  /** The level Bitbucket has now; undefined when there is no grant (or Bitbucket could not be read). */
  readonly current?: string;
  /** `blocked`: a grant the app did not make is in the way, and the app never touches those. */
  readonly change: 'add' | 'change' | 'remove' | 'same' | 'blocked';
  /** The rules that support the desired level. */
  readonly ruleIds: readonly string[];
}

/** Payload of `rules/preview`: rules to preview (default: the saved ones). */
export interface RulesPreviewPayload {
  readonly rules?: SyncSettings['rules'];
}

/** The grants the rules lead to and the diff against Bitbucket. */
export interface RulesPreview {
  readonly grants: readonly GrantPreview[];
  /** Rule groups no synced app group has (the rule grants nothing until the IdP pushes that group). */
  readonly unknownGroups: readonly string[];
  /** Whether the current grants were read from Bitbucket (false when not connected: `current` is then unknown). */
  readonly comparedWithBitbucket: boolean;
  readonly detail?: string;
  /** Rules naming projects that do not exist or patterns that match no repository (the rule grants nothing there). */
  readonly ruleProblems?: readonly RuleProblemView[];
}

/** What is wrong with one rule, with its position as the page counts (from 1). */
export interface RuleProblemView {
  readonly ruleId: string;
  readonly position: number;
  readonly problems: readonly string[];
}

/** What the rule editor's pickers offer. */
export interface RuleTargetsView {
  /** displayNames of the groups the identity provider pushed. */
  readonly groups: readonly string[];
  /** True when there are more groups than the picker lists (type the name). */
  readonly groupsTruncated: boolean;
  readonly projects: readonly { readonly key: string; readonly name: string }[];
  readonly repositories: readonly { readonly slug: string; readonly projectKey?: string }[];
  /** Why projects and repositories are missing (not connected, Bitbucket failed). */
  readonly detail?: string;
}

/** Activity over time: entries per hour by outcome. */
export interface ActivityBucket {
  readonly hour: string;
  readonly applied: number;
  readonly failed: number;
  readonly other: number;
}

/** The sync's state for the status section. */
export interface SyncStatusView {
  readonly queueDepth: number;
  readonly running: boolean;
  /** IdP users and groups by sync state (the Permissions resource is in `permissions`, not here). */
  readonly counts: Readonly<Record<SyncState, number>>;
  /** Bitbucket permission sync, one resource for every grant; absent until it first ran. */
  readonly permissions?: {
    readonly state: SyncState;
    readonly lastSyncedAt?: string;
    readonly lastError?: string;
    readonly grants: number;
    /** When permission sync last compared the grants with Bitbucket, and what it found. */
    readonly lastComparedAt?: string;
    readonly lastComparison?: ComparisonResult;
  };
  /** States whose count stopped at the counting limit (the resolver's time budget): their count is a lower bound. */
  readonly countsAtLeast: readonly SyncState[];
  /** True when the queue was too deep to count in one call: queueDepth is then a lower bound. */
  readonly queueDepthIsLowerBound: boolean;
  readonly totals: { readonly users: number; readonly groups: number };
  readonly lastReconcileAt?: string;
  readonly lastSyncAt?: string;
  readonly breaker: BreakerState;
  /** Users whose deactivation the tripped breaker holds back; confirming lets exactly these run. */
  readonly waitingDeactivations: number;
  readonly dryRun: boolean;
  /** SCIM requests refused for a missing, wrong, revoked or expired bearer token, per hour over the last day. */
  readonly authFailures: AuthFailureSummary;
}

/** One resource whose sync failed (or waits). */
export interface SyncItemView {
  readonly key: string;
  readonly kind: 'User' | 'Group' | 'Permissions';
  readonly display: string;
  readonly state: SyncState;
  readonly accountId?: string;
  readonly lastError?: string;
  readonly detail?: string;
  readonly attempts: number;
  readonly nextRetryAt?: string;
  /** A user the IdP deactivated (`active: false`): synced means its access was taken away. */
  readonly deactivated?: boolean;
  /** When the sync last compared the resource with the organization, and what it found (never `synced` while `different`). */
  readonly lastComparedAt?: string;
  readonly lastComparison?: ComparisonResult;
  /** The difference that comparison found, in words. */
  readonly difference?: string;
}

/** A page of items. */
export interface SyncItemsPage {
  readonly items: readonly SyncItemView[];
  readonly cursor?: string;
}

/** Payload of `audit/query`. */
export interface AuditQueryPayload {
  readonly from?: string;
  readonly to?: string;
  /** A user's userName, work email or SCIM id. */
  readonly user?: string;
  /** A group's displayName or SCIM id. */
  readonly group?: string;
  readonly outcome?: AuditOutcome;
  /** Case-insensitive text searched in action, target, actor, detail and before/after, on the server across pages. */
  readonly text?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

/** How a User or Group filter as typed was resolved to the SCIM id the log is keyed by. */
export interface AuditFilterResolution {
  readonly input: string;
  readonly id: string;
  /** The userName or displayName found. */
  readonly display?: string;
  /** False when no user or group of that name or id exists now (a deleted one is found by its id or the text search). */
  readonly matched: boolean;
}

/** A page of audit entries, newest first; with a text search, the matches among the `scanned` entries read. */
export interface AuditPageView {
  readonly entries: readonly AuditEntry[];
  /** Continue from here (with the same filters); with a text search even when this page found nothing. */
  readonly cursor?: string;
  /** Entries read for this page. */
  readonly scanned?: number;
  readonly resolved?: { readonly user?: AuditFilterResolution; readonly group?: AuditFilterResolution };
}

/** Payload of `audit/export` (the text search applies to the page view only); `cursor` asks for the next page. */
export interface AuditExportPayload extends Omit<AuditQueryPayload, 'limit' | 'cursor' | 'text'> {
  readonly format: 'csv' | 'json';
  readonly cursor?: string;
}

/** An IdP group and the org group the app made (or linked) for it. */
export interface GroupMappingView {
  /** The SCIM group id. */
  readonly id: string;
  /** The group's name in the identity provider. */
  readonly displayName: string;
  /** The org group's name; absent until the sync has created or linked it. */
  readonly orgGroupName?: string;
  /** The Bitbucket group slug permissions use (assumed: src/targets/group-slug.ts). */
  readonly groupSlug?: string;
  readonly state: SyncState;
  readonly lastError?: string;
}

/** A page of the IdP group -> org group mapping. */
export interface GroupMappingPage {
  readonly groups: readonly GroupMappingView[];
  readonly total: number;
  readonly offset: number;
}

/**
 * A failure every resolver may answer with instead of its result, so the page can show it: `not-signed-in`,
 * `no-workspace`, `not-admin`, `grant-required`, `check-failed`, `invalid-input`, `not-connected`, or `internal`.
 * Forge's consent request is no such answer: the resolver throws it so Forge can prompt (src/forge/admin-resolver.ts).
 */
export interface AdminFailure {
  readonly error: { readonly reason: string; readonly message: string };
}

/** The resolver map (the Google source's calls are in src/shared/source-api.ts, the access review's in src/shared/review-api.ts). */
export type AdminApi = SourceApi &
  ReviewApi & {
    'status/get': () => AdminStatus;
    'scim/get-base-url': () => { readonly url: string };
    'setup/get': () => SetupView;
    'setup/save': (payload: SetupView) => SetupView;
    'tokens/list': () => readonly TokenView[];
    'tokens/issue': (payload: IssueTokenPayload) => IssuedToken;
    'tokens/rotate': (payload: RotateTokenPayload) => IssuedToken;
    'tokens/revoke': (payload: { readonly id: string }) => { readonly revoked: boolean; readonly token?: TokenView };
    'credentials/get': () => CredentialsStatus;
    'credentials/save': (payload: SaveCredentialsPayload) => SaveResult<CredentialsStatus>;
    'credentials/clear': () => CredentialsStatus;
    'credentials/test': () => readonly ConnectionReport[];
    'directories/list': () => readonly DirectoryView[];
    'settings/get': () => SyncSettings;
    'settings/save': (payload: { readonly settings: unknown }) => SaveResult<SyncSettings>;
    'settings/export': () => { readonly document: string; readonly fileName: string };
    'settings/import': (payload: { readonly document: string }) => SaveResult<SyncSettings>;
    'transform/preview': (payload: TransformPreviewPayload) => TransformPreviewView;
    'rules/preview': (payload: RulesPreviewPayload) => RulesPreview;
    'sync/status': () => SyncStatusView;
    'sync/items': (payload: {
      readonly state: SyncState;
      readonly cursor?: string;
      readonly limit?: number;
    }) => SyncItemsPage;
    'sync/retry': (payload: { readonly keys?: readonly string[] }) => { readonly retried: number };
    'sync/run': () => { readonly queued: number };
    'sync/activity': (payload: { readonly hours?: number }) => readonly ActivityBucket[];
    'breaker/confirm': () => BreakerState;
    'audit/query': (payload: AuditQueryPayload) => AuditPageView;
    'audit/export': (payload: AuditExportPayload) => AuditExportPage;
    'groups/list': (payload: { readonly offset?: number; readonly count?: number }) => GroupMappingPage;
    'rules/targets': () => RuleTargetsView;
  };
