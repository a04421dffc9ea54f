/**
 * A group's member changes that one job planned but its budget did not let it apply, carried to the next job of the
 * same group: that job applies them without planning again (a 10,000-member group's plan lists 100 pages of
 * org members and reads 400 pages of links, more than an invocation's requests). Only member adds and removes are
 * carried; both are idempotent at the Admin API ("already a member", "not a member"), so applying one the org has
 * meanwhile made true changes nothing. A carry is used only while the group's directory version (which every change
 * of the group or its members bumps) is the one it was planned for, and only while young; otherwise the next job
 * plans again from fresh reads.
 */
import type { ForgeKvs } from '../storage/kvs-port';
import type { Change } from './planner';

/** How long a carried plan may be used (the next job of the entry normally runs within seconds). */
export const CARRY_MAX_AGE_MS = 10 * 60_000;
/** Most account ids one carry holds (about 46 bytes each: well under a KVS value's 240 KiB). */
export const CARRY_MAX_ACCOUNTS = 4_000;
/** Most bytes of account ids one carry holds (an account id may have up to 128 characters). */
const CARRY_MAX_BYTES = 200_000;

interface StoredCarry {
  readonly version: number;
  readonly at: number;
  readonly orgGroupId: string;
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

type MemberChange = Extract<Change, { kind: 'add-member' | 'remove-member' }>;

function keyOf(resourceKey: string): string {
  return `carry:${resourceKey}`;
}

/** Carried member changes on plain KVS keys (`carry:<resource key>`, kept an hour at most). */
export class PlanCarry {
  constructor(private readonly kvs: Pick<ForgeKvs, 'get' | 'set' | 'delete'>) {}

  /**
   * Keeps what is left of a group's plan, made at directory version `version`, for the next job; false (nothing kept)
   * when it holds anything but member changes of one org group: the next job plans again then. Past
   * CARRY_MAX_ACCOUNTS (or CARRY_MAX_BYTES of account ids) it keeps the removals first, then as many additions as fit:
   * a fresh comparison follows every carry, and finds the rest (a 10,000-member group's first plan adds 10,000).
   */
  async save(resourceKey: string, version: number, left: readonly Change[], now: number): Promise<boolean> {
    const members = left.filter((c): c is MemberChange => c.kind === 'add-member' || c.kind === 'remove-member');
    const orgGroupId = members[0]?.orgGroupId;
    if (
      orgGroupId === undefined ||
      members.length !== left.length ||
      members.some((c) => c.orgGroupId !== orgGroupId)
    ) {
      await this.drop(resourceKey);
      return false;
    }
    let room = CARRY_MAX_ACCOUNTS;
    let bytes = CARRY_MAX_BYTES;
    const fits = (accountId: string): boolean => {
      if (room === 0 || bytes < accountId.length + 3) return false;
      room -= 1;
      bytes -= accountId.length + 3;
      return true;
    };
    const remove = members
      .filter((c) => c.kind === 'remove-member')
      .map((c) => c.accountId)
      .filter(fits);
    const add = members
      .filter((c) => c.kind === 'add-member')
      .map((c) => c.accountId)
      .filter(fits);
    const carry: StoredCarry = { version, at: now, orgGroupId, add, remove };
    await this.kvs.set(keyOf(resourceKey), carry, { ttl: { value: 3_600, unit: 'SECONDS' } });
    return true;
  }

  /**
   * Takes (reads and forgets) the changes carried for this directory version of the group, when young enough;
   * otherwise undefined. A job that cannot apply them all carries the rest again (save).
   */
  async take(resourceKey: string, version: number, now: number): Promise<Change[] | undefined> {
    const carry = await this.kvs.get<StoredCarry>(keyOf(resourceKey));
    if (carry === undefined) return undefined;
    await this.drop(resourceKey);
    if (carry.version !== version || now - carry.at > CARRY_MAX_AGE_MS || now < carry.at) return undefined;
    // Removals first: access that should end ends before access that should begin is granted.
    return [
      ...carry.remove.map((accountId): Change => ({
        kind: 'remove-member',
        key: resourceKey,
        orgGroupId: carry.orgGroupId,
        accountId,
      })),
      ...carry.add.map((accountId): Change => ({
        kind: 'add-member',
        key: resourceKey,
        orgGroupId: carry.orgGroupId,
        accountId,
      })),
    ];
  }

  /** Forgets the carry of a resource (its plan was applied whole, or is no longer to be trusted). */
  async drop(resourceKey: string): Promise<void> {
    await this.kvs.delete(keyOf(resourceKey));
  }
}
