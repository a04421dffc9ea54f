/**
 * A huge group compared with its org group in steps, over as many jobs as it takes, so no invocation passes its
 * budget (src/sync/call-budget.ts): comparing 10,000 members at once reads 100 pages of members, 400 batches of their
 * links and 100 pages of org members, six times the 100 requests Forge allows one invocation.
 *
 * First the directory's members are read page by page with their links; the accounts they should have in the org
 * group are kept in shards on plain KVS keys. Then the org group's members are read page by page, each matched
 * against those accounts: a match is marked, an org member the app does not want there is looked up in the account
 * index and, when it is the app's account, removed. The accounts never matched are added. Each step saves where it
 * stopped (the listing's cursor) and starts from there. The group's plan is made when the org listing ends
 * (src/sync/group-sync.ts applies it; src/sync/plan-carry.ts carries what one job cannot apply).
 *
 * A scan runs on while the group changes, and its plan is applied; but when the group's directory version is no
 * longer the one it began at, another scan follows (a member added behind where the listing stood was not seen).
 */
import type { DirectoryStore, StoredMember } from '../directory/directory-store';
import type { ForgeKvs } from '../storage/kvs-port';
import type { AdminDirectory } from '../targets/ports';
import { budgetAllows } from './call-budget';
import { MILLIS_PER_RESOURCE } from './resource-budget';
import type { LinkDoc } from './sync-links';

/**
 * Groups with more members than this are compared in steps. Comparing 1,000 at once reads 10 pages of members, 40
 * batches of links and 10 pages of org members: 60 of an invocation's 100 requests.
 */
export const SCAN_MIN_MEMBERS = 1_000;
/** Members whose accounts one scan keeps (in at most 60 shards); a larger group is not compared (its link says so). */
export const SCAN_MAX_MEMBERS = 60_000;
/** Bytes of account ids the open shard holds before it is written as a full one. */
const SHARD_BYTES = 90_000;
/** Most accounts each of the scan's lists keeps (removals, revoked and unlinked members); past it, compared again. */
const LIST_CAP = 250;
/** Outsiders a scan keeps: a deleted group's org group with any is not deleted, whatever their number. */
const OUTSIDERS_KEPT = 10;
/** Plain KVS keys of a scan expire after this; a scan older than SCAN_MAX_AGE_MS starts again. */
const SCAN_TTL_SECONDS = 3_600;
const SCAN_MAX_AGE_MS = 30 * 60_000;
/** What a step costs besides its pages: reading its state and writing it back, with one shard. */
const STEP_CALLS = 3;
/** A page of members (one request) and their links (four batches of 25). */
const MEMBER_PAGE_CALLS = 5;
/** A page of org members (one request) and the account index records of those not matched (up to four). */
const ORG_PAGE_CALLS = 5;
/** Kept for the plan once the org listing ends: the group's roles, and at least one change with its records. */
const FINISH_CALLS = 12;

/** Where a scan stands; see the module comment. */
interface ScanState {
  /** The group's directory version when the scan began (a change since is compared by the next scan). */
  readonly version: number;
  readonly orgGroupId: string;
  readonly startedAt: number;
  phase: 'members' | 'org';
  cursor?: string;
  /** Full shards written (`scan:<key>:<n>`, n below this); the open shard's accounts are kept here. */
  shards: number;
  open: string[];
  memberCount: number;
  /** Accounts of members whose access the user sync revoked: removed when they are in the org group. */
  revoked: string[];
  /** Members whose link named no account when read: an org member linked to one since is left alone. */
  unlinked: string[];
  removes: string[];
  /** Some of the org members that are not the app's accounts (a deleted group's org group keeps them). */
  outsiders?: string[];
  /** Accounts the org listing matched, as a bit per kept account in order (base64). */
  matched?: string;
  /** A list passed its cap: the plan holds what fitted, and the group is compared again after it. */
  overflow: boolean;
}

/** Where a group is compared, and what the scan's reads go through. */
export interface ScanInput {
  readonly key: string;
  /** The directory group's id; none for a group deleted from the directory (its org group's app accounts go). */
  readonly groupId?: string;
  readonly version: number;
  readonly orgGroupId: string;
}

