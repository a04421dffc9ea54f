/**
 * The directory store on Forge's key-value store (`@forge/kvs` custom entities), honouring its limits: values
 * under 240 KiB, at most 25 operations per transaction or batch, custom-entity query pages of at most 100 (Forge
 * docs, /limits-kvs-ce, /storage-reference/handling-errors-customentities). The same code runs on Forge and
 * locally, where `@forge/kvs` talks to the local KVS service.
 *
 * Layout (entities are declared in manifest.yml), one module of src/storage/kvs-directory/ each:
 * - scim-user / scim-group: one record per resource with normalised lookup keys as indexed attributes
 *   (resource-records.ts).
 * - scim-member: one record per (group, member), indexed by group and by member, so membership changes
 *   touch only the members named and never rewrite a group (memberships.ts).
 * - scim-claim: uniqueness claims for userName and group displayName, taken in the write's transaction
 *   (name-claims.ts).
 * - scim-roster: per collection, an index record, shards of at most SHARD_CAPACITY ids in insertion order and
 *   the open shard (the tail) under a fixed key, so `startIndex` paging reads one index, at most two shards and
 *   the page's records, and a create reads the index and the tail in one batch get (roster.ts).
 * - sync-outbox: the entry each change leaves for the sync engine, in the change's transaction (outbox.ts).
 * This module composes them into the DirectoryStore port; transactions.ts runs their writes.
 */
import { randomUUID } from 'node:crypto';
import { WhereConditions } from '@forge/kvs';
import {
  DirectoryError,
  type DirectoryStore,
  type LookupKey,
  type MemberRef,
  type MembershipChange,
  type PendingChange,
  type ResourceKind,
  type ResourcePage,
  type ScimObject,
  type StoredMember,
  type StoredResource,
  type WriteCondition,
} from '../directory/directory-store';
import { GroupWrites } from './kvs-directory/group-writes';
import { Memberships } from './kvs-directory/memberships';
import {
  assertClaimFree,
  CLAIM_ENTITY,
  claimChange,
  claimKey,
  claimKeysOf,
  legacyNameIndexValue,
  nameIndexValue,
  takeClaim,
} from './kvs-directory/name-claims';
import { Outbox } from './kvs-directory/outbox';
import {
  basisRecord,
  checkCondition,
  ENTITY,
  indexFor,
  isStorableId,
  kindMarkerKey,
  toRecord,
  toStored,
  uniqueValueOf,
  type ResourceRecord,
} from './kvs-directory/resource-records';
import { Roster } from './kvs-directory/roster';
import {
  absent,
  attempt,
  batchGet,
  commit,
  QUERY_PAGE,
  Retry,
  throttled,
  timerSleep,
  versionIs,
  type Sleep,
  type Write,
} from './kvs-directory/transactions';
import { isStorageThrottled, type ForgeKvs } from './kvs-port';

/** Options of the KVS directory store. */
export interface KvsDirectoryStoreOptions {
  readonly kvs: ForgeKvs;
  /** Returns the current time; injected so tests control timestamps. */
  readonly now?: () => Date;
  /** Waits between tries of a contended write; default a timer (kvs-directory/transactions.ts, attempt). */
  readonly sleep?: Sleep;
}

/** The store's promise-returning methods, whose storage quota errors become DirectoryError('throttled'). */
const THROTTLE_GUARDED = [
  'get',
  'getMany',
  'kindsOf',
  'find',
  'count',
  'page',
  'idPage',
  'create',
  'replace',
  'updateGroup',
  'delete',
  'groupsOf',
  'pendingChanges',
  'acknowledge',
  'pendingVersions',
  'enqueue',
] as const;

/** The directory store port implemented on `@forge/kvs`. */
export class KvsDirectoryStore implements DirectoryStore {
  private readonly kvs: ForgeKvs;
  private readonly now: () => Date;
  private readonly sleep: Sleep;
  private readonly roster: Roster;
  private readonly memberships: Memberships;
  private readonly outbox: Outbox;
  private readonly groups: GroupWrites;

