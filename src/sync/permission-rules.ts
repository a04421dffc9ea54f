/**
 * Permission rules turned into Bitbucket `permissions-config` grants, and the minimal changes that make the
 * actual grants equal the desired ones. Pure: the caller reads groups, projects, repositories and current
 * grants, and applies the changes.
 *
 * - The highest grant wins when several rules give one group access to one project or repository
 *   (repository read < write < admin; project read < write < create-repo < admin).
 * - An app-managed grant that no rule supports is revoked; a grant of a group the app does not manage is never
 *   touched, whatever the rules say.
 * - Repository patterns are globs (`*`, `?`) matched by a loop without backtracking into nested alternatives, so
 *   the cost is bounded by pattern length × slug length.
 */
import type { ProjectPermission, RepositoryPermission } from '../targets/ports';
import type { PermissionRule } from './settings';

/** Group grants per project key or repository slug: target id -> group slug -> permission. */
export type GrantMap<P extends string> = Map<string, Map<string, P>>;

/** Every group grant the rules ask for, or that Bitbucket reports. */
export interface Grants {
  readonly repositories: GrantMap<RepositoryPermission>;
  readonly projects: GrantMap<ProjectPermission>;
}

/** An app group as the rules see it: the IdP displayName the rules name, and the Bitbucket slug grants use. */
export interface RuleGroup {
  readonly displayName: string;
  readonly groupSlug: string;
}

/** A workspace project. */
export interface RuleProject {
  readonly key: string;
}

/** A workspace repository. */
export interface RuleRepository {
  readonly slug: string;
  readonly projectKey?: string | undefined;
}

const REPOSITORY_RANK: Readonly<Record<RepositoryPermission, number>> = { read: 1, write: 2, admin: 3 };
const PROJECT_RANK: Readonly<Record<ProjectPermission, number>> = { read: 1, write: 2, 'create-repo': 3, admin: 4 };

/** True when `level` is a permission a repository grant can carry. */
export function isRepositoryPermission(level: string): level is RepositoryPermission {
  return Object.prototype.hasOwnProperty.call(REPOSITORY_RANK, level);
}

