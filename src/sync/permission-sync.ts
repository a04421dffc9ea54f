/**
 * Permission sync: turns the permission rules into Bitbucket `permissions-config` grants for the app's groups
 * and applies the minimal changes. The app only ever changes or removes a grant it made itself: it keeps a
 * record of the grants it applied (target -> group slug -> level), and a grant on Bitbucket that differs from
 * that record belongs to somebody else and is left alone. Only the targets the rules name or the record holds
 * are read, so the cost follows the rules, not the size of the workspace.
 *
 * A run compares one target at a time, in key order: it reads the target's group permissions and applies that
 * target's changes before it reads the next, so every change is made from a read of the same job. When the
 * invocation's budget (src/sync/call-budget.ts) cannot hold another target, the run stops between two targets (or
 * between two changes of one, which the next job then reads again) and hands its place to the next job
 * (src/sync/permission-pass.ts). A plan for the rule preview or the access review reads every target at once.
 */
import { createHash } from 'node:crypto';
import type { BitbucketPermissions, ProjectPermission, RepositoryPermission } from '../targets/ports';
import { TargetError } from '../targets/ports';
import { budgetAllows } from './call-budget';
import { appendCalls, MILLIS_PER_CHANGE } from './resource-budget';
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
  type RuleProject,
  type RuleRepository,
} from './permission-rules';
import type { PermissionRule } from './settings';
import type { EngineAuditEntry, PermissionSync, PermissionSyncResult } from './engine-ports';
import { nextTarget, passToGoOn, type PermissionPass } from './permission-pass';
import { errorChain } from './sync-error';

/** Applied grants as the sync link stores them: `project:<key>` or `repository:<slug>` -> group slug -> level. */
export type AppliedGrants = Record<string, Record<string, string>>;

type Target = { readonly type: 'project' | 'repository'; readonly id: string };

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
 * Calls to keep for one more grant change: its write, then what the job ends with (the Bitbucket token's usage, a
 * read and a write, and the Permissions link); its audit entries are counted apart (appendCalls).
 */
const CALLS_PER_GRANT = 4;
/** Calls reading one target's group permissions may take: its page, and a retry. */
const CALLS_PER_READ = 2;
/** The write that keeps the run's pass for the next job, or forgets it (src/sync/permission-pass.ts). */
const CALLS_FOR_PASS = 1;

/** The record key of a target. */
export function targetKey(target: { type: 'project' | 'repository'; id: string }): string {
  return `${target.type}:${target.id}`;
}

function parseTargetKey(key: string): Target | undefined {
  const at = key.indexOf(':');
  const type = key.slice(0, at);
  return type === 'project' || type === 'repository' ? { type, id: key.slice(at + 1) } : undefined;
}