/** The reads a scan makes: the group's members, other resources' links, the account index, the org group. */
export interface ScanReads {
  readonly store: Pick<DirectoryStore, 'memberPage'>;
  readonly othersMany: (keys: readonly string[]) => Promise<Map<string, LinkDoc>>;
  readonly userKeysOf: (accountIds: readonly string[]) => Promise<Map<string, string>>;
  readonly admin: Pick<AdminDirectory, 'listGroupMembersPage'>;
}

/** What a finished scan found: the member changes, in the terms of src/sync/planner.ts. */
export interface ScanResult {
  readonly orgGroupId: string;
  /** The group's directory version the scan began at. */
  readonly version: number;
  readonly adds: string[];
  readonly removes: string[];
  readonly memberCount: number;
  /** A few of the org members that are not the app's accounts (none when there are none). */
  readonly outsiders: string[];
  /** Some of what the group needs did not fit the scan's lists: compare it again once this is applied. */
  readonly incomplete: boolean;
}

/** A step's outcome: the scan goes on in the next job, it finished, or the group is too large to compare. */
export type ScanStep =
  | { readonly kind: 'progress'; readonly memberCount: number }
  | { readonly kind: 'finished'; readonly result: ScanResult }
  | { readonly kind: 'too-large'; readonly memberCount: number };

function stateKey(key: string): string {
  return `scan:${key}`;
}

function shardKey(key: string, n: number): string {
  return `scan:${key}:${n}`;
}

function bytesOf(accounts: readonly string[]): number {
  return accounts.reduce((sum, a) => sum + a.length + 3, 0);
}

function pushCapped(state: ScanState, list: string[], value: string): void {
  if (list.length < LIST_CAP) list.push(value);
  else state.overflow = true;
}

/** Huge groups' comparisons in steps, their state on plain KVS keys (`scan:<resource key>`). */
export class MemberScans {
  constructor(
    private readonly kvs: Pick<ForgeKvs, 'get' | 'set' | 'delete'>,
    private readonly now: () => number,
  ) {}

  /**
   * Takes the next step of a group's scan (starting one when none is kept for this org group, or it is too old), as
   * far as the invocation's budget allows, and saves where it stopped.
   */
  async step(input: ScanInput, reads: ScanReads): Promise<ScanStep> {
    const now = this.now();
    const kept = await this.kvs.get<ScanState>(stateKey(input.key));
    const state: ScanState =
      kept && kept.orgGroupId === input.orgGroupId && now - kept.startedAt <= SCAN_MAX_AGE_MS && now >= kept.startedAt
        ? kept
        : {
            version: input.version,
            orgGroupId: input.orgGroupId,
            startedAt: now,
            phase: input.groupId === undefined ? 'org' : 'members',
            shards: 0,
            open: [],
            memberCount: 0,
            revoked: [],
            unlinked: [],
            removes: [],
            overflow: false,
          };
    if (state.phase === 'members') await this.readMembers(input, state, reads);
    if (state.memberCount > SCAN_MAX_MEMBERS) {
      await this.kvs.delete(stateKey(input.key));
      return { kind: 'too-large', memberCount: state.memberCount };
    }
    if (state.phase === 'org') {
      const result = await this.readOrgMembers(input, state, reads);
      if (result) {
        await this.kvs.delete(stateKey(input.key));
        return { kind: 'finished', result };
      }
    }
    await this.kvs.set(stateKey(input.key), state, { ttl: { value: SCAN_TTL_SECONDS, unit: 'SECONDS' } });
    return { kind: 'progress', memberCount: state.memberCount };
  }

