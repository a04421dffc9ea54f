/**
 * When permission sync may run. A change to the app's groups makes it due (its outbox entry is queued), but it runs
 * only once groups have been quiet for `permissionQuietSeconds` (default 30), so an initial load or a burst of group
 * changes costs one permission run, with its Bitbucket reads, instead of one per batch; a run is never held back for
 * more than five times that since it first fell due. While Bitbucket's hourly rate limit lasts, nothing runs.
 */
import type { TargetError } from '../targets/ports';
import type { EngineContext } from './engine-context';
import { PERMISSIONS_KEY } from './jobs';
import type { LinkDoc } from './sync-links';

/** Decides when permission sync runs, from what the Permissions link records. */
export class PermissionDebounce {
  constructor(private readonly ctx: EngineContext) {}

  private quietMs(): number {
    return (this.ctx.deps.permissionQuietSeconds ?? 30) * 1000;
  }

  /** Records that the app's groups changed and puts permission sync in the outbox. */
  async noteDue(): Promise<void> {
    const key = PERMISSIONS_KEY;
    const link = await this.ctx.links.get(key);
    const now = this.ctx.now().toISOString();
    await this.ctx.links.put({
      ...(link ?? { key, state: 'pending', attempts: 0 }),
      groupsChangedAt: now,
      permissionsDueSince: link?.permissionsDueSince ?? now,
    } as LinkDoc);
    await this.ctx.deps.store.enqueue([key]);
    this.ctx.state.enqueued = true;
  }

  /**
   * After a job of groups that changed no app group: while permission runs hold groups back for their own sync
   * (src/sync/permission-hold.ts), makes permission sync due again, so the held grants follow once the groups synced.
   */
  async noteGroupsSynced(): Promise<void> {
    if ((await this.ctx.links.get(PERMISSIONS_KEY))?.heldSince !== undefined) await this.noteDue();
  }

  /** When Bitbucket's rate limit that `error` reports ends (ISO 8601). */
  rateLimitEnd(error: TargetError): string {
    return new Date(this.ctx.now().getTime() + (error.details.retryAfterMs ?? 60_000)).toISOString();
  }

  /**
   * Seconds until permission sync may run: while Bitbucket's rate limit lasts, the rest of its wait; otherwise 0
   * once groups have been quiet long enough, or once it has waited its longest.
   */
  async wait(): Promise<number> {
    const link = await this.ctx.links.get(PERMISSIONS_KEY);
    const now = this.ctx.now().getTime();
    const limitedUntil = link?.rateLimitedUntil ? Date.parse(link.rateLimitedUntil) : Number.NaN;
    if (!Number.isNaN(limitedUntil) && limitedUntil > now) return Math.ceil((limitedUntil - now) / 1000);
    const quiet = this.quietMs();
    if (quiet === 0) return 0;
    const changedAt = link?.groupsChangedAt ? Date.parse(link.groupsChangedAt) : Number.NaN;
    const dueSince = link?.permissionsDueSince ? Date.parse(link.permissionsDueSince) : Number.NaN;
    if (Number.isNaN(changedAt) || now - changedAt >= quiet) return 0;
    if (!Number.isNaN(dueSince) && now - dueSince >= 5 * quiet) return 0;
    return Math.max(1, Math.ceil((quiet - (now - changedAt)) / 1000));
  }
}
