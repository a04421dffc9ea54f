/**
 * The outbox of the KVS directory store (`sync-outbox`, manifest.yml): one entry per resource the sync engine should
 * look at, keyed `User.<id>` / `Group.<id>` with the version that enqueued it. A SCIM write puts its entry in its own
 * transaction; the sync engine drains entries oldest first and acknowledges each only if no newer change re-enqueued it.
 */
import { randomInt } from 'node:crypto';
import { WhereConditions } from '@forge/kvs';
import type { PendingChange, ResourceKind } from '../../directory/directory-store';
import type { ForgeKvs } from '../kvs-port';
import { batchGet, chunk, MAX_BATCH, QUERY_PAGE, versionIs, type Write } from './transactions';

const OUTBOX_ENTITY = 'sync-outbox';

/** The outbox's entries: the write a change carries, and the reads and removals of the sync engine's drain. */
export class Outbox {
  constructor(
    private readonly kvs: ForgeKvs,
    private readonly now: () => Date,
  ) {}

  /** The outbox entry that asks the sync engine to look at a resource, written in the change's own transaction. */
  entry(kind: ResourceKind, id: string, version: number): Write {
    const resourceKey = `${kind}.${id}`;
    return {
      kind: 'set',
      key: resourceKey,
      entityName: OUTBOX_ENTITY,
      value: { resourceKey, version, enqueuedAt: this.now().toISOString() },
    };
  }

  /** Pending entries oldest first, enqueued later than `after` (DirectoryStore.pendingChanges). */
  async pendingChanges(
    limit: number,
    cursor?: string,
    after = '',
  ): Promise<{ entries: PendingChange[]; cursor?: string }> {
    let query = this.kvs
      .entity<{ resourceKey: string; version: number; enqueuedAt: string }>(OUTBOX_ENTITY)
      .query()
      .index('enqueuedAt')
      .where(WhereConditions.greaterThan(after))
      .limit(Math.min(limit, QUERY_PAGE));
    if (cursor) query = query.cursor(cursor);
    const page = await query.getMany();
    const entries = page.results.map((r) => ({
      resourceKey: r.value.resourceKey,
      version: r.value.version,
      enqueuedAt: r.value.enqueuedAt,
    }));
    return page.nextCursor ? { entries, cursor: page.nextCursor } : { entries };
  }

  /** The version each of `resourceKeys` is pending at; a key not pending is absent (DirectoryStore.pendingVersions). */
  async pendingVersions(resourceKeys: readonly string[]): Promise<Map<string, number>> {
    const found = await batchGet<{ version: number }>(this.kvs, OUTBOX_ENTITY, resourceKeys);
    return new Map([...found].map(([key, entry]) => [key, entry.version]));
  }

  /** Removes the entry if it still has `version`; false when a newer change re-enqueued the resource. */
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

  /** Enqueues resources outside a SCIM write, under a version of this call's own (DirectoryStore.enqueue). */
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
}
