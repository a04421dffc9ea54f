/**
 * The directory store on Forge's key-value store (`@forge/kvs` custom entities), honouring its limits: values
 * under 240 KiB, at most 25 operations per transaction or batch, query pages of at most 20 (Forge docs,
 * /limits-kvs-ce). The same code runs on Forge and locally, where `@forge/kvs` talks to the local KVS service.
 *
 * Layout (entities are declared in manifest.yml):
 * - scim-user / scim-group: one record per resource with normalised lookup keys as indexed attributes.
 * - scim-member: one record per (group, member), indexed by group and by member, so membership changes
 *   touch only the members named and never rewrite a group.
 * - scim-claim: uniqueness claims for userName and group displayName, taken in the write's transaction.
 * - scim-roster: per collection, an index record and shards of at most SHARD_CAPACITY ids in insertion
 *   order, so `startIndex` paging reads one index, at most two shards and the page's records.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { Filter as KvsFilter, FilterConditions, WhereConditions } from '@forge/kvs';
import type { kvs as ForgeKvsInstance } from '@forge/kvs';
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
import { CLAIM_ENTITY, claimKey, claimKeysToRead, legacyNameIndexValue, nameIndexValue, planClaimChange } from './name-claims';

/** The `@forge/kvs` API this store needs; in Forge the package's default `kvs`, locally the same class over the local service. */
export type ForgeKvs = typeof ForgeKvsInstance;

/**
 * Ids per roster shard: 150 UUIDs serialise to about 6 KB, so reading a shard costs one 10 KB quota unit and a
 * create's transaction (record, claim, outbox entry, shard and index) stays near one write unit up to ~10,000
 * resources and two at 100,000 (DAC `/limits-kvs-ce`).
 */
export const SHARD_CAPACITY = 150;
/** Forge KVS: at most 25 operations in one transaction or batch. */
const MAX_BATCH = 25;
/** Forge's custom-entity queries: at most 100 results a page (src/storage/local-kvs/limits.ts maxEntityQueryLimit). */
const QUERY_PAGE = 100;
/** Stored records stay well below the 240 KiB value limit, leaving room for the envelope. */
const MAX_RECORD_BYTES = 200 * 1024;
const MAX_ATTEMPTS = 25;

const ENTITY = { User: 'scim-user', Group: 'scim-group' } as const;
const MEMBER_ENTITY = 'scim-member';
const ROSTER_ENTITY = 'scim-roster';
const OUTBOX_ENTITY = 'sync-outbox';

interface Envelope {
  resource: ScimObject;
  created: string;
  lastModified: string;
}

interface ResourceRecord {
  userNameKey?: string;
  displayNameKey?: string;
  externalId?: string;
  workEmailKey?: string;
  version: number;
  doc: Envelope;
}

interface MemberRecord {
  groupId: string;
  value: string;
  display?: string;
  type?: string;
}

interface RosterIndex {
  shards: { n: number; count: number }[];
  next: number;
}

/** The stored form of a RosterIndex: shard numbers and counts as one flat list of pairs, about 8 bytes a shard. */
interface StoredRosterIndex {
  s: number[];
  next: number;
}

function decodeRosterIndex(body: StoredRosterIndex | undefined): RosterIndex {
  if (!body) return { shards: [], next: 0 };
  const shards: { n: number; count: number }[] = [];
  for (let i = 0; i + 1 < body.s.length; i += 2) shards.push({ n: body.s[i] ?? 0, count: body.s[i + 1] ?? 0 });
  return { shards, next: body.next };
}

function encodeRosterIndex(index: RosterIndex): StoredRosterIndex {
  return { s: index.shards.flatMap((shard) => [shard.n, shard.count]), next: index.next };
}

interface RosterRecord<T> {
  version: number;
  body: T;
}

interface Versioned<T> {
  key: string;
  record: T | undefined;
}

type Write =
  | { kind: 'set'; key: string; entityName: string; value: object; condition?: Condition }
  | { kind: 'delete'; key: string; entityName: string; condition?: Condition };

/** Options of the KVS directory store. */
export interface KvsDirectoryStoreOptions {
  readonly kvs: ForgeKvs;
  /** Returns the current time; injected so tests control timestamps. */
  readonly now?: () => Date;
}

