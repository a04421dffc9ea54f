/**
 * The sync's state and the credentials' as the admin page's Status and Connections show them: page data, defined here
 * so the page and the server share one definition. The modules that keep this state (src/sync/sync-links.ts,
 * comparison.ts, circuit-breaker.ts, credentials.ts, src/auth/auth-failures.ts) use these types.
 */

/** Sync status of one resource. */
export type SyncState = 'pending' | 'synced' | 'failed' | 'skipped';

/** The result of the last comparison: nothing to change, a difference not (yet) repaired, or one whose repair was applied. */
export type ComparisonResult = 'equal' | 'different' | 'repaired';

/** Deactivations admitted within one minute (`minute` is minutes since the epoch). */
export interface DeactivationBucket {
  readonly minute: number;
  readonly count: number;
}

/** What the breaker remembers. */
export interface BreakerState {
  /** Recent deactivations, oldest first, no older than the longest window. */
  readonly recent: readonly DeactivationBucket[];
  readonly tripped: boolean;
  readonly trippedAt?: string;
  readonly reason?: string;
  /** Deactivations an admin confirmed that may run beyond the limit (the ones waiting when the breaker was confirmed). */
  readonly allowance?: number;
}

/** The names of the stored credentials. */
export type CredentialName = 'orgId' | 'orgApiKey' | 'bitbucketEmail' | 'bitbucketApiToken';

/** One credential as the admin page sees it: whether it is set and a short suffix, never the value. */
export interface CredentialFieldView {
  readonly configured: boolean;
  /** At most the last 4 characters, fewer for short values, so the value can be recognised but not recovered. */
  readonly suffix?: string;
  readonly updatedAt?: string;
  readonly expiresAt?: string;
}

/** Every credential, masked. */
export type CredentialsView = Readonly<Record<CredentialName, CredentialFieldView>>;

/** A credential that has expired or expires soon. */
export interface CredentialWarning {
  readonly credential: 'orgApiKey' | 'bitbucketApiToken';
  readonly severity: 'expired' | 'expiring';
  readonly expiresAt: string;
  /** Whole days left, rounded down; negative once expired. */
  readonly daysLeft: number;
  readonly message: string;
}

/** Failed authentications of the last 24 hours, as the admin page's status shows them. */
export interface AuthFailureSummary {
  /** Failures in the current clock hour. */
  readonly thisHour: number;
  /** Failures in the last 24 clock hours, the current one included. */
  readonly last24Hours: number;
  /** Hours (ISO, UTC, on the hour) with failures, oldest first. */
  readonly byHour: readonly { readonly hour: string; readonly count: number }[];
  readonly lastAt?: string;
  /** The address of the last failed request, where the platform gives one. */
  readonly lastSource?: string;
  /** False where the platform gives no source address (Forge). */
  readonly sourceKnown: boolean;
}
