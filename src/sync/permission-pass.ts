/**
 * A permission run's pass over the projects and repositories it compares, kept between jobs on a plain KVS key. A run
 * reads each target's group permissions (one Bitbucket request each) and applies that target's changes at once, in key
 * order, while the invocation's budget allows; past about 70 targets one invocation cannot hold them all (Forge's 100
 * outbound requests, src/sync/call-budget.ts), so the pass records the last target it compared and the next job goes
 * on after it. Nothing read is kept: each target is compared and repaired in the job that read it, so no change is
 * made from a read older than the job (the app never changes a grant that is not its own: src/sync/permission-sync.ts).
 *
 * The run is finished when every target has been compared against the same desired grants. When the desired grants
 * change while a pass goes on (an app group appeared, was renamed or left, a repository appeared), the targets compared
 * before were compared against the old ones: the pass then goes on around, past the last target back to the first,
 * until it reaches again the target it had compared last when it saw the change (`until`), so every target is compared
 * once more against the new grants, and none twice. A pass made for other rules, another dry-run setting or another
 * workspace (its stamp), or older than PERMISSION_PASS_MAX_AGE_MS, is not continued: the run starts a new one.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ForgeKvs } from '../storage/kvs-port';
import type { RuleGroup } from './permission-rules';

/** An app group the rules name: its id, the displayName they name it by and its Bitbucket slug. */
export interface NamedGroup extends RuleGroup {
  readonly id: string;
}

const KEY = 'pass:Permissions.all';
const GROUPS_KEY = 'pass:Permissions.groups';
/**
 * A token group sync replaces whenever the app's groups change (src/sync/group-sync.ts, src/sync/sync-engine.ts): the groups
 * kept under GROUPS_KEY hold while it is the one they were read under. A key of its own, written by nothing else, so
 * no read-modify-write of the Permissions link (which a run writes back whole) can bring an older value back.
 */
const GROUPS_CHANGED_KEY = 'pass:Permissions.groups-changed';
/**
 * How long the groups the rules name are reused while the app's groups have not changed (GROUPS_CHANGED_KEY); a
 * change nothing marked shows within this.
 */
export const RULE_GROUPS_MAX_AGE_MS = 10 * 60_000;
/** Largest list of rule groups kept (UTF-8 JSON); a longer one is read again in each job. */
const MAX_GROUPS_BYTES = 100 * 1024;

/** The rule groups a job read, with what they were read for. */
interface KeptGroups {
  readonly names: string;
  readonly changedAt: string;
  readonly savedAt: number;
  readonly groups: readonly NamedGroup[];
}

/** A digest of the names the rules ask for, as they are compared (case-insensitively). */
function namesDigest(names: readonly string[]): string {
  const folded = [...new Set(names.map((name) => name.toLowerCase()))].sort();
  return createHash('sha256').update(folded.join('\u0000')).digest('base64url');
}
/** How long a pass may be continued; an older one starts again (its comparisons would be reported as the run's). */
export const PERMISSION_PASS_MAX_AGE_MS = 30 * 60_000;
/** Plain KVS keys of a pass expire after this. */
const PASS_TTL_SECONDS = 3_600;

/** Where a pass stands; see the module comment. */
export interface PermissionPass {
  /** What the pass was made for: the rules, the dry-run setting and the workspace (src/sync/permission-sync.ts passStamp). */
  readonly stamp: string;
  /** The desired grants the targets compared so far were compared against (a digest). */
  readonly desired: string;
  /** The key of the last target compared (`project:<key>` or `repository:<slug>`); none before the first. */
  readonly after?: string;
  /** Set when the pass began at a target other than the first: it ends once it is back at this key. */
  readonly until?: string;
  /** Whether a pass with `until` has gone past the last target back to the first. */
  readonly wrapped?: boolean;
  /** Targets compared in this pass so far. */
  readonly compared: number;
  /** Grant changes this pass made (or planned, in dry-run) and those that failed. */
  readonly planned: number;
  readonly failed: number;
  /** When the pass began (epoch ms); set when the pass is first saved. */
  readonly startedAt?: number;
}

/**
 * The target a pass compares next, out of every target's key in key order, and whether it wrapped around to reach it;
 * undefined when the pass has compared them all.
 */
