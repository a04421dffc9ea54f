/**
 * The directory store port: the app's own mirror of what the IdP said. Users, groups and memberships are
 * separate records so that no value grows with group size and concurrent member changes never overwrite
 * each other (docs/notes/architecture.md, "Storage design constraints").
 */

/**
 * A SCIM JSON object whose keys are canonical attribute names (or extension URNs) from the attribute table
 * (src/scim/schema/registry.ts): the stored shape of a user or group, without id, meta or members.
 */
export type ScimObject = Record<string, unknown>;

/** One group member as a client named it (RFC 7643 section 4.2); `$ref` is derived by the service, never stored. */
export interface MemberRef {
  readonly value: string;
  readonly display?: string;
  readonly type?: string;
}

/** Which resource collection a record belongs to. */
export type ResourceKind = 'User' | 'Group';

/** A stored user or group: the canonical SCIM resource without id, meta or members, plus bookkeeping. */
export interface StoredResource {
  readonly id: string;
  readonly kind: ResourceKind;
  /** Increases by one on every change of the resource or, for groups, of its membership. */
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  readonly resource: ScimObject;
}

/** A member of a group as stored; `type` is 'User' or 'Group' when the value resolved, absent otherwise. */
export interface StoredMember {
  readonly value: string;
  readonly display?: string;
  readonly type?: string;
}

/** The indexed lookups IdPs send (docs/notes/scim-and-idps.md section 1.2): each is an index hit, never a scan. */
export type LookupKey = 'userName' | 'externalId' | 'workEmail' | 'displayName';

/**
 * Whether a `removeWhere` change removes one member; the SCIM layer builds it from a PATCH member filter
 * (src/scim/filter/member-predicate.ts), so the directory never sees a filter.
 */
export type MemberPredicate = (member: StoredMember) => boolean;

/**
 * One change to a group's membership, applied in order. Membership lives beside the resource, never inside it,
 * because large groups cannot live in one stored value; `removeWhere` removes the members its predicate matches,
 * the changes before it in the same call included.
 */