/**
 * Storage throttled the installation: Forge's KVS answers a request over its per-installation quotas (1,000
 * requests a second, 4,000 read and 4,000 write units a minute) with 429 `RATE_LIMIT_EXCEEDED` (DAC `/rest`).
 * Such an error is not contention: retrying at once only spends more of the quota.
 */
export function isStorageThrottled(error: unknown): boolean {
  const candidate = error as { code?: unknown; responseDetails?: { status?: unknown } } | undefined;
  return candidate?.code === 'RATE_LIMIT_EXCEEDED' || candidate?.responseDetails?.status === 429;
}

/** How long a throttled caller should wait: the quotas are per minute, so a request in a minute's time is safe. */
export const THROTTLED_RETRY_AFTER_SECONDS = 60;

function throttled(error: unknown): DirectoryError {
  return new DirectoryError('throttled', 'Storage is over its per-installation quota; retry later', { cause: error, retryAfterSeconds: THROTTLED_RETRY_AFTER_SECONDS });
}

/** Thrown inside an attempt to ask for another try after a concurrent change. */
class Retry {
  constructor(public reason: string) {}
}

/** Forge KVS key rule (/limits-kvs-ce); ids this store issues are UUIDs, so an id outside it names nothing. */
const KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s\-#]{1,400}$/;

