/**
 * The workspace's projects and repositories as permission runs see them: read from Bitbucket at most every
 * LISTINGS_MAX_AGE_MS and kept in between on plain KVS keys. Each permission plan starts with both listings, and while an
 * initial load keeps creating groups a run falls due every minute or two: at 10,000 users bench:forge spent 422 of its
 * 1,625 Bitbucket requests (1,000 an hour) on these two listings alone. A project or repository created since is
 * granted within the age at the latest; one deleted since makes the plan's read of its grants fail, and the run is
 * retried. The access review, the rule preview and the connection test read Bitbucket directly.
 */
import { withOverrides } from '../lang/with-overrides';
import type { ForgeKvs } from '../storage/kvs-port';
import type { BitbucketPermissions } from '../targets/ports';

/** How old kept listings may be. */
export const LISTINGS_MAX_AGE_MS = 10 * 60_000;
/** Listings larger than this (serialised) are not kept: a KVS value holds at most 240 KiB. */
const MAX_KEPT_BYTES = 200_000;

interface Kept<T> {
  readonly at: number;
  readonly items: T;
}

/** `bitbucket` with its two workspace listings kept on `kvs` for LISTINGS_MAX_AGE_MS; every other call goes through. */
export function keptWorkspaceListings(
  bitbucket: BitbucketPermissions,
  kvs: Pick<ForgeKvs, 'get' | 'set'>,
  now: () => number,
): BitbucketPermissions {
  const kept = async <T>(key: string, read: () => Promise<T>): Promise<T> => {
    const stored = await kvs.get<Kept<T>>(key);
    const at = now();
    if (stored && typeof stored.at === 'number' && at - stored.at < LISTINGS_MAX_AGE_MS && at >= stored.at)
      return stored.items;
    const items = await read();
    const value: Kept<T> = { at, items };
    if (JSON.stringify(value).length <= MAX_KEPT_BYTES)
      await kvs.set(key, value, { ttl: { value: LISTINGS_MAX_AGE_MS / 1000, unit: 'SECONDS' } });
    return items;
  };
  const overrides: Partial<BitbucketPermissions> = {
    listProjects: () => kept('listings:projects', () => bitbucket.listProjects()),
    listRepositories: () => kept('listings:repositories', () => bitbucket.listRepositories()),
  };
  return withOverrides(bitbucket, overrides);
}
