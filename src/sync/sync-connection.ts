/**
 * What the sync's remote clients run on and how the app connects to its targets: the secrets the targets need, the
 * transport (fetch, base URLs, credentials, clock) and the remote ports built from the stored settings and credentials,
 * or what is missing. The sync's composition (src/app/create-sync.ts) provides them; the admin calls, the access review
 * and the Diagnostics use them.
 */
import type { AdminDirectory, BitbucketPermissions } from '../targets/ports';
import type { RetryPolicy } from '../targets/http/retry-policy';
import type { TargetFetch } from '../targets/http/target-fetch';
import type { SyncSettings } from './settings';

/** The secrets the targets need (kept in Forge secret storage; never returned to the UI in full). */
export interface TargetCredentials {
  /** The organization id, when the credentials carry one; the settings' target names it otherwise. */
  readonly orgId?: string;
  readonly orgApiKey: string;
  readonly bitbucketEmail: string;
  readonly bitbucketApiToken: string;
}

/** The remote ports for the stored settings and credentials, or what is missing to build them. */
export type ConnectedTargets =
  | {
      readonly ok: true;
      readonly admin: AdminDirectory;
      readonly bitbucket: BitbucketPermissions;
      readonly settings: SyncSettings;
    }
  | { readonly ok: false; readonly missing: readonly string[] };

/** What the remote clients run on; the Diagnostics probe the same fetch, hosts and credentials the sync uses. */
export interface SyncTransport {
  readonly fetch: TargetFetch;
  /** The base URLs the clients call (Atlassian's, or the emulators'). */
  baseUrls(): { readonly admin: string; readonly bitbucket: string };
  credentials(): Promise<TargetCredentials | undefined>;
  readonly clock?: { now(): number; sleep(ms: number): Promise<void> };
}

/** Options of a connect call (SyncParts.connect, src/app/create-sync.ts). */
export interface ConnectOptions {
  /** False lets a connection test list directories before one is chosen. */
  readonly requireDirectory?: boolean;
  /** Spares a caller that has just read the settings a second read. */
  readonly settings?: SyncSettings;
  /** Retries of the clients (the Diagnostics keep a resolver's calls short). */
  readonly retry?: Partial<RetryPolicy>;
  /** How long the Admin API client looks a new group up by name (default 60 s). */
  readonly groupLookupBudgetMs?: number;
}