  constructor(options: KvsDirectoryStoreOptions) {
    // Every public call answers a storage quota breach as DirectoryError('throttled'), in this one place.
    for (const name of THROTTLE_GUARDED) {
      const method = this[name] as (...args: unknown[]) => Promise<unknown>;
      (this as Record<string, unknown>)[name] = async (...args: unknown[]) => {
        try {
          return await method.apply(this, args);
        } catch (error) {
          throw isStorageThrottled(error) ? throttled(error) : error;
        }
      };
    }
    this.kvs = options.kvs;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? timerSleep;
    this.roster = new Roster(this.kvs);
    this.memberships = new Memberships(this.kvs);
    this.outbox = new Outbox(this.kvs, this.now);
    this.groups = new GroupWrites(this.kvs, this.memberships, this.outbox, this.now, this.sleep);
  }

  async get(kind: ResourceKind, id: string): Promise<StoredResource | undefined> {
    if (!isStorableId(id)) return undefined;
    const record = await this.kvs.entity<ResourceRecord>(ENTITY[kind]).get(id);
    return record ? toStored(kind, id, record) : undefined;
  }

  async getMany(kind: ResourceKind, ids: readonly string[]): Promise<Map<string, StoredResource>> {
    const records = await batchGet<ResourceRecord>(this.kvs, ENTITY[kind], ids.filter(isStorableId));
    const out = new Map<string, StoredResource>();
    for (const [id, record] of records) out.set(id, toStored(kind, id, record));
    return out;
  }

  async kindsOf(ids: readonly string[]): Promise<Map<string, ResourceKind>> {
    const storable = [...new Set(ids.filter(isStorableId))];
    const markers = await batchGet<string>(this.kvs, undefined, storable.map(kindMarkerKey));
    const out = new Map<string, ResourceKind>();
    const unmarked: string[] = [];
    for (const id of storable) {
      const marker = markers.get(kindMarkerKey(id));
      if (marker === 'User' || marker === 'Group') out.set(id, marker);
      else unmarked.push(id);
    }
    // Resources stored before the markers existed (and ids that name nothing) are looked up whole.
    if (unmarked.length > 0) {
      for (const id of (await this.getMany('User', unmarked)).keys()) out.set(id, 'User');
      for (const id of (
        await this.getMany(
          'Group',
          unmarked.filter((id) => !out.has(id)),
        )
      ).keys())
        out.set(id, 'Group');
    }
    return out;
  }

  async find(kind: ResourceKind, key: LookupKey, value: string): Promise<StoredResource[]> {
    const index = indexFor(kind, key);
    if (!index) return [];
    // userName, displayName and the work e-mail compare as the filter predicate does: NFC, then lower case.
    const indexValue = key === 'externalId' ? value : nameIndexValue(value);
    // A record stored before they were compared in NFC, and not written since, is indexed by the lower-cased value.
    const legacy =
      key !== 'externalId' && legacyNameIndexValue(value) !== indexValue ? [legacyNameIndexValue(value)] : [];
    const found = new Map<string, StoredResource>();
    for (const wanted of [indexValue, ...legacy]) {
      let cursor: string | undefined;
      do {
        let query = this.kvs
          .entity<ResourceRecord>(ENTITY[kind])
          .query()
          .index(index)
          .where(WhereConditions.equalTo(wanted))
          .limit(QUERY_PAGE);
        if (cursor) query = query.cursor(cursor);
        const page = await query.getMany();
        for (const result of page.results) found.set(result.key, toStored(kind, result.key, result.value));
        cursor = page.nextCursor;
      } while (cursor);
    }
    return [...found.values()];
  }