export function nextTarget(
  keys: readonly string[],
  pass: Pick<PermissionPass, 'after' | 'until' | 'wrapped'>,
): { key: string; wrapped: boolean } | undefined {
  const { after, until } = pass;
  const ahead = keys.find((key) => after === undefined || key > after);
  if (until === undefined) return ahead === undefined ? undefined : { key: ahead, wrapped: false };
  if (!pass.wrapped) {
    if (ahead !== undefined) return { key: ahead, wrapped: false };
    const first = keys[0];
    return first !== undefined && first <= until ? { key: first, wrapped: true } : undefined;
  }
  return ahead !== undefined && ahead <= until ? { key: ahead, wrapped: true } : undefined;
}

/**
 * The pass to go on with: `kept` when it was made for `stamp`; when the desired grants changed since, the same place
 * with a pass that goes around from there (counts restarted); otherwise a new pass from the first target.
 */
export function passToGoOn(kept: PermissionPass | undefined, stamp: string, desired: string): PermissionPass {
  if (kept === undefined || kept.stamp !== stamp) return { stamp, desired, compared: 0, planned: 0, failed: 0 };
  if (kept.desired === desired) return kept;
  // Nothing compared yet: a plain pass from the first target covers every one.
  const from = kept.after;
  return from === undefined
    ? { stamp, desired, compared: 0, planned: 0, failed: 0 }
    : { stamp, desired, after: from, until: from, compared: 0, planned: 0, failed: 0 };
}

/**
 * The permission run's pass on a plain KVS key (`pass:Permissions.all`), kept an hour at most, and the groups its rules
 * name as a job read them (`pass:Permissions.groups`).
 */
export class PermissionPasses {
  constructor(private readonly kvs: Pick<ForgeKvs, 'get' | 'set' | 'delete'>) {}

  /** The pass the last job left, when young enough (the run checks what it was made for: passToGoOn). */
  async take(now: number): Promise<PermissionPass | undefined> {
    const kept = await this.kvs.get<PermissionPass>(KEY);
    if (
      !kept ||
      typeof kept.stamp !== 'string' ||
      typeof kept.desired !== 'string' ||
      typeof kept.startedAt !== 'number' ||
      typeof kept.compared !== 'number'
    )
      return undefined;
    if (now - kept.startedAt > PERMISSION_PASS_MAX_AGE_MS || now < kept.startedAt) return undefined;
    return kept;
  }

  /** Keeps a pass for the next job; one not saved before begins now. */
  async save(pass: PermissionPass, now: number): Promise<void> {
    const kept: PermissionPass = { ...pass, startedAt: pass.startedAt ?? now };
    await this.kvs.set(KEY, kept, { ttl: { value: PASS_TTL_SECONDS, unit: 'SECONDS' } });
  }

  /**
   * The groups a job of this run read for the same `names`, while the app's groups have not changed since
   * (`changedAt`, the groupsChangedToken read before them) and for RULE_GROUPS_MAX_AGE_MS at most: at 500 rules,
   * reading them costs 40 of a job's requests, which the run's targets need (bench/forge-cycle.ts).
   */
  async keptGroups(
    names: readonly string[],
    changedAt: string,
    now: number,
  ): Promise<readonly NamedGroup[] | undefined> {
    const kept = await this.kvs.get<KeptGroups>(GROUPS_KEY);
    if (!kept || !Array.isArray(kept.groups) || typeof kept.savedAt !== 'number') return undefined;
    if (kept.names !== namesDigest(names) || kept.changedAt !== changedAt) return undefined;
    if (now - kept.savedAt > RULE_GROUPS_MAX_AGE_MS || now < kept.savedAt) return undefined;
    return kept.groups;
  }

  /** Keeps the groups read for `names` for the run's next jobs (see keptGroups); a list too long is not kept. */
  async keepGroups(
    names: readonly string[],
    changedAt: string,
    groups: readonly NamedGroup[],
    now: number,
  ): Promise<void> {
    const kept: KeptGroups = { names: namesDigest(names), changedAt, savedAt: now, groups };
    if (Buffer.byteLength(JSON.stringify(kept), 'utf8') > MAX_GROUPS_BYTES) return;
    await this.kvs.set(GROUPS_KEY, kept, { ttl: { value: PASS_TTL_SECONDS, unit: 'SECONDS' } });
  }

  /** The token of the app's groups as they are now; read before the groups, so a change after it shows next time. */
  async groupsChangedToken(): Promise<string> {
    return (await this.kvs.get<string>(GROUPS_CHANGED_KEY)) ?? '';
  }

  /** Marks that the app's groups changed: groups kept before are read again. */
  async noteGroupsChanged(): Promise<void> {
    await this.kvs.set(GROUPS_CHANGED_KEY, randomUUID());
  }

  /** Forgets the pass (the run finished, or it is no longer to be continued). */
  async drop(): Promise<void> {
    await this.kvs.delete(KEY);
  }
}
