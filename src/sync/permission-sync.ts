/**
 * Permission sync: turns the permission rules into Bitbucket `permissions-config` grants for the app's groups
 * and applies the minimal changes. The app only ever changes or removes a grant it made itself: it keeps a
 * record of the grants it applied (target -> group slug -> level), and a grant on Bitbucket that differs from
 * that record belongs to somebody else and is left alone. Only the targets the rules name or the record holds
 * are read, so the cost follows the rules, not the size of the workspace.
 */
import { createHash } from 'node:crypto';
import type { BitbucketPermissions, ProjectPermission, RepositoryPermission } from '../targets/ports';
import { TargetError } from '../targets/ports';
import { budgetAllows } from './call-budget';
import { appendCalls } from './resource-budget';
import {
  desiredGrants,
  explainRules,
  isRepositoryChange,
  planGrantChanges,
  type GrantChange,
  type GrantMap,
  type Grants,
  type RuleExplanation,
  type RuleGroup,
} from './permission-rules';
import type { PermissionRule } from './settings';
import type { EngineAuditEntry, PermissionSync, PermissionSyncResult } from './engine-ports';
import type { CarriedGrants } from './permission-carry';
import { errorChain } from './sync-error';

/** Applied grants as the sync link stores them: `project:<key>` or `repository:<slug>` -> group slug -> level. */
export type AppliedGrants = Record<string, Record<string, string>>;

/** One (target, group) pair of a plan, with what the rules want, what Bitbucket has and what the app recorded. */
export interface PlannedGrant {
  readonly target: { readonly type: 'project' | 'repository'; readonly id: string };
  readonly groupSlug: string;
  readonly desired?: string;
  readonly current?: string;
  readonly applied?: string;
  /** What the sync does: write the desired level, remove the app's grant, nothing, or nothing because the grant is not the app's. */
  readonly action: 'put' | 'delete' | 'none' | 'foreign';
}

/** A full permission plan: every pair the rules or the record name, the changes to apply and the rule explanations. */
export interface PermissionPlan {
  readonly grants: readonly PlannedGrant[];
  readonly changes: readonly GrantChange[];
  readonly explanations: readonly RuleExplanation[];
  /** The record after the plan's changes succeed (grants equal on both sides are adopted; vanished ones dropped). */
  readonly nextApplied: AppliedGrants;
}

/**
 * Calls to keep for one more grant change: its write, then what the run ends with (the Bitbucket token's usage, a
 * read and a write, and the Permissions link); its audit entries are counted apart (appendCalls).
 */
const CALLS_PER_GRANT = 4;
/** The write that carries a cut-short run's rest to the next job (src/sync/permission-carry.ts). */
const CALLS_TO_CARRY = 1;

/** The record key of a target. */
export function targetKey(target: { type: 'project' | 'repository'; id: string }): string {
  return `${target.type}:${target.id}`;
}

function parseTargetKey(key: string): { type: 'project' | 'repository'; id: string } | undefined {
  const at = key.indexOf(':');
  const type = key.slice(0, at);
  return type === 'project' || type === 'repository' ? { type, id: key.slice(at + 1) } : undefined;
}

function pairKey(target: { type: 'project' | 'repository'; id: string }, slug: string): string {
  return `${targetKey(target)}|${slug}`;
}

