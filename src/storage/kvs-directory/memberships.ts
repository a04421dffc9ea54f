/**
 * Group memberships in the KVS directory store: one `scim-member` record per (group, member), indexed by group and by
 * member (manifest.yml), so a membership change touches only the members it names and never rewrites a group.
 */
import { createHash } from 'node:crypto';
import {
  DirectoryError,
  type MemberRef,
  type MembershipChange,
  type StoredMember,
} from '../../directory/directory-store';
import type { ForgeKvs } from '../kvs-port';
import { absent, attempt, batchGet, chunk, commit, MAX_BATCH, QUERY_PAGE, Retry, type Write } from './transactions';

const MEMBER_ENTITY = 'scim-member';

interface MemberRecord {
  groupId: string;
  value: string;
  display?: string;
  type?: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function memberKey(groupId: string, value: string): string {
  return `${groupId}.${sha256(value).slice(0, 40)}`;
}

function toMemberRecord(groupId: string, member: MemberRef): MemberRecord {
  const record: MemberRecord = { groupId, value: member.value };
  if (member.display !== undefined) record.display = member.display;
  if (member.type !== undefined) record.type = member.type;
  return record;
}

/** Puts the record of each of `members` in `desired` under its key in `groupId` (of two with one value, the last). */
function desireMembers(
  desired: { set(key: string, record: MemberRecord): unknown },
  groupId: string,
  members: readonly MemberRef[],
): void {
  for (const member of members) desired.set(memberKey(groupId, member.value), toMemberRecord(groupId, member));
}

function toStoredMember(record: MemberRecord): StoredMember {
  const member: { value: string; display?: string; type?: string } = { value: record.value };
  if (record.display !== undefined) member.display = record.display;
  if (record.type !== undefined) member.type = record.type;
  return member;
}

/**
 * Most membership records one write request may change: writing them takes a transaction per 25 and validating the
 * named members a batch read per 25, so 1,000 come to about 90 of the 100 requests one Forge invocation may make
 * (test/local/forge-runtime/large-membership-write.test.ts). AWS IAM Identity Center takes 100 per request, IBM
 * Verify 2,500; IdPs send larger groups in several PATCH requests (docs/notes/scim-and-idps.md).
 */
export const MAX_MEMBER_WRITES = 1_000;

function tooManyMembers(why: string): DirectoryError {
  return new DirectoryError(
    'too-many',
    `A request may change at most ${MAX_MEMBER_WRITES} group members, and this one cannot: ${why}. Send the change in several PATCH requests of at most ${MAX_MEMBER_WRITES} members`,
  );
}

/** Most named members whose records a membership change reads first, to write only what differs (4 batch reads). */
export const CHECKED_KEYS = 100;

function sameMember(a: MemberRecord | undefined, b: MemberRecord): boolean {
  return a !== undefined && a.value === b.value && a.display === b.display && a.type === b.type;
}

/** Thrown when a transaction of planNewMembers' writes failed because a member it adds is there already. */
export class MembersPresent extends Error {
  constructor() {
    super('A member the change adds is already in the group');
  }
}

/** The membership records: reads by group and by member, and the writes that membership changes come to. */
export class Memberships {
  constructor(private readonly kvs: ForgeKvs) {}

  /** A group's members in pages of at most 100. */
  async *members(groupId: string): AsyncIterable<readonly StoredMember[]> {
    let cursor: string | undefined;
    do {
      const page = await this.page(groupId, cursor);
      if (page.members.length > 0) yield page.members;
      cursor = page.cursor;
    } while (cursor);
  }

  /** One page of a group's members (at most 100) from `cursor`, and the cursor of the next when there is one. */
  async page(groupId: string, cursor?: string): Promise<{ members: StoredMember[]; cursor?: string }> {
    let query = this.kvs
      .entity<MemberRecord>(MEMBER_ENTITY)
      .query()
      .index('by-group', { partition: [groupId] })
      .limit(QUERY_PAGE);
    if (cursor) query = query.cursor(cursor);
    const page = await query.getMany();
    const members = page.results.map((r) => toStoredMember(r.value));
    return page.nextCursor ? { members, cursor: page.nextCursor } : { members };
  }

