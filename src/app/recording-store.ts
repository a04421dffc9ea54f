/**
 * A directory store seen through one SCIM request: it passes every call on and remembers the first version of each
 * resource the request read and the last one it wrote, so the audit entry can say what a write changed without
 * reading the resource again before and after (two storage reads of every PATCH, and one that an unauthenticated
 * request could make: src/app/create-app.ts). It caches nothing: every read still goes to the store, so a write that
 * lost a race reads the winner's version (src/scim/preconditions.ts optimistic).
 */
import type { DirectoryStore, ResourceKind, StoredResource } from '../directory/directory-store';
import { withOverrides } from '../lang/with-overrides';
import type { ScimObject } from '../scim/resource/types';

/** A request's view of the store and what it saw. */
export interface RecordingStore {
  /** The store the request's handlers use. */
  readonly store: DirectoryStore;
  /** The resource as the request first read it, if it read it. */
  firstRead(kind: ResourceKind, id: string): ScimObject | undefined;
  /** The resource as the request last wrote it, if it wrote it. */
  lastWritten(kind: ResourceKind, id: string): ScimObject | undefined;
}

/** Wraps `inner` for one request. */
export function recordingStore(inner: DirectoryStore): RecordingStore {
  const reads = new Map<string, ScimObject>();
  const writes = new Map<string, ScimObject>();
  const keyOf = (kind: ResourceKind, id: string): string => `${kind}.${id}`;
  const wrote = (stored: StoredResource): StoredResource => {
    writes.set(keyOf(stored.kind, stored.id), stored.resource);
    return stored;
  };
  const overrides: Partial<DirectoryStore> = {
    get: async (kind, id) => {
      const found = await inner.get(kind, id);
      if (found && !reads.has(keyOf(kind, id))) reads.set(keyOf(kind, id), found.resource);
      return found;
    },
    replace: async (kind, id, resource, members, condition) =>
      wrote(await inner.replace(kind, id, resource, members, condition)),
    updateGroup: async (id, resource, changes, condition) =>
      wrote(await inner.updateGroup(id, resource, changes, condition)),
  };
  return {
    store: withOverrides(inner, overrides),
    firstRead: (kind, id) => reads.get(keyOf(kind, id)),
    lastWritten: (kind, id) => writes.get(keyOf(kind, id)),
  };
}