function byKey<T>([a]: [string, T], [b]: [string, T]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function put<P extends string>(map: GrantMap<P>, id: string, slug: string, level: P): void {
  const inner = map.get(id) ?? new Map<string, P>();
  inner.set(slug, level);
  map.set(id, inner);
}

function copyApplied(applied: AppliedGrants): AppliedGrants {
  const out: AppliedGrants = {};
  for (const [key, groups] of Object.entries(applied)) out[key] = { ...groups };
  return out;
}

function setApplied(record: AppliedGrants, key: string, slug: string, level: string | undefined): void {
  const groups = { ...(record[key] ?? {}) };
  if (level === undefined) delete groups[slug];
  else groups[slug] = level;
  if (Object.keys(groups).length === 0) delete record[key];
  else record[key] = groups;
}

/** Plans and applies permission grants against one Bitbucket workspace. */
export class PermissionSyncer implements PermissionSync {
  constructor(
    private readonly bitbucket: BitbucketPermissions,
    private readonly rules: readonly PermissionRule[],
  ) {}

  /** Reads what the plan needs from Bitbucket and plans; writes nothing. */
  async plan(
    groups: readonly RuleGroup[],
    applied: AppliedGrants,
    rules: readonly PermissionRule[] = this.rules,
  ): Promise<PermissionPlan> {
    const [projects, repositories] = await Promise.all([
      this.bitbucket.listProjects(),
      this.bitbucket.listRepositories(),
    ]);
    const desired = desiredGrants(rules, groups, projects, repositories);
    const explanations = explainRules(rules, groups, projects, repositories);
    const existingProjects = new Set(projects.map((p) => p.key));
    const existingRepositories = new Set(repositories.map((r) => r.slug));
    const targets = new Map<string, { type: 'project' | 'repository'; id: string }>();
    for (const id of desired.projects.keys()) targets.set(targetKey({ type: 'project', id }), { type: 'project', id });
    for (const id of desired.repositories.keys())
      targets.set(targetKey({ type: 'repository', id }), { type: 'repository', id });
    for (const key of Object.keys(applied)) {
      const target = parseTargetKey(key);
      if (target) targets.set(key, target);
    }
    const actual: Grants = { projects: new Map(), repositories: new Map() };
    for (const [, target] of [...targets].sort(byKey)) {
      const exists = target.type === 'project' ? existingProjects.has(target.id) : existingRepositories.has(target.id);
      // A deleted project or repository took its grants with it; there is nothing to read or revoke.
      if (!exists) continue;
      if (target.type === 'project') {
        for (const grant of await this.bitbucket.listProjectGroupPermissions(target.id))
          put(actual.projects, target.id, grant.groupSlug, grant.permission);
      } else {
        for (const grant of await this.bitbucket.listRepositoryGroupPermissions(target.id))
          put(actual.repositories, target.id, grant.groupSlug, grant.permission);
      }
    }
    const managed = new Set(groups.map((g) => g.groupSlug));
    for (const groupsOfTarget of Object.values(applied))
      for (const slug of Object.keys(groupsOfTarget)) managed.add(slug);
    const candidates = planGrantChanges(desired, actual, managed);
    const byPair = new Map(candidates.map((change) => [pairKey(change.target, change.groupSlug), change]));
    const nextApplied = copyApplied(applied);
    const grants: PlannedGrant[] = [];
    const changes: GrantChange[] = [];
    const pairs = new Map<string, { target: { type: 'project' | 'repository'; id: string }; slug: string }>();
    const addPairs = (type: 'project' | 'repository', map: GrantMap<string>): void => {
      for (const [id, inner] of map)
        for (const slug of inner.keys())
          if (managed.has(slug)) pairs.set(pairKey({ type, id }, slug), { target: { type, id }, slug });
    };
    addPairs('project', desired.projects);
    addPairs('repository', desired.repositories);
    for (const [key, groupsOfTarget] of Object.entries(applied)) {
      const target = parseTargetKey(key);
      if (target) for (const slug of Object.keys(groupsOfTarget)) pairs.set(pairKey(target, slug), { target, slug });
    }
    for (const [pair, { target, slug }] of [...pairs].sort(byKey)) {
      const key = targetKey(target);
      const want = (target.type === 'project' ? desired.projects : desired.repositories).get(target.id)?.get(slug);
      const have = (target.type === 'project' ? actual.projects : actual.repositories).get(target.id)?.get(slug);
      const mine = applied[key]?.[slug];
      const change = byPair.get(pair);
      let action: PlannedGrant['action'] = 'none';
      if (change) {
        // Writing over (or removing) a grant is only the app's business when the grant is the one it made (a
        // delete always has a grant to remove, so it is the app's only when the app's record holds that grant).
        const ours = have === undefined || have === mine;
        if (!ours) action = 'foreign';
        else {
          action = change.kind;
          changes.push(change);
        }
      } else if (want !== undefined && have === want) {
        setApplied(nextApplied, key, slug, want);
      } else if (have === undefined) {
        setApplied(nextApplied, key, slug, undefined);
      }
      grants.push({
        target,
        groupSlug: slug,
        ...(want !== undefined ? { desired: want } : {}),
        ...(have !== undefined ? { current: have } : {}),
        ...(mine !== undefined ? { applied: mine } : {}),
        action,
      });
    }
    return { grants, changes, explanations, nextApplied };
  }

  /** What a plan is made for: the rules (a carried plan holds only while they are unchanged). */
  rulesStamp(): string {
    return createHash('sha256').update(JSON.stringify(this.rules)).digest('base64url');
  }

  /**
   * Plans, then applies each change (or records it as planned in dry-run); a rate limit stops the run and is rethrown.
   * With `carried` changes of the same stamp it applies those instead of planning (no Bitbucket reads); a run its
   * budget cuts short returns the rest to carry.
   */
  async run(
    groups: readonly RuleGroup[],
    applied: AppliedGrants,
    dryRun: boolean,
    carried?: CarriedGrants,
  ): Promise<PermissionSyncResult> {
    // A carry holds while the rules and every group its changes name (slug and displayName, which the rules match)
    // are unchanged; groups that appeared since are the fresh comparison's, after the carry.
    const stamp = this.rulesStamp();
    const current = new Map(groups.map((group) => [group.groupSlug, groupEntry(group)]));
    const fromCarry =
      !dryRun &&
      carried !== undefined &&
      carried.stamp === stamp &&
      carried.groups.every((entry) => current.get(entry.slice(0, entry.indexOf('\u0000'))) === entry);
    const plan = fromCarry ? { changes: carried.changes, nextApplied: applied } : await this.plan(groups, applied);
    const record = copyApplied(plan.nextApplied);
    const audit: EngineAuditEntry[] = [];
    let failed = 0;
    for (const [index, change] of plan.changes.entries()) {
      // After one change at least, the run stops when the invocation's budget is spent; the next job applies the rest.
      if (!dryRun && index > 0 && !budgetAllows(CALLS_PER_GRANT + appendCalls(audit.length + 1) + CALLS_TO_CARRY))
        return {
          grants: record,
          audit,
          failed,
          left: plan.changes.length - index,
          carry: carryOf(stamp, plan.changes.slice(index), current),
          fromCarry,
        };
      const key = targetKey(change.target);
      const resourceKey = `Permissions.${key}`;
      const display = `${change.groupSlug} on ${change.target.type} ${change.target.id}`;
      const after = change.kind === 'put' ? change.permission : undefined;
      const entryBase = {
        action: change.kind === 'put' ? ('put-grant' as const) : ('delete-grant' as const),
        resourceKey,
        display,
        before: change.before,
        after,
      };
      if (dryRun) {
        audit.push({ ...entryBase, outcome: 'planned' });
        continue;
      }
      try {
        await this.apply(change);
        setApplied(record, key, change.groupSlug, after);
        audit.push({ ...entryBase, outcome: 'applied' });
      } catch (error) {
        if (error instanceof TargetError && error.kind === 'rate-limited') {
          return { grants: record, audit, failed, interruptedBy: error };
        }
        failed += 1;
        audit.push({ ...entryBase, outcome: 'failed', detail: errorChain(error) });
      }
    }
    return { grants: dryRun ? applied : record, audit, failed, fromCarry };
  }

  private async apply(change: GrantChange): Promise<void> {
    if (isRepositoryChange(change)) {
      if (change.kind === 'put')
        await this.bitbucket.putRepositoryGroupPermission(
          change.target.id,
          change.groupSlug,
          change.permission as RepositoryPermission,
        );
      else await this.bitbucket.deleteRepositoryGroupPermission(change.target.id, change.groupSlug);
      return;
    }
    if (change.kind === 'put')
      await this.bitbucket.putProjectGroupPermission(
        change.target.id,
        change.groupSlug,
        change.permission as ProjectPermission,
      );
    else await this.bitbucket.deleteProjectGroupPermission(change.target.id, change.groupSlug);
  }
}

/** How a carry names an app group: its slug and displayName. */
function groupEntry(group: RuleGroup): string {
  return `${group.groupSlug}\u0000${group.displayName}`;
}

/** The rest of a run to carry: its changes, and the app groups (as groupEntry) they name. */
function carryOf(stamp: string, changes: readonly GrantChange[], current: ReadonlyMap<string, string>): CarriedGrants {
  const named = new Set<string>();
  for (const change of changes) {
    const entry = current.get(change.groupSlug);
    if (entry !== undefined) named.add(entry);
  }
  return { stamp, groups: [...named].sort(), changes };
}
