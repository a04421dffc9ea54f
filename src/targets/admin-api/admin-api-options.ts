/** How the Admin API client is configured: the org and directory it works in, the key, and its transport settings. */
import type { TransportOptions } from '../http/target-fetch';

/** The org API key; a key without scopes (notes section 1). */
export interface AdminApiCredentials {
  readonly apiKey: string;
}

/** Configuration of the client. */
export interface AdminApiClientOptions extends TransportOptions {
  readonly orgId: string;
  /** The directory the app's groups and users live in (writes need a real ID, not `-`). */
  readonly directoryId: string;
  /** Asked on every request, so a rotated key takes effect at once. */
  readonly credentials: () => AdminApiCredentials | Promise<AdminApiCredentials>;
  /** `limit` of paged reads, 1..100; default 100. */
  readonly pageSize?: number;
  /** How long to keep searching for a group the API just created; default 60 s (notes section 8). */
  readonly groupLookupBudgetMs?: number;
  /** `sendNotification` of invites; default false, the API's own default. */
  readonly sendInviteNotification?: boolean;
}