function isStorableId(id: string): boolean {
  return KEY_PATTERN.test(id);
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function lower(value: string): string {
  return value.toLowerCase();
}

type Condition = ReturnType<KvsFilter<Record<string, unknown>>['and']>;

function versionIs(version: number): Condition {
  return new KvsFilter<Record<string, unknown>>().and('version', FilterConditions.equalTo(version));
}

function absent(attribute: string): Condition {
  return new KvsFilter<Record<string, unknown>>().and(attribute, FilterConditions.notExists());
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function memberKey(groupId: string, value: string): string {
  return `${groupId}.${sha256(value).slice(0, 40)}`;
}

function rosterIndexKey(kind: ResourceKind): string {
  return `${kind.toLowerCase()}.index`;
}

function rosterShardKey(kind: ResourceKind, n: number): string {
  return `${kind.toLowerCase()}.shard.${n}`;
}

function uniqueValueOf(kind: ResourceKind, resource: ScimObject): string {
  const value = kind === 'User' ? resource.userName : resource.displayName;
  return typeof value === 'string' ? value : '';
}

function workEmailOf(resource: ScimObject): string | undefined {
  const emails = resource.emails;
  if (!Array.isArray(emails)) return undefined;
  const work = emails.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && typeof e.type === 'string' && lower(e.type) === 'work');
  const chosen = work.find((e) => e.primary === true) ?? work[0];
  return typeof chosen?.value === 'string' ? nameIndexValue(chosen.value) : undefined;
}

function toRecord(kind: ResourceKind, resource: ScimObject, version: number, created: string, lastModified: string): ResourceRecord {
  const record: ResourceRecord = { version, doc: { resource, created, lastModified } };
  const externalId = resource.externalId;
  if (typeof externalId === 'string' && externalId !== '') record.externalId = externalId;
  if (kind === 'User') {
    record.userNameKey = nameIndexValue(uniqueValueOf(kind, resource));
    const workEmail = workEmailOf(resource);
    if (workEmail) record.workEmailKey = workEmail;
  } else {
    record.displayNameKey = nameIndexValue(uniqueValueOf(kind, resource));
  }
  if (Buffer.byteLength(JSON.stringify(record)) > MAX_RECORD_BYTES) {
    throw new DirectoryError('too-large', `The ${kind} is larger than the ${MAX_RECORD_BYTES / 1024} KiB a record may hold`);
  }
  return record;
}

function toStored(kind: ResourceKind, id: string, record: ResourceRecord): StoredResource {
  return { id, kind, version: record.version, created: record.doc.created, lastModified: record.doc.lastModified, resource: record.doc.resource };
}

function toMemberRecord(groupId: string, member: MemberRef): MemberRecord {
  const record: MemberRecord = { groupId, value: member.value };
  if (member.display !== undefined) record.display = member.display;
  if (member.type !== undefined) record.type = member.type;
  return record;
}

function toStoredMember(record: MemberRecord): StoredMember {
  const member: { value: string; display?: string; type?: string } = { value: record.value };
  if (record.display !== undefined) member.display = record.display;
  if (record.type !== undefined) member.type = record.type;
  return member;
}

function sameMember(a: MemberRecord | undefined, b: MemberRecord): boolean {
  return a !== undefined && a.value === b.value && a.display === b.display && a.type === b.type;
}

/** The directory store port implemented on `@forge/kvs`. */
/** The store's promise-returning methods, whose storage quota errors become DirectoryError('throttled'). */
const THROTTLE_GUARDED = ['get', 'getMany', 'find', 'count', 'page', 'create', 'replace', 'updateGroup', 'delete', 'groupsOf', 'pendingChanges', 'acknowledge', 'enqueue'] as const;

export class KvsDirectoryStore implements DirectoryStore {
  private readonly kvs: ForgeKvs;
  private readonly now: () => Date;

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
  }

  async get(kind: ResourceKind, id: string): Promise<StoredResource | undefined> {
    if (!isStorableId(id)) return undefined;
    const record = await this.kvs.entity<ResourceRecord>(ENTITY[kind]).get(id);
    return record ? toStored(kind, id, record) : undefined;
  }

  async getMany(kind: ResourceKind, ids: readonly string[]): Promise<Map<string, StoredResource>> {
    const records = await this.batchGet<ResourceRecord>(ENTITY[kind], ids.filter(isStorableId));
    const out = new Map<string, StoredResource>();
    for (const [id, record] of records) out.set(id, toStored(kind, id, record));
    return out;
  }

  async find(kind: ResourceKind, key: LookupKey, value: string): Promise<StoredResource[]> {
    const index = this.indexFor(kind, key);
    if (!index) return [];
    // userName, displayName and the work e-mail compare as the filter predicate does: NFC, then lower case.
    const indexValue = key === 'externalId' ? value : nameIndexValue(value);
    // A record stored before they were compared in NFC, and not written since, is indexed by the lower-cased value.
    const legacy = key !== 'externalId' && legacyNameIndexValue(value) !== indexValue ? [legacyNameIndexValue(value)] : [];
    const found = new Map<string, StoredResource>();
    for (const wanted of [indexValue, ...legacy]) {
      let cursor: string | undefined;
      do {
        let query = this.kvs.entity<ResourceRecord>(ENTITY[kind]).query().index(index).where(WhereConditions.equalTo(wanted)).limit(QUERY_PAGE);
        if (cursor) query = query.cursor(cursor);
        const page = await query.getMany();
        for (const result of page.results) found.set(result.key, toStored(kind, result.key, result.value));
        cursor = page.nextCursor;
      } while (cursor);
    }
    return [...found.values()];
  }

  async count(kind: ResourceKind): Promise<number> {
    const index = await this.readRosterIndex(kind);
    return index.record ? index.record.body.shards.reduce((sum, shard) => sum + shard.count, 0) : 0;
  }

  async page(kind: ResourceKind, offset: number, count: number): Promise<ResourcePage> {
    const index = (await this.readRosterIndex(kind)).record?.body ?? { shards: [], next: 0 };
    const totalResults = index.shards.reduce((sum, shard) => sum + shard.count, 0);
    if (count <= 0 || offset >= totalResults) return { totalResults, resources: [] };
    const wanted: { n: number; from: number; take: number }[] = [];
    let skip = offset;
    let remaining = count;
    for (const shard of index.shards) {
      if (remaining <= 0) break;
      if (skip >= shard.count) {
        skip -= shard.count;
        continue;
      }
      const take = Math.min(shard.count - skip, remaining);
      wanted.push({ n: shard.n, from: skip, take });
      remaining -= take;
      skip = 0;
    }
    const shardRecords = await this.batchGet<RosterRecord<{ ids: string[] }>>(
      ROSTER_ENTITY,
      wanted.map((w) => rosterShardKey(kind, w.n)),
    );
    const ids: string[] = [];
    for (const w of wanted) {
      const shard = shardRecords.get(rosterShardKey(kind, w.n));
      if (shard) ids.push(...shard.body.ids.slice(w.from, w.from + w.take));
    }
    const records = await this.getMany(kind, ids);
    const resources = ids.map((id) => records.get(id)).filter((r): r is StoredResource => r !== undefined);
    return { totalResults, resources };
  }

  async *scan(kind: ResourceKind, limit: number): AsyncIterable<readonly StoredResource[]> {
    const index = (await this.readRosterIndex(kind)).record?.body ?? { shards: [], next: 0 };
    const total = index.shards.reduce((sum, shard) => sum + shard.count, 0);
    if (total > limit) {
      throw new DirectoryError('too-many', `The ${kind} collection holds ${total} resources, more than the ${limit} a filter or sort may examine`);
    }
    for (const shards of chunk(index.shards, MAX_BATCH)) {
      const shardRecords = await this.batchGet<RosterRecord<{ ids: string[] }>>(
        ROSTER_ENTITY,
        shards.map((s) => rosterShardKey(kind, s.n)),
      );
      for (const shard of shards) {
        const ids = shardRecords.get(rosterShardKey(kind, shard.n))?.body.ids ?? [];
        for (const batch of chunk(ids, MAX_BATCH)) {
          const records = await this.getMany(kind, batch);
          yield batch.map((id) => records.get(id)).filter((r): r is StoredResource => r !== undefined);
        }
      }
    }
  }

  async create(kind: ResourceKind, resource: ScimObject, members?: readonly MemberRef[]): Promise<StoredResource> {
    const id = randomUUID();
    const timestamp = this.now().toISOString();
    const record = toRecord(kind, resource, 1, timestamp, timestamp);
    const claim = claimKey(kind, uniqueValueOf(kind, resource));
    await this.attempt(async () => {
      const roster = await this.rosterAppend(kind, id);
      const writes: Write[] = [
        { kind: 'set', key: claim, entityName: CLAIM_ENTITY, value: { owner: id }, condition: absent('owner') },
        { kind: 'set', key: id, entityName: ENTITY[kind], value: record, condition: absent('version') },
        this.outbox(kind, id, record.version),
        ...roster,
      ];
      await this.commit(writes, async () => {
        await this.assertClaimFree(kind, claim, id, uniqueValueOf(kind, resource));
        return new Retry('roster changed');
      });
    });
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
    return this.attempt(async () => {
      const current = isStorableId(id) ? await this.kvs.entity<ResourceRecord>(ENTITY[kind]).get(id) : undefined;
      if (!current) throw new DirectoryError('not-found', `${kind} ${id} not found`);
      this.checkCondition(current.version, condition);
      const record = toRecord(kind, resource, current.version + 1, current.doc.created, this.now().toISOString());
      const writes: Write[] = [
        ...(await this.claimChange(kind, id, uniqueValueOf(kind, current.doc.resource), uniqueValueOf(kind, resource))),
        { kind: 'set', key: id, entityName: ENTITY[kind], value: record, condition: versionIs(current.version) },
        this.outbox(kind, id, record.version),
      ];
      await this.commit(writes, async () => {
        await this.assertClaimFree(kind, claimKey(kind, uniqueValueOf(kind, resource)), id, uniqueValueOf(kind, resource));
        return new Retry('version changed');
      });
      return toStored(kind, id, record);
    });
  }

  async updateGroup(
    id: string,
    resource: ScimObject | undefined,
    changes: readonly MembershipChange[],
    condition?: WriteCondition,
  ): Promise<StoredResource> {
    const initial = isStorableId(id) ? await this.kvs.entity<ResourceRecord>(ENTITY.Group).get(id) : undefined;
    if (!initial) throw new DirectoryError('not-found', `Group ${id} not found`);
    this.checkCondition(initial.version, condition);
    const memberWrites = await this.planMemberWrites(id, changes);
    const renamed = resource !== undefined && JSON.stringify(resource) !== JSON.stringify(initial.doc.resource);
    if (!renamed && memberWrites.length === 0) return toStored('Group', id, initial);

    // The first transaction carries the resource change and as many member writes as fit; when more remain,
    // they follow in further transactions. All member writes are idempotent, so a failure between
    // transactions leaves a state that a retried request completes (validation happened before any write).
    // A rename takes one claim and releases at most two (planClaimChange).
    const firstRoom = MAX_BATCH - 2 - (renamed ? 3 : 0);
    const batches = [memberWrites.slice(0, firstRoom), ...chunk(memberWrites.slice(firstRoom), MAX_BATCH - 2)];
    let latest: ResourceRecord = initial;
    for (const [position, batch] of batches.entries()) {
      latest = await this.attempt(async () => {
        const current = await this.kvs.entity<ResourceRecord>(ENTITY.Group).get(id);
        if (!current) throw new DirectoryError('not-found', `Group ${id} not found`);
        if (position === 0) this.checkCondition(current.version, condition);
        const nextResource = position === 0 && renamed && resource ? resource : current.doc.resource;
        const record = toRecord('Group', nextResource, current.version + 1, current.doc.created, this.now().toISOString());
        const writes: Write[] = [
          ...(position === 0 && renamed && resource
            ? await this.claimChange('Group', id, uniqueValueOf('Group', current.doc.resource), uniqueValueOf('Group', resource))
            : []),
          { kind: 'set', key: id, entityName: ENTITY.Group, value: record, condition: versionIs(current.version) },
          this.outbox('Group', id, record.version),
          ...batch,
        ];
        await this.commit(writes, async () => {
          if (position === 0 && renamed && resource) {
            await this.assertClaimFree('Group', claimKey('Group', uniqueValueOf('Group', resource)), id, uniqueValueOf('Group', resource));
          }
          return new Retry('group version changed');
        });
        return record;
      });
    }
    return toStored('Group', id, latest);
  }

  async delete(kind: ResourceKind, id: string, condition?: WriteCondition): Promise<void> {
    const current = isStorableId(id) ? await this.kvs.entity<ResourceRecord>(ENTITY[kind]).get(id) : undefined;
    if (!current) throw new DirectoryError('not-found', `${kind} ${id} not found`);
    this.checkCondition(current.version, condition);
    // Memberships go first: if the request dies half-way the resource still exists, and the IdP's retried
    // DELETE finishes the job; the reverse order would leave memberships naming nothing.
    for (const groupId of await this.groupsOf(id)) {
      await this.updateGroup(groupId, undefined, [{ kind: 'remove', values: [id] }]);
    }
    if (kind === 'Group') await this.deleteAllMembers(id);
    await this.attempt(async () => {
      const latest = await this.kvs.entity<ResourceRecord>(ENTITY[kind]).get(id);
      if (!latest) throw new DirectoryError('not-found', `${kind} ${id} not found`);
      this.checkCondition(latest.version, condition);
      const writes: Write[] = [
        { kind: 'delete', key: id, entityName: ENTITY[kind], condition: versionIs(latest.version) },
        this.outbox(kind, id, latest.version + 1),
        ...(await this.claimChange(kind, id, uniqueValueOf(kind, latest.doc.resource), undefined)),
        ...(await this.rosterRemove(kind, id)),
      ];
      await this.commit(writes, async () => new Retry('changed while deleting'));
    });
  }

  async *members(groupId: string): AsyncIterable<readonly StoredMember[]> {
    let cursor: string | undefined;
    do {
      let query = this.kvs.entity<MemberRecord>(MEMBER_ENTITY).query().index('by-group', { partition: [groupId] }).limit(QUERY_PAGE);
      if (cursor) query = query.cursor(cursor);
      const page = await query.getMany();
      if (page.results.length > 0) yield page.results.map((r) => toStoredMember(r.value));
      cursor = page.nextCursor;
    } while (cursor);
  }

  async groupsOf(memberId: string): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      let query = this.kvs.entity<MemberRecord>(MEMBER_ENTITY).query().index('by-value', { partition: [memberId] }).limit(QUERY_PAGE);
      if (cursor) query = query.cursor(cursor);
      const page = await query.getMany();
      for (const result of page.results) out.push(result.value.groupId);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** The outbox entry that asks the sync engine to look at a resource, written in the change's own transaction. */
  private outbox(kind: ResourceKind, id: string, version: number): Write {
    const resourceKey = `${kind}.${id}`;
    return {
      kind: 'set',
      key: resourceKey,
      entityName: OUTBOX_ENTITY,
      value: { resourceKey, version, enqueuedAt: this.now().toISOString() },
    };
  }

  async pendingChanges(limit: number, cursor?: string, after = ''): Promise<{ entries: PendingChange[]; cursor?: string }> {
    let query = this.kvs
      .entity<{ resourceKey: string; version: number; enqueuedAt: string }>(OUTBOX_ENTITY)
      .query()
      .index('enqueuedAt')
      .where(WhereConditions.greaterThan(after))
      .limit(Math.min(limit, QUERY_PAGE));
    if (cursor) query = query.cursor(cursor);
    const page = await query.getMany();
    const entries = page.results.map((r) => ({ resourceKey: r.value.resourceKey, version: r.value.version, enqueuedAt: r.value.enqueuedAt }));
    return page.nextCursor ? { entries, cursor: page.nextCursor } : { entries };
  }

  async acknowledge(resourceKey: string, version: number): Promise<boolean> {
    try {
      await this.kvs
        .transact()
        .delete<Record<string, unknown>>(resourceKey, { entityName: OUTBOX_ENTITY, conditions: versionIs(version) })
        .execute();
      return true;
    } catch (error) {
      // A newer change re-enqueued the resource (or the entry is gone already): it stays for the next run.
      const current = await this.kvs.entity<{ version: number }>(OUTBOX_ENTITY).get(resourceKey);
      if (!current) return true;
      if (current.version !== version) return false;
      throw error;
    }
  }

  async enqueue(resourceKeys: readonly string[]): Promise<void> {
    // A version of its own, random and negative (a 32-bit integer, as the entity declares, never a resource's): a job
    // that holds an earlier entry of the key and acknowledges it must leave this newer request pending (a user's
    // re-invite asks for its groups again while a reconcile's job on one of them runs).
    const version = -randomInt(1, 2 ** 31);
    for (const batch of chunk([...new Set(resourceKeys)], MAX_BATCH)) {
      let tx = this.kvs.transact();
      for (const resourceKey of batch) {
        tx = tx.set<Record<string, unknown>>(
          resourceKey,
          { resourceKey, version, enqueuedAt: this.now().toISOString() },
          { entityName: OUTBOX_ENTITY },
        );
      }
      await tx.execute();
    }
  }

  private indexFor(kind: ResourceKind, key: LookupKey): string | undefined {
    if (key === 'externalId') return 'externalId';
    if (kind === 'User' && key === 'userName') return 'userNameKey';
    if (kind === 'User' && key === 'workEmail') return 'workEmailKey';
    if (kind === 'Group' && key === 'displayName') return 'displayNameKey';
    return undefined;
  }

  private checkCondition(version: number, condition: WriteCondition | undefined): void {
    if (condition?.expectedVersion !== undefined && condition.expectedVersion !== version) {
      throw new DirectoryError('version-mismatch', `The resource is at version ${version}, not ${condition.expectedVersion}`);
    }
  }

  /** Runs `body` until it completes without asking for a retry; concurrent writers make it ask. */
  private async attempt<T>(body: () => Promise<T>): Promise<T> {
    let lastReason = '';
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      try {
        return await body();
      } catch (error) {
        if (!(error instanceof Retry)) throw error;
        lastReason = error.reason;
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * (5 + attempt * 10))));
      }
    }
    throw new DirectoryError('contention', `Gave up after ${MAX_ATTEMPTS} attempts: ${lastReason}`);
  }

  /** Executes writes as one transaction; when it fails, `diagnose` decides between a domain error and a retry. */
  private async commit(writes: readonly Write[], diagnose: () => Promise<Retry>): Promise<void> {
    if (writes.length > MAX_BATCH) throw new Error(`A transaction of ${writes.length} operations exceeds the KVS limit of ${MAX_BATCH}`);
    let tx = this.kvs.transact();
    for (const write of writes) {
      if (write.kind === 'set') {
        tx = tx.set<Record<string, unknown>>(write.key, write.value as Record<string, unknown>, write.condition ? { entityName: write.entityName, conditions: write.condition } : { entityName: write.entityName });
      } else {
        tx = tx.delete<Record<string, unknown>>(write.key, write.condition ? { entityName: write.entityName, conditions: write.condition } : { entityName: write.entityName });
      }
    }
    try {
      await tx.execute();
    } catch (error) {
      if (isStorageThrottled(error)) throw throttled(error);
      // The KVS does not document the error code of a failed condition, so the state decides what happened.
      const verdict = await diagnose();
      verdict.reason = `${verdict.reason} (${error instanceof Error ? error.message : String(error)})`;
      throw verdict;
    }
  }

  private async assertClaimFree(kind: ResourceKind, key: string, owner: string, value: string): Promise<void> {
    const claim = await this.kvs.entity<{ owner: string }>(CLAIM_ENTITY).get(key);
    if (claim && claim.owner !== owner) {
      const attribute = kind === 'User' ? 'userName' : 'displayName';
      throw new DirectoryError('uniqueness', `${attribute} "${value}" is already in use`);
    }
  }

  /** The claim writes of a name change (src/storage/name-claims.ts), reading the claims involved only when a key changes. */
  private async claimChange(kind: ResourceKind, id: string, before: string, after: string | undefined): Promise<Write[]> {
    const keys = claimKeysToRead(kind, before, after);
    if (keys.length === 0) return [];
    const claims = await this.batchGet<{ owner: string }>(CLAIM_ENTITY, keys);
    return planClaimChange(kind, id, before, after, claims).map((write): Write =>
      write.kind === 'delete'
        ? { kind: 'delete', key: write.key, entityName: CLAIM_ENTITY }
        : { kind: 'set', key: write.key, entityName: CLAIM_ENTITY, value: { owner: id }, condition: absent('owner') },
    );
  }

  private async readRosterIndex(kind: ResourceKind): Promise<Versioned<RosterRecord<RosterIndex>>> {
    const key = rosterIndexKey(kind);
    const stored = await this.kvs.entity<RosterRecord<StoredRosterIndex>>(ROSTER_ENTITY).get(key);
    return { key, record: stored ? { version: stored.version, body: decodeRosterIndex(stored.body) } : undefined };
  }

  private async rosterAppend(kind: ResourceKind, id: string): Promise<Write[]> {
    const index = await this.readRosterIndex(kind);
    const body: RosterIndex = index.record?.body ?? { shards: [], next: 0 };
    const last = body.shards[body.shards.length - 1];
    let shardNumber: number;
    let shard: RosterRecord<{ ids: string[] }> | undefined;
    let shards: { n: number; count: number }[];
    let next = body.next;
    if (last && last.count < SHARD_CAPACITY) {
      shardNumber = last.n;
      shard = await this.kvs.entity<RosterRecord<{ ids: string[] }>>(ROSTER_ENTITY).get(rosterShardKey(kind, shardNumber));
      shards = body.shards.map((s) => (s.n === shardNumber ? { n: s.n, count: s.count + 1 } : s));
    } else {
      shardNumber = next;
      next += 1;
      shards = [...body.shards, { n: shardNumber, count: 1 }];
    }
    if (last && last.count < SHARD_CAPACITY && !shard) throw new Retry('roster shard missing');
    return [
      {
        kind: 'set',
        key: rosterShardKey(kind, shardNumber),
        entityName: ROSTER_ENTITY,
        value: { version: (shard?.version ?? 0) + 1, body: { ids: [...(shard?.body.ids ?? []), id] } },
        condition: shard ? versionIs(shard.version) : absent('version'),
      },
      {
        kind: 'set',
        key: index.key,
        entityName: ROSTER_ENTITY,
        value: { version: (index.record?.version ?? 0) + 1, body: encodeRosterIndex({ shards, next }) },
        condition: index.record ? versionIs(index.record.version) : absent('version'),
      },
    ];
  }

  private async rosterRemove(kind: ResourceKind, id: string): Promise<Write[]> {
    const index = await this.readRosterIndex(kind);
    if (!index.record) return [];
    const shardRecords = await this.scanShardsFor(kind, index.record.body, id);
    if (!shardRecords) return [];
    const { n, shard } = shardRecords;
    const ids = shard.body.ids.filter((x) => x !== id);
    const shards = index.record.body.shards
      .map((s) => (s.n === n ? { n, count: ids.length } : s))
      .filter((s) => s.count > 0);
    const shardWrite: Write =
      ids.length === 0
        ? { kind: 'delete', key: rosterShardKey(kind, n), entityName: ROSTER_ENTITY, condition: versionIs(shard.version) }
        : {
            kind: 'set',
            key: rosterShardKey(kind, n),
            entityName: ROSTER_ENTITY,
            value: { version: shard.version + 1, body: { ids } },
            condition: versionIs(shard.version),
          };
    return [
      shardWrite,
      {
        kind: 'set',
        key: index.key,
        entityName: ROSTER_ENTITY,
        value: { version: index.record.version + 1, body: encodeRosterIndex({ shards, next: index.record.body.next }) },
        condition: versionIs(index.record.version),
      },
    ];
  }

  /** Finds the shard holding `id`; deletes are rare next to reads, so a walk over the shards is acceptable. */
  private async scanShardsFor(
    kind: ResourceKind,
    index: RosterIndex,
    id: string,
  ): Promise<{ n: number; shard: RosterRecord<{ ids: string[] }> } | undefined> {
    for (const shards of chunk(index.shards, MAX_BATCH)) {
      const records = await this.batchGet<RosterRecord<{ ids: string[] }>>(
        ROSTER_ENTITY,
        shards.map((s) => rosterShardKey(kind, s.n)),
      );
      for (const s of shards) {
        const shard = records.get(rosterShardKey(kind, s.n));
        if (shard?.body.ids.includes(id)) return { n: s.n, shard };
      }
    }
    return undefined;
  }

  /** Turns membership changes into the minimal record writes, reading only the members they name. */
  private async planMemberWrites(groupId: string, changes: readonly MembershipChange[]): Promise<Write[]> {
    const desired = new Map<string, MemberRecord | null>();
    let everyone: Map<string, MemberRecord> | undefined;
    const loadEveryone = async (): Promise<Map<string, MemberRecord>> => {
      if (!everyone) {
        everyone = new Map();
        for await (const page of this.members(groupId)) {
          for (const member of page) everyone.set(memberKey(groupId, member.value), toMemberRecord(groupId, member));
        }
      }
      return everyone;
    };
    for (const change of changes) {
      switch (change.kind) {
        case 'add':
          for (const member of change.members) desired.set(memberKey(groupId, member.value), toMemberRecord(groupId, member));
          break;
        case 'remove':
          for (const value of change.values) desired.set(memberKey(groupId, value), null);
          break;
        case 'removeAll':
        case 'replace': {
          for (const key of (await loadEveryone()).keys()) desired.set(key, null);
          for (const key of desired.keys()) desired.set(key, null);
          if (change.kind === 'replace') {
            for (const member of change.members) desired.set(memberKey(groupId, member.value), toMemberRecord(groupId, member));
          }
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
    const current = everyone ?? (await this.batchGet<MemberRecord>(MEMBER_ENTITY, [...desired.keys()]));
    const writes: Write[] = [];
    for (const [key, record] of desired) {
      const existing = current.get(key);
      if (record === null) {
        if (existing) writes.push({ kind: 'delete', key, entityName: MEMBER_ENTITY });
      } else if (!sameMember(existing, record)) {
        writes.push({ kind: 'set', key, entityName: MEMBER_ENTITY, value: record });
      }
    }
    return writes;
  }

  private async deleteAllMembers(groupId: string): Promise<void> {
    const writes = await this.planMemberWrites(groupId, [{ kind: 'removeAll' }]);
    for (const batch of chunk(writes, MAX_BATCH)) {
      await this.attempt(() => this.commit(batch, async () => new Retry('member delete failed')));
    }
  }

  private async batchGet<T>(entityName: string, keys: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for (const batch of chunk([...new Set(keys)], MAX_BATCH)) {
      if (batch.length === 0) continue;
      const result = await this.kvs.batchGet<T>(batch.map((key) => ({ key, entityName })));
      for (const item of result.successfulKeys) out.set(item.key, item.value);
      const failed = result.failedKeys.filter((f) => f.error.code !== 'KEY_NOT_FOUND');
      if (failed.length > 0) {
        throw new Error(`KVS batch read failed for ${failed.length} keys: ${failed[0]?.error.code ?? 'unknown'}`);
      }
    }
    return out;
  }
}
