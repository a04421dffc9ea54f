/**
 * The links one sync job reads and writes, kept for the job's length: a job reads a resource's link once, and every
 * later read of it (each change it applies, the status it leaves) is answered from what it read or last wrote. One
 * job of a lane runs at a time and a resource always syncs in its lane (src/sync/jobs.ts laneOf), so no other job
 * writes these links meanwhile; reads of other resources' links (group members, account owners) go to storage.
 */
import type { LinkDoc, SyncLinks } from './sync-links';

/** SyncLinks' reads and writes, with the job's own links cached. */
export class JobLinkCache {
  private readonly known = new Map<string, LinkDoc | null>();

  constructor(private readonly links: SyncLinks) {}

  /** Reads one link, from the cache when the job has read or written it. */
  async get(key: string): Promise<LinkDoc | undefined> {
    const cached = this.known.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const doc = await this.links.get(key);
    this.known.set(key, doc ?? null);
    return doc;
  }

  /** Reads several links; the ones read or written before come from the cache, the rest in batches. */
  async getMany(keys: readonly string[]): Promise<Map<string, LinkDoc>> {
    const out = new Map<string, LinkDoc>();
    const missing: string[] = [];
    for (const key of keys) {
      const cached = this.known.get(key);
      if (cached === undefined) missing.push(key);
      else if (cached !== null) out.set(key, cached);
    }
    if (missing.length > 0) {
      const read = await this.links.getMany(missing);
      for (const key of missing) {
        const doc = read.get(key);
        this.known.set(key, doc ?? null);
        if (doc) out.set(key, doc);
      }
    }
    return out;
  }

  /**
   * Reads other resources' links (a group's members) from storage, neither answered from nor kept in the cache: a
   * job of another lane may have written them since (a user invited into this group), and a stale member link
   * next to a fresh account index would read as a member to remove.
   */
  othersMany(keys: readonly string[]): Promise<Map<string, LinkDoc>> {
    return this.links.getMany(keys);
  }

  /** Writes a link and remembers it. */
  async put(doc: LinkDoc): Promise<void> {
    await this.links.put(doc);
    this.known.set(doc.key, doc);
  }
}
