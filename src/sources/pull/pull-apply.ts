/**
 * Runs planned operations (pull-plan.ts) against the directory through the DirectoryStore port, the way SCIM writes
 * go (create, replace, updateGroup, delete: each stores the resource and its outbox entry together), and keeps the
 * snapshot in step. Every operation is safe to run again after an invocation died before saving its progress: a
 * create that meets its own earlier create (the userName or displayName claim) adopts it, a replace or member change
 * repeated writes the same state, a delete of what is gone is done.
 */
import { DirectoryError, type DirectoryStore } from '../../directory/directory-store';
import type { ScimObject } from '../../scim/resource/types';
import type { PullOp } from './pull-plan';
import type { GroupSnapshotEntry, PullStore, UserSnapshotEntry } from './pull-store';
import { bucketOf } from './pull-store';
import { fingerprint, userResource } from './source-resources';
import type { ApplyCounts } from '../../shared/source-types';

/** The admin page's data (src/shared/source-types.ts), re-exported for the source's modules. */
export type { ApplyCounts } from '../../shared/source-types';

/** Counts at zero. */
export function emptyApplyCounts(): ApplyCounts {
  return {
    usersCreated: 0,
    usersUpdated: 0,
    usersDeactivated: 0,
    groupsCreated: 0,
    groupsUpdated: 0,
    groupsDeleted: 0,
    membersAdded: 0,
    membersRemoved: 0,
    directoryWrites: 0,
  };
}

/** Outbound requests an operation may cost at most (storage counted), so one is started only when it can finish. */
export function costOf(op: PullOp): number {
  switch (op.k) {
    case 'adopt-user':
    case 'adopt-group':
      return 1;
    case 'create-user':
    case 'update-user':
    case 'create-group':
    case 'update-group':
      return 10;
    case 'deactivate-user':
      return 12;
    case 'add-members':
    case 'remove-members':
      return 24;
    case 'group-done':
      return 4;
    case 'delete-group':
      return 12;
  }
}

/** The snapshot buckets and group snapshot an invocation touched, written when it saves its progress. */
export class SnapshotCache {
  private readonly buckets = new Map<number, Record<string, UserSnapshotEntry>>();
  private readonly dirty = new Set<number>();
  private groups: Record<string, GroupSnapshotEntry> | undefined;
  private groupsDirty = false;

  constructor(private readonly store: PullStore) {}

  /** How many user buckets are held (each costs a write when saved). */
  get bucketsHeld(): number {
    return this.buckets.size;
  }

  /** Whether the bucket of `sourceId` is held already. */
  holds(sourceId: string): boolean {
    return this.buckets.has(bucketOf(sourceId));
  }

  async setUser(sourceId: string, entry: UserSnapshotEntry): Promise<void> {
    const bucket = bucketOf(sourceId);
    let records = this.buckets.get(bucket);
    if (records === undefined) {
      records = await this.store.userBucket(bucket);
      this.buckets.set(bucket, records);
    }
    records[sourceId] = entry;
    this.dirty.add(bucket);
  }

  async groupSnapshot(): Promise<Record<string, GroupSnapshotEntry>> {
    if (this.groups === undefined) this.groups = await this.store.groupSnapshot();
    return this.groups;
  }

  async setGroup(sourceId: string, entry: GroupSnapshotEntry | undefined): Promise<void> {
    const groups = await this.groupSnapshot();
    if (entry === undefined) delete groups[sourceId];
    else groups[sourceId] = entry;
    this.groupsDirty = true;
  }

  /** Writes what changed. */
  async save(): Promise<void> {
    for (const bucket of this.dirty) await this.store.set(`snap:u:${bucket}`, this.buckets.get(bucket) ?? {});
    this.dirty.clear();
    this.buckets.clear();
    if (this.groupsDirty && this.groups !== undefined) await this.store.set('snap:g', this.groups);
    this.groupsDirty = false;
  }
}

async function createAdopting(
  store: DirectoryStore,
  kind: 'User' | 'Group',
  resource: ScimObject,
  counts: ApplyCounts,
): Promise<string> {
  try {
    counts.directoryWrites += 1;
    return (await store.create(kind, resource)).id;
  } catch (error) {
    if (!(error instanceof DirectoryError) || error.kind !== 'uniqueness') throw error;
    // Our own create from an invocation that died before saving, or a resource of the same name: the pull owns it now.
    const key = kind === 'User' ? 'userName' : 'displayName';
    const found = (await store.find(kind, key, String(resource[key] ?? '')))[0];
    if (found === undefined) throw error;
    if (fingerprint(found.resource) !== fingerprint(resource)) {
      counts.directoryWrites += 1;
      await store.replace(kind, found.id, resource, undefined);
    }
    return found.id;
  }
}