export type MembershipChange =
  | { readonly kind: 'add'; readonly members: readonly MemberRef[] }
  | { readonly kind: 'remove'; readonly values: readonly string[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'replace'; readonly members: readonly MemberRef[] }
  | { readonly kind: 'removeWhere'; readonly matches: MemberPredicate };

/** One page of a collection in its stable roster order. */
export interface ResourcePage {
  readonly totalResults: number;
  readonly resources: readonly StoredResource[];
}

/** Why a directory operation failed; the SCIM layer maps each kind to an RFC 7644 section 3.12 error. */
export type DirectoryErrorKind =
  | 'not-found'
  | 'uniqueness'
  | 'version-mismatch'
  | 'too-many'
  | 'too-large'
  | 'contention'
  | 'throttled'
  | 'unavailable';

/** The one error type of the directory layer. */
export class DirectoryError extends Error {
  readonly kind: DirectoryErrorKind;
  /** For `throttled`: when storage will take requests again, in seconds (storage quotas are per minute). */
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: DirectoryErrorKind, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'DirectoryError';
    this.kind = kind;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** One outbox entry: the resource, the version that enqueued it, and when (ISO 8601). */
export interface PendingChange {
  readonly resourceKey: string;
  readonly version: number;
  readonly enqueuedAt: string;
}

/** Options of a conditional write: the version the caller last saw (from If-Match), if any. */
export interface WriteCondition {
  readonly expectedVersion?: number;
  /**
   * The resource as the caller has just read it, for the store to build on instead of reading it again (a storage
   * read fewer a SCIM write); a stale one costs the store a retry, never a lost write, since every write is
   * conditional on the version it builds on.
   */
  readonly basis?: StoredResource;
}

/** The port. Every write is atomic for the record it names; see each method for membership atomicity. */
export interface DirectoryStore {
  /** Reads one resource, or undefined. */
  get(kind: ResourceKind, id: string): Promise<StoredResource | undefined>;
  /** Reads several resources by id; missing ids are absent from the map. */
  getMany(kind: ResourceKind, ids: readonly string[]): Promise<Map<string, StoredResource>>;
  /**
   * Which of `ids` name a stored user or group, without reading the resources: what validating a group's members
   * needs, at a fraction of getMany's storage units (a PATCH of 50 members read 50 whole users).
   */
  kindsOf(ids: readonly string[]): Promise<Map<string, ResourceKind>>;
  /** Index lookup; userName and displayName compare case-insensitively, the others exactly. */
  find(kind: ResourceKind, key: LookupKey, value: string): Promise<StoredResource[]>;
  /**
   * For each of `names` that a stored resource holds as its unique name (a user's userName, a group's displayName,
   * compared as `find` compares them), the id of that resource; names no resource holds are absent. Batched reads of
   * the uniqueness claims alone: the cost follows the names asked for, not the collection (what permission rules,
   * which name groups, read: src/sync/sync-engine.ts).
   */
  idsByNames(kind: ResourceKind, names: readonly string[]): Promise<Map<string, string>>;
  /** Counts the collection without reading it. */
  count(kind: ResourceKind): Promise<number>;
  /** Reads `count` resources from 0-based position `offset` of the stable roster order; cost independent of offset. */
  page(kind: ResourceKind, offset: number, count: number): Promise<ResourcePage>;
  /**
   * A page of about `maxIds` of the collection's ids, without reading the resources, from where `cursor` (the
   * previous page's) left off; no cursor after the last page. A cursor stays valid while resources come and go: no
   * id present throughout is skipped. What the reconcile enqueues, one bounded page an invocation.
   */
  idPage(kind: ResourceKind, maxIds: number, cursor?: string): Promise<{ ids: string[]; cursor?: string }>;
  /** Reads the whole collection in batches, for filters and sorts that no index serves; stops after `limit`. */
  scan(kind: ResourceKind, limit: number): AsyncIterable<readonly StoredResource[]>;

  /** Creates a resource (and a group's initial members); throws 'uniqueness' when userName/displayName is taken. */
  create(kind: ResourceKind, resource: ScimObject, members?: readonly MemberRef[]): Promise<StoredResource>;
  /** Replaces a resource; for groups, `members` (when given) replaces the membership too. */
  replace(
    kind: ResourceKind,
    id: string,
    resource: ScimObject,
    members: readonly MemberRef[] | undefined,
    condition?: WriteCondition,
  ): Promise<StoredResource>;
  /** Updates a group's resource and applies membership changes in order, without reading or rewriting the whole membership. */
  updateGroup(
    id: string,
    resource: ScimObject | undefined,
    changes: readonly MembershipChange[],
    condition?: WriteCondition,
  ): Promise<StoredResource>;
  /** Deletes a resource and every membership that names it. */
  delete(kind: ResourceKind, id: string, condition?: WriteCondition): Promise<void>;

  /** Reads a group's members in batches. */
  members(groupId: string): AsyncIterable<readonly StoredMember[]>;
  /**
   * One page (at most 100) of a group's members, from `cursor` (a page's `cursor`, or none for the first): a reader
   * that stops between pages resumes where it stopped (src/sync/member-scan.ts), and a member there throughout is
   * listed once.
   */
  memberPage(groupId: string, cursor?: string): Promise<{ members: StoredMember[]; cursor?: string }>;
  /** The groups that list `memberId` as a member (the User `groups` attribute). */
  groupsOf(memberId: string): Promise<string[]>;

  /**
   * Reads pending outbox entries (`User.<id>` / `Group.<id>` with the version that enqueued them and when), oldest
   * first; with `after`, only entries enqueued later than that time (ISO 8601), so a drain can skip what it queued.
   */
  pendingChanges(
    limit: number,
    cursor?: string,
    after?: string,
  ): Promise<{ entries: PendingChange[]; cursor?: string }>;
  /**
   * The version at which each of `resourceKeys` is pending in the outbox; a key that is not pending is absent. A job
   * holding an entry whose resource is no longer pending at that version was done by another job, or a newer entry
   * will be (at-least-once delivery, re-enqueued work): it skips it.
   */
  pendingVersions(resourceKeys: readonly string[]): Promise<Map<string, number>>;
  /** Removes an outbox entry if it still has `version`; false when a newer change re-enqueued the resource. */
  acknowledge(resourceKey: string, version: number): Promise<boolean>;
  /**
   * Enqueues resources for the sync engine outside a SCIM write (reconcile, a dependency, an admin retry), under a
   * version of this call's own: a job acknowledging an earlier entry of the same resource leaves this one pending.
   */
  enqueue(resourceKeys: readonly string[]): Promise<void>;
}