  /** Reads member pages with their links while the budget allows; the accounts wanted go to the open shard. */
  private async readMembers(input: ScanInput, state: ScanState, reads: ScanReads): Promise<void> {
    const groupId = input.groupId;
    while (
      groupId !== undefined &&
      state.phase === 'members' &&
      budgetAllows(MEMBER_PAGE_CALLS + STEP_CALLS, MILLIS_PER_RESOURCE)
    ) {
      const page = await reads.store.memberPage(groupId, state.cursor);
      const userKeys = page.members.filter((m: StoredMember) => m.type === 'User').map((m) => `User.${m.value}`);
      const links = userKeys.length > 0 ? await reads.othersMany(userKeys) : new Map<string, LinkDoc>();
      for (const userKey of userKeys) {
        state.memberCount += 1;
        const link = links.get(userKey);
        if (!link?.accountId) pushCapped(state, state.unlinked, userKey);
        // A deactivated user's memberships are the user sync's to take away: the group removes only accounts whose
        // access that sync has revoked (as src/sync/group-sync.ts does for a group compared at once).
        else if (link.revoked) pushCapped(state, state.revoked, link.accountId);
        else state.open.push(link.accountId);
      }
      if (bytesOf(state.open) >= SHARD_BYTES) {
        await this.kvs.set(shardKey(input.key, state.shards), state.open, {
          ttl: { value: SCAN_TTL_SECONDS, unit: 'SECONDS' },
        });
        state.shards += 1;
        state.open = [];
      }
      if (state.memberCount > SCAN_MAX_MEMBERS) return;
      if (page.cursor === undefined) {
        state.phase = 'org';
        delete state.cursor;
      } else state.cursor = page.cursor;
    }
  }

  /**
   * Reads org member pages while the budget allows, matching each against the accounts kept; the plan when the listing
   * ended, otherwise undefined (the state says where to go on).
   */
  private async readOrgMembers(input: ScanInput, state: ScanState, reads: ScanReads): Promise<ScanResult | undefined> {
    const pageCost = ORG_PAGE_CALLS + STEP_CALLS + FINISH_CALLS;
    if (!budgetAllows(state.shards + pageCost, MILLIS_PER_RESOURCE)) return undefined;
    const wanted: string[] = [];
    for (let n = 0; n < state.shards; n += 1)
      wanted.push(...((await this.kvs.get<string[]>(shardKey(input.key, n))) ?? []));
    wanted.push(...state.open);
    const indexOf = new Map<string, number>();
    wanted.forEach((account, i) => indexOf.set(account, i));
    const matched = new Uint8Array(Math.ceil(wanted.length / 8));
    if (state.matched) matched.set(Buffer.from(state.matched, 'base64').subarray(0, matched.length));
    const revoked = new Set(state.revoked);
    const unlinked = new Set(state.unlinked);
    // With more unlinked members than the list keeps, an org member could be one linked since: none is removed.
    const mayRemove = state.unlinked.length < LIST_CAP;
    let ended = false;
    while (!ended && budgetAllows(pageCost, MILLIS_PER_RESOURCE)) {
      const page = await reads.admin.listGroupMembersPage(input.orgGroupId, state.cursor);
      const others: string[] = [];
      for (const account of page.accountIds) {
        const i = indexOf.get(account);
        if (i !== undefined) matched[i >> 3] = (matched[i >> 3] ?? 0) | (1 << (i & 7));
        else if (revoked.has(account)) pushCapped(state, state.removes, account);
        else others.push(account);
      }
      // The org group's other members: the app's own accounts are removed, except one whose user is a member here
      // and whose link, as read, named no account yet (linked since: the next comparison sees it).
      if (others.length > 0 && mayRemove) {
        const owners = await reads.userKeysOf(others);
        for (const account of others) {
          const userKey = owners.get(account);
          if (userKey === undefined) {
            state.outsiders ??= [];
            if (state.outsiders.length < OUTSIDERS_KEPT) state.outsiders.push(account);
          } else if (!unlinked.has(userKey)) pushCapped(state, state.removes, account);
        }
      }
      if (page.cursor === undefined) ended = true;
      else state.cursor = page.cursor;
    }
    if (!ended) {
      state.matched = Buffer.from(matched).toString('base64');
      return undefined;
    }
    const hit = (i: number | undefined): boolean => i !== undefined && ((matched[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
    const adds = wanted.filter((account, i) => !hit(i) && !hit(indexOf.get(account)));
    return {
      orgGroupId: input.orgGroupId,
      version: state.version,
      adds: [...new Set(adds)].sort(),
      removes: [...new Set(state.removes)].sort(),
      outsiders: state.outsiders ?? [],
      memberCount: state.memberCount,
      incomplete: state.overflow || !mayRemove,
    };
  }
}
