/**
 * A group's change in the KVS directory store: its resource, its next version with the outbox entry, and its
 * membership records, in as few transactions of at most 25 operations as they fit (Forge docs, /limits-kvs-ce).
 *
 * The first transaction carries the resource change, the group's next version with its outbox entry, and as many
 * member writes as fit. More member writes follow in transactions of 25 that do not read or write the group, and then
 * one more version and outbox entry, so that a sync job started by the first entry while they were landing looks
 * again. Member writes are idempotent: a failure between transactions leaves a state that the IdP's retried request
 * completes (validation happened before any write). A PATCH of 1,000 members so takes about 45 requests rather than
 * 90 (and 44 group and outbox rewrites fewer). A rename takes one claim and releases at most two (planClaimChange).
 *
 * Members that are only added are first written unread, each on the condition that it is not there yet
 * (memberships.ts planNewMembers); when one was, the change is planned again from what is stored.
 */
import { DirectoryError, type MembershipChange, type ScimObject } from '../../directory/directory-store';
import type { ForgeKvs } from '../kvs-port';
import { MembersPresent, type Memberships } from './memberships';
import { assertClaimFree, claimChange, claimKey } from './name-claims';
import type { Outbox } from './outbox';
import { checkCondition, ENTITY, toRecord, uniqueValueOf, type ResourceRecord } from './resource-records';
import { attempt, chunk, commit, MAX_BATCH, Retry, versionIs, type Sleep, type Write } from './transactions';

/** What a sequence of group transactions has stored so far. */
interface Progress {
  /** The last version of the group written, if any. */
  latest?: ResourceRecord;
  /** Whether member writes landed after that version (so a closing version is owed). */
  unversioned: boolean;
}

/** Writes a group's changes: the resource, its versions and outbox entries, its membership records. */
export class GroupWrites {
  constructor(
    private readonly kvs: ForgeKvs,
    private readonly memberships: Memberships,
    private readonly outbox: Outbox,
    private readonly now: () => Date,
    private readonly sleep: Sleep,
  ) {}

  /**
   * Stores `resource` (when given and different) and `changes` on group `id`, read as `initial` (whose version meets
   * `condition`); the group's last version, `initial` itself when nothing changed.
   */
  async update(
    id: string,
    initial: ResourceRecord,
    resource: ScimObject | undefined,
    changes: readonly MembershipChange[],
    condition: { readonly expectedVersion?: number } | undefined,
  ): Promise<ResourceRecord> {
    const renamed = resource !== undefined && JSON.stringify(resource) !== JSON.stringify(initial.doc.resource);
    const guessed = this.memberships.planNewMembers(id, changes);
    const progress: Progress = { unversioned: false };
    if (guessed) {
      try {
        return await this.sequence(id, initial, renamed ? resource : undefined, guessed, condition, progress);
      } catch (error) {
        if (!(error instanceof MembersPresent)) throw error;
      }
    }
    const memberWrites = await this.memberships.planWrites(id, changes);
    const { latest } = progress;
    if (!latest) {
      if (!renamed && memberWrites.length === 0) return initial;
      return this.sequence(id, initial, renamed ? resource : undefined, memberWrites, condition, progress);
    }
    // Part of the guessed writes landed, with the resource change and a version: what is left builds on that.
    if (memberWrites.length > 0) return this.sequence(id, latest, undefined, memberWrites, undefined, progress);
    return progress.unversioned ? this.writeVersion(id, undefined, [], undefined, latest, false) : latest;
  }

  /** The transactions of one change: first version with what fits, member batches, closing version. */
  private async sequence(
    id: string,
    known: ResourceRecord,
    resource: ScimObject | undefined,
    memberWrites: readonly Write[],
    condition: { readonly expectedVersion?: number } | undefined,
    progress: Progress,
  ): Promise<ResourceRecord> {
    const guessed = memberWrites.some((write) => 'condition' in write && write.condition !== undefined);
    const firstRoom = MAX_BATCH - 2 - (resource ? 3 : 0);
    const rest = chunk(memberWrites.slice(firstRoom), MAX_BATCH);
    // The closing version rides with the last member writes when they leave room for it.
    const last = rest[rest.length - 1];
    const closing = last !== undefined && last.length <= MAX_BATCH - 2 ? last : [];
    progress.latest = await this.writeVersion(
      id,
      resource,
      memberWrites.slice(0, firstRoom),
      condition,
      known,
      guessed,
    );
    progress.unversioned = false;
    for (const batch of closing.length > 0 ? rest.slice(0, -1) : rest) {
      await attempt(
        () =>
          commit(this.kvs, batch, async () => {
            // A batch's only conditions are the guessed members' absence.
            if (guessed) throw new MembersPresent();
            return new Retry('member write failed');
          }),
        this.sleep,
      );
      progress.unversioned = true;
    }
    if (rest.length > 0) {
      progress.latest = await this.writeVersion(id, undefined, closing, undefined, progress.latest, guessed);
      progress.unversioned = false;
    }
    return progress.latest;
  }

  /**
   * Writes a group's next version (renamed to `resource` when given) with its outbox entry and `memberWrites`. The
   * first try builds on `known` (one read fewer a group write); a retry means it changed, so later tries read it
   * again. With `guessed` member writes, a failure while the version stood still means a member was there already.
   */
  private async writeVersion(
    id: string,
    resource: ScimObject | undefined,
    memberWrites: readonly Write[],
    condition: { readonly expectedVersion?: number } | undefined,
    known: ResourceRecord,
    guessed: boolean,
  ): Promise<ResourceRecord> {
    let fresh: ResourceRecord | undefined = known;
    return attempt(async () => {
      const current = fresh ?? (await this.kvs.entity<ResourceRecord>(ENTITY.Group).get(id));
      fresh = undefined;
      if (!current) throw new DirectoryError('not-found', `Group ${id} not found`);
      checkCondition(current.version, condition);
      const record = toRecord(
        'Group',
        resource ?? current.doc.resource,
        current.version + 1,
        current.doc.created,
        this.now().toISOString(),
      );
      const writes: Write[] = [
        ...(resource
          ? await claimChange(
              this.kvs,
              'Group',
              id,
              uniqueValueOf('Group', current.doc.resource),
              uniqueValueOf('Group', resource),
            )
          : []),
        { kind: 'set', key: id, entityName: ENTITY.Group, value: record, condition: versionIs(current.version) },
        this.outbox.entry('Group', id, record.version),
        ...memberWrites,
      ];
      await commit(this.kvs, writes, async () => {
        if (resource)
          await assertClaimFree(
            this.kvs,
            'Group',
            claimKey('Group', uniqueValueOf('Group', resource)),
            id,
            uniqueValueOf('Group', resource),
          );
        if (guessed && memberWrites.length > 0) {
          const stored = await this.kvs.entity<ResourceRecord>(ENTITY.Group).get(id);
          if (stored?.version === current.version) throw new MembersPresent();
        }
        return new Retry('group version changed');
      });
      return record;
    }, this.sleep);
  }
}