/** Matches a repository slug against a glob with `*` and `?`, case-insensitively, in O(pattern × slug) time at worst. */
export function matchesGlob(pattern: string, slug: string): boolean {
  const p = pattern.toLowerCase();
  const s = slug.toLowerCase();
  let pi = 0;
  let si = 0;
  // Only the most recent `*` is ever resumed: an earlier star can absorb nothing the later one cannot, so no
  // stack of choice points is needed (the classic wildcard-matching argument).
  let starAt = -1;
  let resumeAt = 0;
  while (si < s.length) {
    const pc = p[pi];
    if (pc === '*') {
      starAt = pi;
      resumeAt = si;
      pi += 1;
    } else if (pc !== undefined && (pc === '?' || pc === s[si])) {
      pi += 1;
      si += 1;
    } else if (starAt >= 0) {
      pi = starAt + 1;
      resumeAt += 1;
      si = resumeAt;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi += 1;
  return pi === p.length;
}

function raise<P extends string>(
  map: GrantMap<P>,
  targetId: string,
  groupSlug: string,
  permission: P,
  rank: Readonly<Record<P, number>>,
): void {
  let grants = map.get(targetId);
  if (grants === undefined) {
    grants = new Map();
    map.set(targetId, grants);
  }
  const current = grants.get(groupSlug);
  if (current === undefined || rank[permission] > rank[current]) grants.set(groupSlug, permission);
}

function groupsByName(groups: readonly RuleGroup[]): Map<string, RuleGroup[]> {
  const byName = new Map<string, RuleGroup[]>();
  for (const group of groups) {
    const name = group.displayName.toLowerCase();
    byName.set(name, [...(byName.get(name) ?? []), group]);
  }
  return byName;
}

function projectsByKey(projects: readonly RuleProject[]): Map<string, string> {
  return new Map(projects.map((project) => [project.key.toLowerCase(), project.key]));
}

/** The grants the rules ask for, highest level per (target, group); rules naming unknown groups or projects contribute nothing. */
export function desiredGrants(
  rules: readonly PermissionRule[],
  groups: readonly RuleGroup[],
  projects: readonly RuleProject[],
  repositories: readonly RuleRepository[],
): Grants {
  const desired: Grants = { repositories: new Map(), projects: new Map() };
  const byName = groupsByName(groups);
  const keys = projectsByKey(projects);
  for (const rule of rules) {
    const matched = byName.get(rule.group.toLowerCase()) ?? [];
    if (matched.length === 0) continue;
    const projectKeys = rule.projects
      .map((key) => keys.get(key.toLowerCase()))
      .filter((key): key is string => key !== undefined);
    // Settings validation refuses create-repo with repository patterns; a rule that bypassed it grants nothing
    // on repositories rather than a level Bitbucket would reject.
    const repositoryLevel = isRepositoryPermission(rule.level) ? rule.level : undefined;
    const slugs =
      repositoryLevel === undefined || rule.repositories.length === 0
        ? []
        : repositories
            .filter((repository) => rule.repositories.some((pattern) => matchesGlob(pattern, repository.slug)))
            .map((r) => r.slug);
    for (const group of matched) {
      for (const key of projectKeys) raise(desired.projects, key, group.groupSlug, rule.level, PROJECT_RANK);
      if (repositoryLevel !== undefined) {
        for (const slug of slugs) raise(desired.repositories, slug, group.groupSlug, repositoryLevel, REPOSITORY_RANK);
      }
    }
  }
  return desired;
}

/** What one rule resolves to, for the admin page's preview. */
export interface RuleExplanation {
  readonly ruleId: string;
  readonly group: string;
  /** Slugs of the app groups whose displayName equals the rule's group (case-insensitively). */
  readonly groupSlugs: readonly string[];
  /** Project keys that exist in the workspace, as the workspace spells them. */
  readonly projects: readonly string[];
  /** Project keys the rule names that the workspace does not have. */
  readonly unknownProjects: readonly string[];
  /** Per pattern, the repositories it matches. */
  readonly repositoryPatterns: readonly { readonly pattern: string; readonly repositories: readonly string[] }[];
  /** Human-readable reasons the rule grants less than it names (empty when it applies in full). */
  readonly problems: readonly string[];
}

/** Resolves each rule against the workspace and the app's groups, reporting unknown groups, unknown projects and patterns that match nothing. */
export function explainRules(
  rules: readonly PermissionRule[],
  groups: readonly RuleGroup[],
  projects: readonly RuleProject[],
  repositories: readonly RuleRepository[],
): RuleExplanation[] {
  const byName = groupsByName(groups);
  const keys = projectsByKey(projects);
  return rules.map((rule) => {
    const groupSlugs = (byName.get(rule.group.toLowerCase()) ?? []).map((group) => group.groupSlug);
    const known: string[] = [];
    const unknownProjects: string[] = [];
    for (const key of rule.projects) {
      const found = keys.get(key.toLowerCase());
      if (found === undefined) unknownProjects.push(key);
      else known.push(found);
    }
    const repositoryPatterns = rule.repositories.map((pattern) => ({
      pattern,
      repositories: repositories.filter((repository) => matchesGlob(pattern, repository.slug)).map((r) => r.slug),
    }));
    const problems: string[] = [];
    if (groupSlugs.length === 0) problems.push(`No synced group is named "${rule.group}", so the rule grants nothing`);
    if (unknownProjects.length > 0)
      problems.push(`Unknown project key${unknownProjects.length === 1 ? '' : 's'}: ${unknownProjects.join(', ')}`);
    if (!isRepositoryPermission(rule.level) && rule.repositories.length > 0) {
      problems.push(`Level ${rule.level} applies to projects only; the repository patterns are ignored`);
    }
    for (const { pattern, repositories: matched } of repositoryPatterns) {
      if (matched.length === 0) problems.push(`Pattern "${pattern}" matches no repository`);
    }
    return {
      ruleId: rule.id,
      group: rule.group,
      groupSlugs,
      projects: known,
      unknownProjects,
      repositoryPatterns,
      problems,
    };
  });
}

/** A grant change on a repository. */
export type RepositoryGrantChange =
  | {
      readonly kind: 'put';
      readonly target: { readonly type: 'repository'; readonly id: string };
      readonly groupSlug: string;
      readonly permission: RepositoryPermission;
      /** The grant it replaces; absent for a new grant. */
      readonly before?: RepositoryPermission;
    }
  | {
      readonly kind: 'delete';
      readonly target: { readonly type: 'repository'; readonly id: string };
      readonly groupSlug: string;
      readonly before: RepositoryPermission;
    };

/** A grant change on a project. */
export type ProjectGrantChange =
  | {
      readonly kind: 'put';
      readonly target: { readonly type: 'project'; readonly id: string };
      readonly groupSlug: string;
      readonly permission: ProjectPermission;
      /** The grant it replaces; absent for a new grant. */
      readonly before?: ProjectPermission;
    }
  | {
      readonly kind: 'delete';
      readonly target: { readonly type: 'project'; readonly id: string };
      readonly groupSlug: string;
      readonly before: ProjectPermission;
    };

/** One `permissions-config` write: put (grant or change) or delete a group's permission on a repository or project. */
export type GrantChange = RepositoryGrantChange | ProjectGrantChange;

/** Narrows a change to a repository change (TypeScript does not narrow a union through `change.target.type`). */
export function isRepositoryChange(change: GrantChange): change is RepositoryGrantChange {
  return change.target.type === 'repository';
}

function diff<P extends string>(
  type: 'repository' | 'project',
  desired: GrantMap<P>,
  actual: GrantMap<P>,
  managed: ReadonlySet<string>,
): {
  kind: 'put' | 'delete';
  target: { type: typeof type; id: string };
  groupSlug: string;
  permission?: P;
  before?: P;
}[] {
  const out: {
    kind: 'put' | 'delete';
    target: { type: typeof type; id: string };
    groupSlug: string;
    permission?: P;
    before?: P;
  }[] = [];
  const ids = [...new Set([...desired.keys(), ...actual.keys()])].sort();
  for (const id of ids) {
    const want = desired.get(id) ?? new Map<string, P>();
    const have = actual.get(id) ?? new Map<string, P>();
    const slugs = [...new Set([...want.keys(), ...have.keys()])].sort();
    for (const groupSlug of slugs) {
      if (!managed.has(groupSlug)) continue;
      const permission = want.get(groupSlug);
      const before = have.get(groupSlug);
      if (permission === before) continue;
      const target = { type, id };
      if (permission === undefined) out.push({ kind: 'delete', target, groupSlug, before });
      else
        out.push(
          before === undefined
            ? { kind: 'put', target, groupSlug, permission }
            : { kind: 'put', target, groupSlug, permission, before },
        );
    }
  }
  return out;
}

/**
 * The minimal changes that turn `actual` into `desired` for the groups in `managedGroupSlugs`: a put for each
 * missing or different grant, a delete for each managed grant no rule supports, nothing for equal grants and
 * nothing at all for other groups. Changes come sorted by target type (projects first), target id and group slug.
 */
export function planGrantChanges(
  desired: Grants,
  actual: Grants,
  managedGroupSlugs: ReadonlySet<string>,
): GrantChange[] {
  return [
    ...(diff('project', desired.projects, actual.projects, managedGroupSlugs) as ProjectGrantChange[]),
    ...(diff('repository', desired.repositories, actual.repositories, managedGroupSlugs) as RepositoryGrantChange[]),
  ];
}
