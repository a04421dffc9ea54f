/**
 * Links between SCIM resources and their Atlassian counterparts, with each resource's sync status (pending,
 * synced, failed with the last error and next retry). One `sync-link` record per resource key, plus one
 * `account.<accountId>` record per linked account so the engine can tell the app's accounts from others in
 * a batch read.
 */
import type { ForgeKvs } from '../storage/kvs-port';
import type { ComparisonResult } from './comparison';
import type { SyncState } from '../shared/status-types';

/** The admin page's data (src/shared/status-types.ts), re-exported for the modules that use it here. */
export type { SyncState } from '../shared/status-types';

/** What the app knows about one resource's remote side. */
export interface LinkDoc {
  readonly key: string;
  readonly state: SyncState;
  readonly accountId?: string;
  readonly email?: string;
  readonly orgGroupId?: string;
  readonly orgGroupName?: string;
  readonly groupSlug?: string;
  /** Grants the app applied (Permissions record only): target → group slug → permission. */
  readonly grants?: Record<string, Record<string, string>>;
  readonly lastError?: string;
  readonly detail?: string;
  readonly attempts: number;
  readonly nextRetryAt?: string;
  readonly lastSyncedAt?: string;
  /** The SCIM resource is gone; the link stays so its account is still recognised as the app's. */
  readonly deleted?: boolean;
  /** Permissions record only: when the app's groups last changed, and since when a permission run has been due. */
  readonly groupsChangedAt?: string;
  /** See groupsChangedAt. */
  readonly permissionsDueSince?: string;
  /**
   * Permissions record only: since when runs have waited for app groups whose own sync is pending, which groups (ids)
   * and what the last run that finished while waiting compared against (src/sync/permission-hold.ts).
   */
  readonly heldSince?: string;
  /** See heldSince. */
  readonly heldGroups?: readonly string[];
  /** See heldSince. */
  readonly heldReady?: string;
  /** Permissions record only: Bitbucket refused the last run for its rate limit until then; no run starts before. */
  readonly rateLimitedUntil?: string;
  /** The user is deactivated with `revoke-access`: its app-group memberships were taken away and come back on reactivation. */
  readonly revoked?: boolean;
  /** When the engine last compared the resource with the organization (ISO 8601). */
  readonly lastComparedAt?: string;
  /** What that comparison found (src/sync/comparison.ts): the state is never `synced` while this is `different`. */
  readonly lastComparison?: ComparisonResult;
  /** The difference it found, in words; absent when it found none. */
  readonly difference?: string;
  /** Group links: members whose accounts the organization lost, waited for while their users are re-invited. */
  readonly awaitingMembers?: number;
  /** Group links: how many members the directory listed at the last comparison (what planning the group costs). */
  readonly memberCount?: number;
}

interface LinkRecord {
  state: string;
  remoteId?: string;
  doc: LinkDoc;
}

const ENTITY = 'sync-link';
const BATCH = 25;
const PAGE = 20;

function accountKey(accountId: string): string {
  return `account.${accountId.replace(/[^a-zA-Z0-9:._-]/g, '_')}`;
}

/** The link store on @forge/kvs. */
export class SyncLinks {
  constructor(private readonly kvs: ForgeKvs) {}

  /** Reads one link. */
  async get(key: string): Promise<LinkDoc | undefined> {
    return (await this.kvs.entity<LinkRecord>(ENTITY).get(key))?.doc;
  }

  /** Reads several links; missing keys are absent. */
  async getMany(keys: readonly string[]): Promise<Map<string, LinkDoc>> {
    const out = new Map<string, LinkDoc>();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += BATCH) {
      const batch = unique.slice(i, i + BATCH);
      if (batch.length === 0) continue;
      const result = await this.kvs.batchGet<LinkRecord>(batch.map((key) => ({ key, entityName: ENTITY })));
      for (const item of result.successfulKeys) out.set(item.key, item.value.doc);
    }
    return out;
  }

  /** Writes a link; a linked account also gets its reverse record. */
  async put(doc: LinkDoc): Promise<void> {
    const remoteId = doc.accountId ?? doc.orgGroupId;
    const record: LinkRecord = { state: doc.state, doc, ...(remoteId ? { remoteId } : {}) };
    let tx = this.kvs.transact().set(doc.key, record, { entityName: ENTITY });
    if (doc.accountId)
      tx = tx.set(
        accountKey(doc.accountId),
        { state: 'account', remoteId: doc.accountId, doc: { key: doc.key, state: 'synced', attempts: 0 } },
        { entityName: ENTITY },
      );
    await tx.execute();
  }

  /** Deletes a link (and its account record). */
  async delete(key: string): Promise<void> {
    const existing = await this.get(key);
    let tx = this.kvs.transact().delete(key, { entityName: ENTITY });
    if (existing?.accountId) tx = tx.delete(accountKey(existing.accountId), { entityName: ENTITY });
    await tx.execute();
  }

  /** The resource keys (`User.<id>`) of linked accounts, for the accounts the app linked. */
  async userKeysOf(accountIds: readonly string[]): Promise<Map<string, string>> {
    const records = await this.getMany(accountIds.map(accountKey));
    const out = new Map<string, string>();
    for (const id of accountIds) {
      const key = records.get(accountKey(id))?.key;
      if (key) out.set(id, key);
    }
    return out;
  }

  /**
   * Counts links by state (for the status page), reading the state index page by page, at most `maxPages` pages
   * (20 links each) per state; the states whose count stopped there are listed in `capped` (their count is a lower bound).
   */
  async countByState(
    maxPages = Number.POSITIVE_INFINITY,
  ): Promise<{ counts: Record<SyncState, number>; capped: SyncState[] }> {
    const counts: Record<SyncState, number> = { pending: 0, synced: 0, failed: 0, skipped: 0 };
    const capped: SyncState[] = [];
    for (const state of Object.keys(counts) as SyncState[]) {
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await this.listByState(state, PAGE, cursor);
        counts[state] += page.links.length;
        cursor = page.cursor;
        pages += 1;
      } while (cursor && pages < maxPages);
      if (cursor) capped.push(state);
    }
    return { counts, capped };
  }

  /** Lists links in one state, newest pages first as the index orders them. */
  async listByState(state: SyncState, limit: number, cursor?: string): Promise<{ links: LinkDoc[]; cursor?: string }> {
    let query = this.kvs
      .entity<LinkRecord>(ENTITY)
      .query()
      .index('state')
      .where({ condition: 'EQUAL_TO', values: [state] })
      .limit(Math.min(limit, PAGE));
    if (cursor) query = query.cursor(cursor);
    const page = await query.getMany();
    const links = page.results.map((r) => r.value.doc);
    return page.nextCursor ? { links, cursor: page.nextCursor } : { links };
  }
}
