/**
 * The grant changes a permission run planned but its job's budget did not let it apply, carried to the next job:
 * that job applies them without reading Bitbucket's listings again. A run's reads are a fixed cost (the projects, the
 * repositories and each target's group permissions) against Bitbucket's 1,000 requests an hour; at 10,000 users the
 * 1,167 grants of bench:forge took about 17 jobs, and planning each again spent some 1,200 requests on reads alone.
 * A carry holds only while the rules are the ones it was planned for (its stamp) and every group its changes name is
 * still an app group under the same name, and while young (groups that appeared since wait for the fresh comparison);
 * puts are idempotent at Bitbucket, and after a carry is used up the next job compares afresh once.
 */
import type { ForgeKvs } from '../storage/kvs-port';
import type { GrantChange } from './permission-rules';

const KEY = 'carry:Permissions.all';
/** How long carried grant changes may be used (the next job of the permissions normally runs within seconds). */
export const PERMISSION_CARRY_MAX_AGE_MS = 10 * 60_000;
/** Most changes one carry holds (about 110 bytes each: well under a KVS value's 240 KiB). */
export const PERMISSION_CARRY_MAX_CHANGES = 1_500;

/** Grant changes planned for one stamp of the rules, and the app groups they name. */
export interface CarriedGrants {
  /** The rules the plan was made for (src/sync/permission-sync.ts rulesStamp). */
  readonly stamp: string;
  /** The app groups the changes name, as slug and displayName: the carry holds while each is still there, unchanged. */
  readonly groups: readonly string[];
  readonly changes: readonly GrantChange[];
}

interface StoredGrants extends CarriedGrants {
  readonly at: number;
}

/** Carried grant changes on a plain KVS key, kept an hour at most. */
export class PermissionCarry {
  constructor(private readonly kvs: Pick<ForgeKvs, 'get' | 'set' | 'delete'>) {}

  /** Keeps what is left of a run for the next job; false (nothing kept) when it is too large, and the next job plans again. */
  async save(left: CarriedGrants, now: number): Promise<boolean> {
    if (left.changes.length === 0 || left.changes.length > PERMISSION_CARRY_MAX_CHANGES) {
      await this.drop();
      return false;
    }
    const stored: StoredGrants = { stamp: left.stamp, groups: left.groups, changes: left.changes, at: now };
    await this.kvs.set(KEY, stored, { ttl: { value: 3_600, unit: 'SECONDS' } });
    return true;
  }

  /** The carried changes when young enough, else undefined (the run checks the stamp: src/sync/permission-sync.ts). */
  async take(now: number): Promise<CarriedGrants | undefined> {
    const stored = await this.kvs.get<StoredGrants>(KEY);
    if (!stored || typeof stored.stamp !== 'string' || !Array.isArray(stored.changes) || !Array.isArray(stored.groups))
      return undefined;
    if (now - stored.at > PERMISSION_CARRY_MAX_AGE_MS || now < stored.at) return undefined;
    return { stamp: stored.stamp, groups: stored.groups, changes: stored.changes };
  }

  /** Forgets the carry (used up, or no longer to be trusted). */
  async drop(): Promise<void> {
    await this.kvs.delete(KEY);
  }
}
