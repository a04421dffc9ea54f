/**
 * Which org group name a SCIM group gets, decided before the group is created and then kept for good.
 *
 * The readable name (`orgGroupNameFor`: prefix, then the displayName as a slug) is used unless it is taken, by the
 * claim of another SCIM group or by any group of the org's directory (hand-made ones included, found with the
 * Admin API's group search: `findGroupByName`); then the hashed names follow in order. The first group to claim a
 * name keeps it: the Admin API cannot rename a group (docs/notes/atlassian-admin-api.md section 3.6), so a name,
 * once given, must never move to another group. Claims are records of the `scim-claim` entity under
 * `orggroup.<sha-256 of the name>`, owned by the SCIM group id, written with FAIL_IF_EXISTS so two jobs can
 * never claim one name.
 */
import { createHash } from 'node:crypto';
import type { ForgeKvs } from '../storage/kvs-port';
import { CLAIM_ENTITY } from '../storage/kvs-directory/name-claims';
import { orgGroupNameCandidates } from '../targets/group-slug';
import { SyncError } from './sync-error';

/** A claim record: the SCIM group id that owns the name. */
interface NameClaim {
  owner: string;
}

/** The key of the claim on an org group name. */
export function orgGroupClaimKey(name: string): string {
  return `orggroup.${createHash('sha256').update(name.toLowerCase()).digest('hex')}`;
}

/** Decides and records org group names. */
export class OrgGroupNames {
  constructor(private readonly kvs: Pick<ForgeKvs, 'entity' | 'batchGet'>) {}

  /**
   * The org group name of a SCIM group: the one it claimed before, or else the first candidate no other group has
   * claimed and `isTaken` (the org's directory) does not hold, which is then claimed for it.
   */
  async nameFor(
    group: { readonly id: string; readonly displayName: string },
    prefix: string,
    isTaken: (name: string) => Promise<boolean>,
  ): Promise<string> {
    const candidates = orgGroupNameCandidates(group.displayName, prefix);
    const owners = await this.owners(candidates);
    const mine = candidates.find((name) => owners.get(name) === group.id);
    if (mine !== undefined) return mine;
    for (const name of candidates) {
      if (owners.has(name)) continue;
      if (await isTaken(name)) continue;
      if (await this.claim(name, group.id)) return name;
    }
    throw new SyncError(
      'conflict',
      `Every org group name for "${group.displayName}" is taken (${candidates.join(', ')}); rename the group in the identity provider`,
    );
  }

  /** Who has claimed each of `names` (absent: nobody). */
  async owners(names: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (names.length === 0) return out;
    const byKey = new Map(names.map((name) => [orgGroupClaimKey(name), name]));
    const result = await this.kvs.batchGet<NameClaim>(
      [...byKey.keys()].map((key) => ({ key, entityName: CLAIM_ENTITY })),
    );
    for (const item of result.successfulKeys) {
      const name = byKey.get(item.key);
      if (name !== undefined && typeof item.value?.owner === 'string') out.set(name, item.value.owner);
    }
    return out;
  }

  /** Claims a name for a group; false when another group claimed it first (the write found a record). */
  private async claim(name: string, owner: string): Promise<boolean> {
    try {
      await this.kvs
        .entity<NameClaim>(CLAIM_ENTITY)
        .set(orgGroupClaimKey(name), { owner }, { keyPolicy: 'FAIL_IF_EXISTS' });
      return true;
    } catch (error) {
      const current = await this.kvs.entity<NameClaim>(CLAIM_ENTITY).get(orgGroupClaimKey(name));
      if (current === undefined) throw error;
      return current.owner === owner;
    }
  }
}
