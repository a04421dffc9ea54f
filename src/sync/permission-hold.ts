/**
 * Which app groups a permission run waits for, and for how long. Permission sync runs in a lane of its own
 * (src/sync/jobs.ts PERMISSIONS_LANE), so a run may come before the jobs of the groups it grants to: after the
 * organization lost its groups, an admin's "Sync now" queues every group and the Permissions entry together, and a
 * group's link still names the Bitbucket slug of an org group that is gone until the group's own job creates it again.
 * Bitbucket answers a grant to that slug 404 (docs/notes/bitbucket-api.md, permissions-config). Such a grant, of a
 * group whose outbox entry is still pending, is not a failure of the run but work that waits for the group: the run
 * keeps its entry pending, neither retries nor counts it, and looks again after a short wait (recheckSeconds) and
 * whenever a job of groups finishes (src/sync/permission-debounce.ts noteGroupsSynced). The next runs leave those
 * groups alone while their entries stay pending (no request for them, and the grants the app recorded for them are
 * kept as they are); a run with nothing new ready since its last comparison reads nothing from Bitbucket
 * (readyDigest). Groups are waited for only once a grant to them failed: at 10,000 users the initial load creates
 * every org group before its slug is known to a run, and holding back every group with a pending entry made the
 * initial sync converge later (bench:forge: 147.9 virtual minutes against 129 in a shared lane). The wait is bounded:
 * past MAX_HOLD_MS a run waits for nothing, and a grant that fails then is a failure, retried with the usual backoff,
 * so a group whose sync never succeeds cannot keep permission sync waiting for ever.
 */
import { createHash } from 'node:crypto';
import type { DirectoryStore } from '../directory/directory-store';
import type { EngineAuditEntry } from './engine-ports';
import type { AppliedGrants } from './permission-sync';
import type { PermissionRule } from './settings';

/** An app group as the permission run sees it (SyncEngine.appGroups). */
export interface HeldGroupCandidate {
  readonly id: string;
  readonly displayName: string;
  readonly groupSlug: string;
}

type GrantRecord = Readonly<AppliedGrants>;

/** How long runs may wait for groups before a grant that fails is a failure again. */
export const MAX_HOLD_MS = 60 * 60_000;
/** The longest wait between two looks of a run that waits for groups. */
const MAX_RECHECK_SECONDS = 300;

/**
 * The group slugs of the failed grant changes in a run's audit. The display is `<group slug> on <project|repository>
 * <id>` (src/sync/permission-sync.ts make); a group slug has no spaces (src/targets/group-slug.ts).
 */
export function failedGrantSlugs(audit: readonly EngineAuditEntry[]): Map<string, number> {
  const failed = new Map<string, number>();
  for (const entry of audit) {
    if (entry.outcome !== 'failed' || (entry.action !== 'put-grant' && entry.action !== 'delete-grant')) continue;
    const slug = /^(\S+) on (?:project|repository) /.exec(entry.display ?? '')?.[1];
    if (slug !== undefined) failed.set(slug, (failed.get(slug) ?? 0) + 1);
  }
  return failed;
}

/** The groups among `groups` that `pick` chooses whose outbox entry is pending: one batch read of their entries. */
export async function pendingGroups(
  store: Pick<DirectoryStore, 'pendingVersions'>,
  groups: readonly HeldGroupCandidate[],
  pick: (group: HeldGroupCandidate) => boolean,
): Promise<HeldGroupCandidate[]> {
  const candidates = groups.filter(pick);
  if (candidates.length === 0) return [];
  const pending = await store.pendingVersions(candidates.map((group) => `Group.${group.id}`));
  return candidates.filter((group) => pending.has(`Group.${group.id}`));
}

/** `applied` without the grants of the held slugs: a run given this neither changes nor removes them. */
export function withoutHeld(applied: GrantRecord, held: ReadonlySet<string>): AppliedGrants {
  const out: AppliedGrants = {};
  for (const [target, groups] of Object.entries(applied)) {
    const kept = Object.fromEntries(Object.entries(groups).filter(([slug]) => !held.has(slug)));
    if (Object.keys(kept).length > 0) out[target] = kept;
  }
  return out;
}

/** A run's record (`grants`) with the held slugs' grants of the record before it (`applied`) put back. */
export function withHeld(grants: GrantRecord, applied: GrantRecord, held: ReadonlySet<string>): AppliedGrants {
  const out: AppliedGrants = {};
  for (const [target, groups] of Object.entries(grants)) out[target] = { ...groups };
  for (const [target, groups] of Object.entries(applied))
    for (const [slug, level] of Object.entries(groups))
      if (held.has(slug)) out[target] = { ...(out[target] ?? {}), [slug]: level };
  return out;
}

/**
 * What a run that waits for groups compares against: the rules, the dry-run setting and the groups it does not wait
 * for. A run whose digest equals the one its last finished comparison recorded has nothing new to compare.
 */
export function readyDigest(
  rules: readonly PermissionRule[] | undefined,
  dryRun: boolean,
  ready: readonly HeldGroupCandidate[],
): string {
  const groups = ready.map((group) => `${group.displayName.toLowerCase()}\u0000${group.groupSlug}`).sort();
  return createHash('sha256')
    .update(JSON.stringify({ rules: rules ?? null, dryRun, groups }))
    .digest('base64url');
}

/**
 * Seconds until a run waiting for groups looks again: the quiet time of permission sync (at least a second), then a
 * quarter of how long it has waited, at most MAX_RECHECK_SECONDS; a job of groups finishing brings it sooner.
 */
export function recheckSeconds(heldForMs: number, quietSeconds: number): number {
  const grown = Math.ceil(Math.max(0, heldForMs) / 4000);
  return Math.min(MAX_RECHECK_SECONDS, Math.max(1, quietSeconds, grown));
}