  async idsByNames(kind: ResourceKind, names: readonly string[]): Promise<Map<string, string>> {
    // Every stored name holds its claim, taken and released in the same transaction as the record's write (and a
    // record stored before NFC comparison under the lower-cased name's key: claimKeysOf), so the claims alone answer.
    const claims = await batchGet<{ owner: string }>(
      this.kvs,
      CLAIM_ENTITY,
      names.flatMap((name) => claimKeysOf(kind, name)),
    );
    const out = new Map<string, string>();
    for (const name of names) {
      const owner = claimKeysOf(kind, name)
        .map((key) => claims.get(key)?.owner)
        .find((id) => id !== undefined);
      if (owner !== undefined) out.set(name, owner);
    }
    return out;
  }

  async count(kind: ResourceKind): Promise<number> {
    return this.roster.count(kind);
  }

  async page(kind: ResourceKind, offset: number, count: number): Promise<ResourcePage> {
    const { totalResults, ids } = await this.roster.pageIds(kind, offset, count);
    const records = await this.getMany(kind, ids);
    const resources = ids.map((id) => records.get(id)).filter((r): r is StoredResource => r !== undefined);
    return { totalResults, resources };
  }

  async idPage(kind: ResourceKind, maxIds: number, cursor?: string): Promise<{ ids: string[]; cursor?: string }> {
    const from = cursor === undefined ? 0 : Number.parseInt(cursor, 10);
    if (!Number.isSafeInteger(from) || from < 0) throw new RangeError(`Not an id page cursor: ${cursor}`);
    const page = await this.roster.idPage(kind, from, maxIds);
    return page.next === undefined ? { ids: page.ids } : { ids: page.ids, cursor: String(page.next) };
  }

  async *scan(kind: ResourceKind, limit: number): AsyncIterable<readonly StoredResource[]> {
    for await (const batch of this.roster.idBatches(kind, limit)) {
      const records = await this.getMany(kind, batch);
      yield batch.map((id) => records.get(id)).filter((r): r is StoredResource => r !== undefined);
    }
  }

  async create(kind: ResourceKind, resource: ScimObject, members?: readonly MemberRef[]): Promise<StoredResource> {
    const id = randomUUID();
    const timestamp = this.now().toISOString();
    const record = toRecord(kind, resource, 1, timestamp, timestamp);
    const claim = claimKey(kind, uniqueValueOf(kind, resource));
    await attempt(async () => {
      const roster = await this.roster.append(kind, id);
      const writes: Write[] = [
        takeClaim(claim, id),
        { kind: 'set', key: id, entityName: ENTITY[kind], value: record, condition: absent('version') },
        this.outbox.entry(kind, id, record.version),
        { kind: 'set-plain', key: kindMarkerKey(id), value: kind },
        ...roster,
      ];
      await commit(this.kvs, writes, async () => {
        await assertClaimFree(this.kvs, kind, claim, id, uniqueValueOf(kind, resource));
        return new Retry('roster changed');
      });
    }, this.sleep);
    const created = toStored(kind, id, record);
    if (kind === 'Group' && members && members.length > 0) {
      return this.updateGroup(id, undefined, [{ kind: 'add', members }]);
    }
    return created;
  }

  async replace(
    kind: ResourceKind,
    id: string,
    resource: ScimObject,
    members: readonly MemberRef[] | undefined,
    condition?: WriteCondition,
  ): Promise<StoredResource> {
    if (kind === 'Group') {
      return this.updateGroup(id, resource, members === undefined ? [] : [{ kind: 'replace', members }], condition);
    }
    // The first try builds on the caller's read when it gave one; a retry means it changed, so later tries read.
    let fresh = basisRecord(kind, id, condition);
    return attempt(async () => {
      const current =
        fresh ?? (isStorableId(id) ? await this.kvs.entity<ResourceRecord>(ENTITY[kind]).get(id) : undefined);
      fresh = undefined;
      if (!current) throw new DirectoryError('not-found', `${kind} ${id} not found`);
      checkCondition(current.version, condition);
      const record = toRecord(kind, resource, current.version + 1, current.doc.created, this.now().toISOString());
      const writes: Write[] = [
        ...(await claimChange(
          this.kvs,
          kind,
          id,
          uniqueValueOf(kind, current.doc.resource),
          uniqueValueOf(kind, resource),
        )),
        { kind: 'set', key: id, entityName: ENTITY[kind], value: record, condition: versionIs(current.version) },
        this.outbox.entry(kind, id, record.version),
      ];
      await commit(this.kvs, writes, async () => {
        await assertClaimFree(
          this.kvs,
          kind,
          claimKey(kind, uniqueValueOf(kind, resource)),
          id,
          uniqueValueOf(kind, resource),
        );
        return new Retry('version changed');
      });
      return toStored(kind, id, record);
    }, this.sleep);
  }