/** Runs one operation. */
export async function applyOp(
  op: PullOp,
  store: DirectoryStore,
  snapshot: SnapshotCache,
  pullStore: PullStore,
  counts: ApplyCounts,
): Promise<void> {
  const groupDirId = async (sourceId: string): Promise<string | undefined> =>
    sourceId.startsWith('dir:') ? sourceId.slice(4) : (await snapshot.groupSnapshot())[sourceId]?.[0];
  switch (op.k) {
    case 'create-user': {
      const id = await createAdopting(store, 'User', userResource(op.u), counts);
      await snapshot.setUser(op.s, [id, op.h, op.a]);
      counts.usersCreated += 1;
      return;
    }
    case 'update-user': {
      let id = op.d;
      try {
        counts.directoryWrites += 1;
        await store.replace('User', op.d, userResource(op.u), undefined);
      } catch (error) {
        if (!(error instanceof DirectoryError) || error.kind !== 'not-found') throw error;
        id = await createAdopting(store, 'User', userResource(op.u), counts);
      }
      await snapshot.setUser(op.s, [id, op.h, op.a]);
      counts.usersUpdated += 1;
      if (op.deactivates) counts.usersDeactivated += 1;
      return;
    }
    case 'adopt-user':
      await snapshot.setUser(op.s, [op.d, op.h, op.a]);
      return;
    case 'deactivate-user': {
      const current = await store.get('User', op.d);
      if (current !== undefined && current.resource.active !== false) {
        const resource = { ...current.resource, active: false };
        counts.directoryWrites += 1;
        await store.replace('User', op.d, resource, undefined);
        counts.usersDeactivated += 1;
        if (op.s !== undefined) await snapshot.setUser(op.s, [op.d, fingerprint(resource), 0]);
      } else if (op.s !== undefined && current !== undefined)
        await snapshot.setUser(op.s, [op.d, fingerprint(current.resource), 0]);
      return;
    }
    case 'create-group': {
      const id = await createAdopting(store, 'Group', op.r, counts);
      await snapshot.setGroup(op.s, [id, op.h, '', '', 0]);
      counts.groupsCreated += 1;
      return;
    }
    case 'adopt-group': {
      const known = (await snapshot.groupSnapshot())[op.s];
      if (known === undefined || known[0] !== op.d) await snapshot.setGroup(op.s, [op.d, '', '', '', 0]);
      return;
    }
    case 'update-group': {
      const id = await groupDirId(op.s);
      if (id === undefined) return;
      counts.directoryWrites += 1;
      await store.updateGroup(id, op.r, []);
      const known = (await snapshot.groupSnapshot())[op.s];
      await snapshot.setGroup(op.s, [id, op.h, known?.[2] ?? '', known?.[3] ?? '', known?.[4] ?? 0]);
      counts.groupsUpdated += 1;
      return;
    }
    case 'add-members':
    case 'remove-members': {
      const id = await groupDirId(op.s);
      if (id === undefined) return;
      counts.directoryWrites += 1;
      try {
        await store.updateGroup(
          id,
          undefined,
          op.k === 'add-members'
            ? [{ kind: 'add', members: op.ids.map((value) => ({ value, type: 'User' })) }]
            : [{ kind: 'remove', values: op.ids }],
        );
      } catch (error) {
        // A group deleted meanwhile has no members to change.
        if (!(error instanceof DirectoryError) || error.kind !== 'not-found') throw error;
      }
      if (op.k === 'add-members') counts.membersAdded += op.ids.length;
      else counts.membersRemoved += op.ids.length;
      return;
    }
    case 'group-done': {
      const known = (await snapshot.groupSnapshot())[op.s];
      if (known === undefined) return;
      if (known[3] !== '' && known[3] !== op.gen) await pullStore.deleteMemberSet(op.s, known[3], known[4]);
      await snapshot.setGroup(op.s, [known[0], op.h, op.mh, op.gen, op.parts]);
      return;
    }
    case 'delete-group': {
      try {
        counts.directoryWrites += 1;
        await store.delete('Group', op.d);
        counts.groupsDeleted += 1;
      } catch (error) {
        if (!(error instanceof DirectoryError) || error.kind !== 'not-found') throw error;
      }
      if (op.s !== undefined) {
        const known = (await snapshot.groupSnapshot())[op.s];
        if (known !== undefined && known[3] !== '') await pullStore.deleteMemberSet(op.s, known[3], known[4]);
        await snapshot.setGroup(op.s, undefined);
      }
      return;
    }
  }
}