  /** The ids of the groups that list `memberId` as a member. */
  async groupsOf(memberId: string): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      let query = this.kvs
        .entity<MemberRecord>(MEMBER_ENTITY)
        .query()
        .index('by-value', { partition: [memberId] })
        .limit(QUERY_PAGE);
      if (cursor) query = query.cursor(cursor);
      const page = await query.getMany();
      for (const result of page.results) out.push(result.value.groupId);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /**
   * Turns membership changes into record writes: only what differs when at most CHECKED_KEYS members are named,
   * else every named one; a change of more than `limit` records is refused whole (DirectoryError 'too-many').
   */
  async planWrites(groupId: string, changes: readonly MembershipChange[], limit = MAX_MEMBER_WRITES): Promise<Write[]> {
    const desired = new Map<string, MemberRecord | null>();
    let everyone: Map<string, MemberRecord> | undefined;
    const loadEveryone = async (): Promise<Map<string, MemberRecord>> => {
      if (!everyone) {
        everyone = new Map();
        for await (const page of this.members(groupId)) {
          for (const member of page) everyone.set(memberKey(groupId, member.value), toMemberRecord(groupId, member));
          if (everyone.size > limit)
            throw tooManyMembers(`the group has more than ${MAX_MEMBER_WRITES} members to replace or remove`);
        }
      }
      return everyone;
    };
    for (const change of changes) {
      switch (change.kind) {
        case 'add':
          desireMembers(desired, groupId, change.members);
          break;
        case 'remove':
          for (const value of change.values) desired.set(memberKey(groupId, value), null);
          break;
        case 'removeAll':
        case 'replace': {
          for (const key of (await loadEveryone()).keys()) desired.set(key, null);
          for (const key of desired.keys()) desired.set(key, null);
          if (change.kind === 'replace') desireMembers(desired, groupId, change.members);
          break;
        }
        case 'removeWhere': {
          const effective = new Map(await loadEveryone());
          for (const [key, record] of desired) {
            if (record) effective.set(key, record);
            else effective.delete(key);
          }
          for (const [key, record] of effective) {
            if (change.matches(toStoredMember(record))) desired.set(key, null);
          }
          break;
        }
      }
    }
    if (desired.size > limit) throw tooManyMembers(`it names ${desired.size} members`);
    // Which of the named members exist decides what to write; past CHECKED_KEYS (batch reads of 25) it is not read,
    // and every named member is set or deleted: both are idempotent, and skipping the reads keeps a PATCH of 1,000
    // members within one invocation's 100 requests (docs/notes/forge-platform.md).
    const checked = everyone !== undefined || desired.size <= CHECKED_KEYS;
    const current =
      everyone ??
      (checked
        ? await batchGet<MemberRecord>(this.kvs, MEMBER_ENTITY, [...desired.keys()])
        : new Map<string, MemberRecord>());
    const writes: Write[] = [];
    for (const [key, record] of desired) {
      const existing = current.get(key);
      if (record === null) {
        if (existing || !checked) writes.push({ kind: 'delete', key, entityName: MEMBER_ENTITY });
      } else if (!checked || !sameMember(existing, record)) {
        writes.push({ kind: 'set', key, entityName: MEMBER_ENTITY, value: record });
      }
    }
    return writes;
  }

  /**
   * The writes of membership changes that only add at most CHECKED_KEYS members, planned without reading: each a set
   * on the condition that the record is absent, so a transaction that names a member already there fails whole and
   * the caller plans again with planWrites (MembersPresent). IdPs add members that are new far more often than not,
   * and this spares a PATCH of 50 its two batch reads (at 15 PATCHes a second, 1,800 of Forge's 4,000 read units a
   * minute). Undefined for any other change.
   */
  planNewMembers(groupId: string, changes: readonly MembershipChange[]): Write[] | undefined {
    if (changes.length === 0 || changes.some((change) => change.kind !== 'add')) return undefined;
    const desired = new Map<string, MemberRecord>();
    for (const change of changes) if (change.kind === 'add') desireMembers(desired, groupId, change.members);
    if (desired.size === 0 || desired.size > CHECKED_KEYS) return undefined;
    return [...desired].map(([key, value]) => ({
      kind: 'set',
      key,
      entityName: MEMBER_ENTITY,
      value,
      condition: absent('groupId'),
    }));
  }

  /** Deletes every membership record of a group, in transactions of at most 25. */
  async deleteAll(groupId: string): Promise<void> {
    // A deleted group's memberships all go, however many (a DELETE of a group of more than 1,000 members does not fit
    // one Forge invocation: README, what the app cannot do).
    const writes = await this.planWrites(groupId, [{ kind: 'removeAll' }], Number.POSITIVE_INFINITY);
    for (const batch of chunk(writes, MAX_BATCH)) {
      await attempt(() => commit(this.kvs, batch, async () => new Retry('member delete failed')));
    }
  }
}
