/**
 * What the app already knows that a review uses instead of asking Atlassian: the Permissions record (when a
 * permission run is due, and the grants the app applied), its links (which accounts are IdP identities, which
 * Bitbucket group slugs are its own groups and their org group ids), the IdP's view of each user (the directory)
 * and the permission rules. A small port, so the review's tests and benchmark can stand in for the app.
 */
import type { DirectoryStore } from '../directory/directory-store';
import { PERMISSIONS_KEY } from '../sync/jobs';
import type { PermissionRule } from '../sync/settings';
import type { SettingsStore } from '../sync/settings-store';
import type { LinkDoc, SyncLinks, SyncState } from '../sync/sync-links';
import type { TokenUsage } from '../sync/token-usage';
import type { PermissionRunState } from './read-gate';

/** The link states a review scans, in order. */
export const LINK_STATES: readonly SyncState[] = ['pending', 'synced', 'failed', 'skipped'];

/** Links read per scan page (Forge: 20 results per query page). */
export const LINK_PAGE = 20;

/** The port. */
export interface AppKnowledge {
  /** The Permissions record's schedule and the grants the app applied (target key -> group slug -> level). */
  permissions(): Promise<
    PermissionRunState & { readonly applied: Readonly<Record<string, Readonly<Record<string, string>>>> }
  >;
  /** One page of the app's links in one state. */
  links(state: SyncState, cursor?: string): Promise<{ readonly links: readonly LinkDoc[]; readonly cursor?: string }>;
  /** The IdP's users by SCIM id: userName and whether active; missing ids are absent. */
  users(ids: readonly string[]): Promise<ReadonlyMap<string, { readonly userName: string; readonly active: boolean }>>;
  /** The IdP's groups by SCIM id: displayName; missing ids are absent. */
  groups(ids: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** The permission rules now. */
  rules(): Promise<readonly PermissionRule[]>;
}

/** The port over the app's own stores. */
export function appKnowledge(
  links: SyncLinks,
  store: DirectoryStore,
  settings: Pick<SettingsStore, 'get'>,
  tokenUsage: Pick<TokenUsage, 'lastHour'>,
): AppKnowledge {
  return {
    async permissions() {
      const [link, recentRequests] = await Promise.all([links.get(PERMISSIONS_KEY), tokenUsage.lastHour()]);
      return {
        applied: link?.grants ?? {},
        recentRequests,
        ...(link?.permissionsDueSince !== undefined ? { dueSince: link.permissionsDueSince } : {}),
        ...(link?.nextRetryAt !== undefined ? { nextRetryAt: link.nextRetryAt } : {}),
        ...(link?.rateLimitedUntil !== undefined ? { rateLimitedUntil: link.rateLimitedUntil } : {}),
      };
    },
    links: (state, cursor) => links.listByState(state, LINK_PAGE, cursor),
    async users(ids) {
      const found = await store.getMany('User', ids);
      const out = new Map<string, { userName: string; active: boolean }>();
      for (const [id, user] of found)
        out.set(id, { userName: String(user.resource.userName ?? id), active: user.resource.active !== false });
      return out;
    },
    async groups(ids) {
      const found = await store.getMany('Group', ids);
      return new Map([...found].map(([id, group]) => [id, String(group.resource.displayName ?? '')]));
    },
    async rules() {
      return (await settings.get()).rules;
    },
  };
}
