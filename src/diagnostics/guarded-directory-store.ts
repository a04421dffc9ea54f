/**
 * The directory store as the SCIM endpoint sees it while a Diagnostics verdict stands in the way of its writes: the
 * writes src/diagnostics/verdicts.ts `scimWriteBlock` names fail with DirectoryError `unavailable` (SCIM 503 with the
 * reason) before they touch storage; reads and every other call pass straight through. The sync engine keeps the
 * plain store: only what the identity provider writes is refused.
 */
import {
  DirectoryError,
  type DirectoryStore,
  type LookupKey,
  type MembershipChange,
  type PendingChange,
  type ResourceKind,
  type ResourcePage,
  type StoredMember,
  type StoredResource,
  type WriteCondition,
} from '../directory/directory-store';
import type { MemberRef, ScimObject } from '../scim/resource/types';
import { VERDICT_CACHE_MS, type DiagnosticsStore } from './diagnostics-store';
import { scimWriteBlock } from './verdicts';

/** A DirectoryStore that refuses the writes a stored verdict forbids. */
export class GuardedDirectoryStore implements DirectoryStore {
  constructor(
    private readonly inner: DirectoryStore,
    private readonly diagnostics: DiagnosticsStore,
  ) {}

  get(kind: ResourceKind, id: string): Promise<StoredResource | undefined> {
    return this.inner.get(kind, id);
  }

  getMany(kind: ResourceKind, ids: readonly string[]): Promise<Map<string, StoredResource>> {
    return this.inner.getMany(kind, ids);
  }

  kindsOf(ids: readonly string[]): Promise<Map<string, ResourceKind>> {
    return this.inner.kindsOf(ids);
  }

  find(kind: ResourceKind, key: LookupKey, value: string): Promise<StoredResource[]> {
    return this.inner.find(kind, key, value);
  }

  idsByNames(kind: ResourceKind, names: readonly string[]): Promise<Map<string, string>> {
    return this.inner.idsByNames(kind, names);
  }

  count(kind: ResourceKind): Promise<number> {
    return this.inner.count(kind);
  }

  page(kind: ResourceKind, offset: number, count: number): Promise<ResourcePage> {
    return this.inner.page(kind, offset, count);
  }

  idPage(kind: ResourceKind, maxIds: number, cursor?: string): Promise<{ ids: string[]; cursor?: string }> {
    return this.inner.idPage(kind, maxIds, cursor);
  }

  scan(kind: ResourceKind, limit: number): AsyncIterable<readonly StoredResource[]> {
    return this.inner.scan(kind, limit);
  }

  async create(kind: ResourceKind, resource: ScimObject, members?: readonly MemberRef[]): Promise<StoredResource> {
    await this.admit('POST');
    return this.inner.create(kind, resource, members);
  }

  async replace(
    kind: ResourceKind,
    id: string,
    resource: ScimObject,
    members: readonly MemberRef[] | undefined,
    condition?: WriteCondition,
  ): Promise<StoredResource> {
    await this.admit('PUT');
    return this.inner.replace(kind, id, resource, members, condition);
  }

  async updateGroup(
    id: string,
    resource: ScimObject | undefined,
    changes: readonly MembershipChange[],
    condition?: WriteCondition,
  ): Promise<StoredResource> {
    await this.admit('PATCH');
    return this.inner.updateGroup(id, resource, changes, condition);
  }

  async delete(kind: ResourceKind, id: string, condition?: WriteCondition): Promise<void> {
    await this.admit('DELETE');
    return this.inner.delete(kind, id, condition);
  }

  members(groupId: string): AsyncIterable<readonly StoredMember[]> {
    return this.inner.members(groupId);
  }

  memberPage(groupId: string, cursor?: string): Promise<{ members: StoredMember[]; cursor?: string }> {
    return this.inner.memberPage(groupId, cursor);
  }

  groupsOf(memberId: string): Promise<string[]> {
    return this.inner.groupsOf(memberId);
  }

  pendingChanges(
    limit: number,
    cursor?: string,
    after?: string,
  ): Promise<{ entries: PendingChange[]; cursor?: string }> {
    return this.inner.pendingChanges(limit, cursor, after);
  }

  pendingVersions(resourceKeys: readonly string[]): Promise<Map<string, number>> {
    return this.inner.pendingVersions(resourceKeys);
  }

  acknowledge(resourceKey: string, version: number): Promise<boolean> {
    return this.inner.acknowledge(resourceKey, version);
  }

  enqueue(resourceKeys: readonly string[]): Promise<void> {
    return this.inner.enqueue(resourceKeys);
  }

  /** Throws DirectoryError `unavailable` when the stored verdicts forbid a write of this kind. */
  private async admit(method: string): Promise<void> {
    const reason = scimWriteBlock(await this.diagnostics.results({ maxAgeMs: VERDICT_CACHE_MS }), method);
    if (reason !== undefined) throw new DirectoryError('unavailable', reason);
  }
}