function pairKey(target: Target, slug: string): string {
  return `${targetKey(target)}|${slug}`;
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

/** What a plan or a run works from: the desired grants, the groups the app manages and the targets to compare. */
interface Survey {
  readonly projects: readonly RuleProject[];
  readonly repositories: readonly RuleRepository[];
  readonly desired: Grants;
  /**
   * The app's groups the rules name and every group its record names: only their grants are the app's business (a
   * target's other grants are never compared: compareTarget goes over the desired and recorded slugs only).
   */
  readonly managed: ReadonlySet<string>;
  /** Every target the rules or the record name, by key in key order, and whether it is still in the workspace. */
  readonly targets: ReadonlyMap<string, { readonly target: Target; readonly exists: boolean }>;
}

/** One target's comparison: its pairs, the changes the app may make, and its record (group slug -> level) before them. */
interface TargetComparison {
  readonly grants: readonly PlannedGrant[];
  readonly changes: readonly GrantChange[];
  readonly record: Readonly<Record<string, string>>;
}

/** The grants of `grants` on one target only. */
function onTarget(grants: Grants, target: Target): Grants {
  const pick = <P extends string>(map: GrantMap<P>): GrantMap<P> => {
    const inner = map.get(target.id);
    return inner ? new Map([[target.id, inner]]) : new Map<string, Map<string, P>>();
  };
  return target.type === 'project'
    ? { projects: pick(grants.projects), repositories: new Map() }
    : { projects: new Map(), repositories: pick(grants.repositories) };
}

/** A digest of the desired grants: a pass holds while it is unchanged (src/sync/permission-pass.ts). */
function digestOf(desired: Grants): string {
  const hash = createHash('sha256');
  for (const [type, map] of [
    ['project', desired.projects],
    ['repository', desired.repositories],
  ] as const)
    for (const id of [...map.keys()].sort())
      for (const [slug, level] of [...(map.get(id) ?? new Map<string, string>())].sort(byFirst))
        hash.update(`${type}\u0000${id}\u0000${slug}\u0000${level}\n`);
  return hash.digest('base64url');
}

/** Puts a target's record (group slug -> level) into `record`, or takes the target out when it holds none. */
function setRecord(record: AppliedGrants, key: string, groups: Readonly<Record<string, string>>): void {
  if (Object.keys(groups).length === 0) delete record[key];
  else record[key] = { ...groups };
}

/**
 * Compares one target: what the rules want on it, what Bitbucket has (`actual`, group slug -> level) and what the app
 * recorded (`mine`). A change is the app's only when Bitbucket has no grant for the group or has the app's own.
 */
function compareTarget(
  survey: Survey,
  target: Target,
  actual: ReadonlyMap<string, string>,
  mine: Readonly<Record<string, string>> | undefined,
): TargetComparison {
  const desired = onTarget(survey.desired, target);
  const current: Grants = { projects: new Map(), repositories: new Map() };
  for (const [slug, level] of actual)
    if (target.type === 'project') put(current.projects, target.id, slug, level as ProjectPermission);
    else put(current.repositories, target.id, slug, level as RepositoryPermission);
  const bySlug = new Map(
    planGrantChanges(desired, current, survey.managed).map((change) => [change.groupSlug, change]),
  );
  const wanted: ReadonlyMap<string, string> =
    (target.type === 'project' ? desired.projects : desired.repositories).get(target.id) ?? new Map<string, string>();
  const slugs = new Set([...wanted.keys()].filter((slug) => survey.managed.has(slug)));
  for (const slug of Object.keys(mine ?? {})) slugs.add(slug);
  const record: Record<string, string> = { ...(mine ?? {}) };
  const grants: PlannedGrant[] = [];
  const changes: GrantChange[] = [];
  for (const slug of [...slugs].sort()) {
    const want = wanted.get(slug);
    const have = actual.get(slug);
    const own = mine?.[slug];
    const change = bySlug.get(slug);
    let action: PlannedGrant['action'] = 'none';
    if (change) {
      // Writing over (or removing) a grant is only the app's business when the grant is the one it made (a
      // delete always has a grant to remove, so it is the app's only when the app's record holds that grant).
      const ours = have === undefined || have === own;
      if (!ours) action = 'foreign';
      else {
        action = change.kind;
        changes.push(change);
      }
    } else if (want !== undefined && have === want) {
      record[slug] = want;
    } else if (have === undefined) {
      delete record[slug];
    }
    grants.push({
      target,
      groupSlug: slug,
      ...(want !== undefined ? { desired: want } : {}),
      ...(have !== undefined ? { current: have } : {}),
      ...(own !== undefined ? { applied: own } : {}),
      action,
    });
  }
  return { grants, changes, record };
}

function byFirst<T>([a]: readonly [string, T], [b]: readonly [string, T]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Plans and applies permission grants against one Bitbucket workspace. */
export class PermissionSyncer implements PermissionSync {
  constructor(
    private readonly bitbucket: BitbucketPermissions,
    private readonly rules: readonly PermissionRule[],
    /** The workspace the grants are in: a run's pass holds only for it (passStamp). */
    private readonly workspace = '',
  ) {}

  /** Reads what the plan needs from Bitbucket (every target, whatever the budget) and plans; writes nothing. */
  async plan(
    groups: readonly RuleGroup[],
    applied: AppliedGrants,
    rules: readonly PermissionRule[] = this.rules,
  ): Promise<PermissionPlan> {
    const survey = await this.survey(groups, applied, rules);
    const explanations = explainRules(rules, groups, survey.projects, survey.repositories);
    const nextApplied = copyApplied(applied);
    const grants: [string, PlannedGrant][] = [];
    const changes: [string, GrantChange][] = [];
    for (const [key, { target, exists }] of survey.targets) {
      // A deleted project or repository took its grants with it; there is nothing to read or revoke.
      const compared = compareTarget(survey, target, exists ? await this.read(target) : new Map(), applied[key]);
      for (const grant of compared.grants) grants.push([pairKey(grant.target, grant.groupSlug), grant]);
      for (const change of compared.changes) changes.push([pairKey(change.target, change.groupSlug), change]);
      setRecord(nextApplied, key, compared.record);
    }
    return {
      grants: grants.sort(byFirst).map(([, grant]) => grant),
      changes: changes.sort(byFirst).map(([, change]) => change),
      explanations,
      nextApplied,
    };
  }

  /** What a run's pass is made for: the rules, the dry-run setting and the workspace (src/sync/permission-pass.ts). */
  passStamp(dryRun: boolean): string {
    return createHash('sha256')
      .update(JSON.stringify({ rules: this.rules, dryRun, workspace: this.workspace }))
      .digest('base64url');
  }

  /**
   * Compares the targets one by one and applies each one's changes (or records them as planned in dry-run), going on
   * from `kept`, the pass an earlier job left. When the budget cannot hold another target the result carries the pass
   * to keep for the next job; without one, the run finished, and `totals` counts the whole pass. A rate limit, or a
   * target that cannot be read, stops the run with what it applied so far (interruptedBy).
   */
  async run(
    groups: readonly RuleGroup[],
    applied: AppliedGrants,
    dryRun: boolean,
    kept?: PermissionPass,
  ): Promise<PermissionSyncResult> {
    const survey = await this.survey(groups, applied, this.rules);
    let pass = passToGoOn(kept, this.passStamp(dryRun), digestOf(survey.desired));
    const keys = [...survey.targets.keys()];
    const record = copyApplied(applied);
    const audit: EngineAuditEntry[] = [];
    let failed = 0;
    let read = false;
    const stop = (interruptedBy?: TargetError): PermissionSyncResult => ({
      grants: dryRun ? applied : record,
      audit,
      failed,
      pass,
      targets: keys.length,
      ...(interruptedBy ? { interruptedBy } : {}),
    });
    for (let next = nextTarget(keys, pass); next !== undefined; next = nextTarget(keys, pass)) {
      const entry = survey.targets.get(next.key);
      if (!entry) break;
      // After one target at least, the run stops when the invocation's budget cannot hold another with one change.
      const cost = CALLS_PER_READ + CALLS_PER_GRANT + appendCalls(audit.length + 1) + CALLS_FOR_PASS;
      if (read && entry.exists && !budgetAllows(cost, MILLIS_PER_CHANGE)) return stop();
      let actual: ReadonlyMap<string, string> = new Map();
      try {
        if (entry.exists) actual = await this.read(entry.target);
      } catch (error) {
        if (error instanceof TargetError) return stop(error);
        throw error;
      }
      read ||= entry.exists;
      const compared = compareTarget(survey, entry.target, actual, applied[next.key]);
      if (!dryRun) setRecord(record, next.key, compared.record);
      for (const [index, change] of compared.changes.entries()) {
        // The target's other changes wait for the next job, which reads it again (what this one applied is adopted).
        if (!dryRun && index > 0 && !budgetAllows(CALLS_PER_GRANT + appendCalls(audit.length + 1) + CALLS_FOR_PASS))
          return stop();
        const outcome = await this.make(change, dryRun, record, audit);
        if (outcome instanceof TargetError) return stop(outcome);
        if (outcome === 'failed') failed += 1;
        pass = { ...pass, planned: pass.planned + 1, failed: pass.failed + (outcome === 'failed' ? 1 : 0) };
      }
      pass = { ...pass, after: next.key, compared: pass.compared + 1, ...(next.wrapped ? { wrapped: true } : {}) };
    }
    return {
      grants: dryRun ? applied : record,
      audit,
      failed,
      targets: keys.length,
      totals: { planned: pass.planned, failed: pass.failed },
    };
  }

  /** Every target the rules or the record name, with the desired grants, from the workspace's listings. */
  private async survey(
    groups: readonly RuleGroup[],
    applied: AppliedGrants,
    rules: readonly PermissionRule[],
  ): Promise<Survey> {
    const [projects, repositories] = await Promise.all([
      this.bitbucket.listProjects(),
      this.bitbucket.listRepositories(),
    ]);
    const desired = desiredGrants(rules, groups, projects, repositories);
    const existingProjects = new Set(projects.map((p) => p.key));
    const existingRepositories = new Set(repositories.map((r) => r.slug));
    const found = new Map<string, Target>();
    for (const id of desired.projects.keys()) found.set(targetKey({ type: 'project', id }), { type: 'project', id });
    for (const id of desired.repositories.keys())
      found.set(targetKey({ type: 'repository', id }), { type: 'repository', id });
    for (const key of Object.keys(applied)) {
      const target = parseTargetKey(key);
      if (target) found.set(key, target);
    }
    const targets = new Map(
      [...found].sort(byFirst).map(([key, target]) => {
        const exists =
          target.type === 'project' ? existingProjects.has(target.id) : existingRepositories.has(target.id);
        return [key, { target, exists }] as const;
      }),
    );
    const managed = new Set(groups.map((g) => g.groupSlug));
    for (const groupsOfTarget of Object.values(applied))
      for (const slug of Object.keys(groupsOfTarget)) managed.add(slug);
    return { projects, repositories, desired, managed, targets };
  }

  /** A target's group grants on Bitbucket: group slug -> level. */
  private async read(target: Target): Promise<Map<string, string>> {
    const grants =
      target.type === 'project'
        ? await this.bitbucket.listProjectGroupPermissions(target.id)
        : await this.bitbucket.listRepositoryGroupPermissions(target.id);
    return new Map(grants.map((grant) => [grant.groupSlug, grant.permission]));
  }

  /**
   * Makes one change (in dry-run, records it as planned) and its audit entry, and keeps what it applied in `record`;
   * a rate limit is returned, not recorded: the run stops there.
   */
  private async make(
    change: GrantChange,
    dryRun: boolean,
    record: AppliedGrants,
    audit: EngineAuditEntry[],
  ): Promise<'applied' | 'planned' | 'failed' | TargetError> {
    const key = targetKey(change.target);
    const after = change.kind === 'put' ? change.permission : undefined;
    const entry = {
      action: change.kind === 'put' ? ('put-grant' as const) : ('delete-grant' as const),
      resourceKey: `Permissions.${key}`,
      display: `${change.groupSlug} on ${change.target.type} ${change.target.id}`,
      before: change.before,
      after,
    };
    if (dryRun) {
      audit.push({ ...entry, outcome: 'planned' });
      return 'planned';
    }
    try {
      await this.apply(change);
      setApplied(record, key, change.groupSlug, after);
      audit.push({ ...entry, outcome: 'applied' });
      return 'applied';
    } catch (error) {
      if (error instanceof TargetError && error.kind === 'rate-limited') return error;
      audit.push({ ...entry, outcome: 'failed', detail: errorChain(error) });
      return 'failed';
    }
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