  async updateGroup(
    id: string,
    resource: ScimObject | undefined,
    changes: readonly MembershipChange[],
    condition?: WriteCondition,
  ): Promise<StoredResource> {
    const initial =
      basisRecord('Group', id, condition) ??
      (isStorableId(id) ? await this.kvs.entity<ResourceRecord>(ENTITY.Group).get(id) : undefined);
    if (!initial) throw new DirectoryError('not-found', `Group ${id} not found`);
    checkCondition(initial.version, condition);
    return toStored('Group', id, await this.groups.update(id, initial, resource, changes, condition));
  }

  async delete(kind: ResourceKind, id: string, condition?: WriteCondition): Promise<void> {
    const current =
      basisRecord(kind, id, condition) ??
      (isStorableId(id) ? await this.kvs.entity<ResourceRecord>(ENTITY[kind]).get(id) : undefined);
    if (!current) throw new DirectoryError('not-found', `${kind} ${id} not found`);
    checkCondition(current.version, condition);
    // Memberships go first: if the request dies half-way the resource still exists, and the IdP's retried
    // DELETE finishes the job; the reverse order would leave memberships naming nothing.
    for (const groupId of await this.groupsOf(id)) {
      await this.updateGroup(groupId, undefined, [{ kind: 'remove', values: [id] }]);
    }
    if (kind === 'Group') await this.memberships.deleteAll(id);
    // Nothing above changes the record itself, so the first try builds on it; a retry reads it again.
    let fresh: ResourceRecord | undefined = current;
    await attempt(async () => {
      const latest = fresh ?? (await this.kvs.entity<ResourceRecord>(ENTITY[kind]).get(id));
      fresh = undefined;
      if (!latest) throw new DirectoryError('not-found', `${kind} ${id} not found`);
      checkCondition(latest.version, condition);
      const writes: Write[] = [
        { kind: 'delete', key: id, entityName: ENTITY[kind], condition: versionIs(latest.version) },
        this.outbox.entry(kind, id, latest.version + 1),
        { kind: 'delete-plain', key: kindMarkerKey(id) },
        ...(await claimChange(this.kvs, kind, id, uniqueValueOf(kind, latest.doc.resource), undefined)),
        ...(await this.roster.remove(kind, id)),
      ];
      await commit(this.kvs, writes, async () => new Retry('changed while deleting'));
    }, this.sleep);
  }

  members(groupId: string): AsyncIterable<readonly StoredMember[]> {
    return this.memberships.members(groupId);
  }

  memberPage(groupId: string, cursor?: string): Promise<{ members: StoredMember[]; cursor?: string }> {
    return this.memberships.page(groupId, cursor);
  }

  async groupsOf(memberId: string): Promise<string[]> {
    return this.memberships.groupsOf(memberId);
  }

  async pendingChanges(
    limit: number,
    cursor?: string,
    after = '',
  ): Promise<{ entries: PendingChange[]; cursor?: string }> {
    return this.outbox.pendingChanges(limit, cursor, after);
  }

  async acknowledge(resourceKey: string, version: number): Promise<boolean> {
    return this.outbox.acknowledge(resourceKey, version);
  }

  async pendingVersions(resourceKeys: readonly string[]): Promise<Map<string, number>> {
    return this.outbox.pendingVersions(resourceKeys);
  }

  async enqueue(resourceKeys: readonly string[]): Promise<void> {
    return this.outbox.enqueue(resourceKeys);
  }
}
