/** What the SCIM service is configured with: its limits, and what it needs from its host (src/app/create-app.ts). */
import type { DirectoryStore } from '../directory/directory-store';
import type { PagingLimits } from './discovery';
import type { ScimLogger } from './error-response';
import type { CursorSigner } from './list-cursor';
import type { ClientProfile } from './profile';

/** Limits of the service; defaults suit IdPs (Okta pages with 100, Entra's validator with 5). */
export interface ServiceLimits extends PagingLimits {
  /** Largest request body accepted (413 beyond; RFC 7644 section 3.12). */
  readonly maxBodyBytes: number;
  /** Most resources a non-indexed filter or a sort may examine (400 tooMany beyond). */
  readonly maxScan: number;
}

/** Default limits. */
export const defaultServiceLimits: ServiceLimits = {
  maxPageSize: 200,
  defaultPageSize: 100,
  // RFC 9865 cursors live 10 minutes: long enough for an IdP to page through, short enough to bound replay.
  cursorTimeoutSeconds: 600,
  maxBodyBytes: 1024 * 1024,
  maxScan: 100_000,
};

/** What the sync engine knows about a user's Atlassian account. */
export interface AccountLink {
  readonly accountId?: string;
  readonly syncState: string;
}

/** Reads the account links of users by id; users without one are absent from the map. */
export type AccountLinkReader = (userIds: readonly string[]) => Promise<Map<string, AccountLink>>;

/** What the service needs from its host. */
export interface ScimServiceOptions {
  readonly store: DirectoryStore;
  /** True when the bearer token is one of the app's valid tokens; compares in constant time. */
  readonly authenticate: (token: string | undefined) => Promise<boolean>;
  /** The client profile in force (configured by the admin; lenient by default). */
  readonly profile: () => Promise<ClientProfile> | ClientProfile;
  readonly logger: ScimLogger;
  /** Signs and verifies RFC 9865 cursors under the installation's secret (src/auth/cursor-signer.ts). */
  readonly cursorSigner: () => Promise<CursorSigner>;
  readonly now?: () => Date;
  readonly limits?: Partial<ServiceLimits>;
  /** The Atlassian account and sync state of users, rendered as this app's read-only User extension. */
  readonly accountLinks?: AccountLinkReader;
}
