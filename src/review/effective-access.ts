/**
 * Effective access, computed: for every repository and project, every person who can reach it, by which paths and
 * at which level. A person's level is the highest of workspace administration; a project grant, inherited by the
 * project's repositories; a repository grant; the same through a group; and a public repository's read access for
 * everyone (issue 17, "What access is"). Each path carries its origin: the rule that made it, the app's grant
 * changed by hand, or not made by the app. Pure: the reader gathers ReviewInputs, this turns them into entries.
 */
import type {
  AccessEntry,
  AccessLevel,
  AccessPath,
  IdpIdentity,
  PathKind,
  PathOrigin,
  ReviewAccount,
  ReviewGroup,
  ReviewInputs,
  RuleGrant,
  TargetRef,
} from './access-model';
import { inheritedRepositoryLevel, levelRank, targetKeyOf } from './access-model';

/** A person the review names, with what the app and Bitbucket know of them. */
export interface ReviewPerson {
  readonly accountId: string;
  readonly displayName: string;
  /** A workspace member now (Bitbucket's members listing). */
  readonly member: boolean;
  readonly admin: boolean;
  /** The IdP identity the app linked to the account; absent for people the IdP does not know. */
  readonly identity?: IdpIdentity;
}

/** Every entry of a review, and the people it names. */
export interface ComputedAccess {
  readonly entries: readonly AccessEntry[];
  readonly people: readonly ReviewPerson[];
}

const PATH_ORDER: Readonly<Record<PathKind, number>> = {
  'workspace-admin': 0,
  'project-user': 1,
  'project-group': 2,
  'repository-user': 3,
  'repository-group': 4,
  public: 5,
};

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts paths so that equal reviews serialise equally: by kind, project, group, level. */
function comparePaths(a: AccessPath, b: AccessPath): number {
  return (
    PATH_ORDER[a.kind] - PATH_ORDER[b.kind] ||
    compareText(a.project ?? '', b.project ?? '') ||
    compareText(a.groupSlug ?? '', b.groupSlug ?? '') ||
    compareText(a.level, b.level)
  );
}

/** The origin of a group grant: the app's rule when the app's record holds exactly this grant, drift when it holds another level. */
export function groupGrantOrigin(
  group: ReviewGroup | undefined,
  target: TargetRef,
  level: AccessLevel,
  applied: ReviewInputs['applied'],
  ruleGrant: RuleGrant | undefined,
): PathOrigin {
  if (group?.madeByApp !== true) return { kind: 'not-app' };
  const recorded = applied[targetKeyOf(target)]?.[group.slug];
  if (recorded === undefined) return { kind: 'not-app' };
  if (recorded !== level) return { kind: 'app-drift', applied: recorded };
  // The app made it; the rules that ask for it now (none when a rule was removed and the next sync takes it back).
  return { kind: 'rule', ruleIds: ruleGrant?.level === level ? ruleGrant.ruleIds : [] };
}

class PathCollector {
  private readonly byTarget = new Map<string, { target: TargetRef; paths: Map<string, AccessPath[]> }>();

  add(target: TargetRef, accountId: string, path: AccessPath): void {
    const key = targetKeyOf(target);
    let slot = this.byTarget.get(key);
    if (slot === undefined) {
      slot = { target, paths: new Map() };
      this.byTarget.set(key, slot);
    }
    const paths = slot.paths.get(accountId);
    if (paths === undefined) slot.paths.set(accountId, [path]);
    else paths.push(path);
  }

  entries(): AccessEntry[] {
    const out: AccessEntry[] = [];
    for (const key of [...this.byTarget.keys()].sort(compareText)) {
      const slot = this.byTarget.get(key);
      if (slot === undefined) continue;
      for (const accountId of [...slot.paths.keys()].sort(compareText)) {
        const paths = (slot.paths.get(accountId) ?? []).sort(comparePaths);
        let best: AccessLevel | undefined;
        for (const path of paths)
          if (best === undefined || levelRank(slot.target.type, path.level) > levelRank(slot.target.type, best))
            best = path.level;
        if (best !== undefined) out.push({ accountId, target: slot.target, level: best, paths });
      }
    }
    return out;
  }
}

function index<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = map.get(key);
    if (list === undefined) map.set(key, [item]);
    else list.push(item);
  }
  return map;
}

/** Computes every person's access to every repository and project of the inputs. */
export function computeAccess(inputs: ReviewInputs): ComputedAccess {
  const groups = new Map(inputs.groups.map((g) => [g.slug, g]));
  const rules = new Map(inputs.ruleGrants.map((r) => [`${targetKeyOf(r.target)}|${r.groupSlug}`, r]));
  const groupGrants = index(inputs.groupGrants, (g) => targetKeyOf(g.target));
  const userGrants = index(inputs.userGrants, (g) => targetKeyOf(g.target));
  const collector = new PathCollector();

  /** Adds the paths of the grants on `source` to `target` (the same target, or a project's repository). */
  const addGrants = (target: TargetRef, source: TargetRef): void => {
    const inherited = target.type === 'repository' && source.type === 'project';
    const reach = (level: AccessLevel): { level: AccessLevel; granted?: AccessLevel } => {
      if (!inherited) return { level };
      const repositoryLevel = inheritedRepositoryLevel(level);
      return repositoryLevel === level ? { level: repositoryLevel } : { level: repositoryLevel, granted: level };
    };
    const where = inherited ? { project: source.id } : {};
    for (const grant of userGrants.get(targetKeyOf(source)) ?? []) {
      const kind: PathKind = source.type === 'project' ? 'project-user' : 'repository-user';
      collector.add(target, grant.accountId, { kind, ...reach(grant.level), ...where, origin: { kind: 'not-app' } });
    }
    for (const grant of groupGrants.get(targetKeyOf(source)) ?? []) {
      const group = groups.get(grant.groupSlug);
      const origin = groupGrantOrigin(
        group,
        source,
        grant.level,
        inputs.applied,
        rules.get(`${targetKeyOf(source)}|${grant.groupSlug}`),
      );
      const kind: PathKind = source.type === 'project' ? 'project-group' : 'repository-group';
      for (const accountId of group?.members ?? [])
        collector.add(target, accountId, { kind, ...reach(grant.level), ...where, groupSlug: grant.groupSlug, origin });
    }
  };

  for (const project of inputs.projects) {
    const target: TargetRef = { type: 'project', id: project.key };
    for (const accountId of inputs.admins)
      collector.add(target, accountId, { kind: 'workspace-admin', level: 'admin', origin: { kind: 'not-app' } });
    addGrants(target, target);
  }
  for (const repository of inputs.repositories) {
    const target: TargetRef = { type: 'repository', id: repository.slug };
    for (const accountId of inputs.admins)
      collector.add(target, accountId, { kind: 'workspace-admin', level: 'admin', origin: { kind: 'not-app' } });
    if (repository.projectKey !== undefined) addGrants(target, { type: 'project', id: repository.projectKey });
    addGrants(target, target);
  }

  const people = peopleOf(inputs);
  // A public repository is readable by anyone: every person the review names reaches it at least at read.
  for (const repository of inputs.repositories) {
    if (repository.isPrivate) continue;
    const target: TargetRef = { type: 'repository', id: repository.slug };
    for (const person of people)
      collector.add(target, person.accountId, { kind: 'public', level: 'read', origin: { kind: 'public' } });
  }
  return { entries: collector.entries(), people };
}

/** Everyone the inputs name: members, admins, grantees, group members and the IdP's linked accounts. */
function peopleOf(inputs: ReviewInputs): ReviewPerson[] {
  const names = new Map<string, string>();
  const note = (account: ReviewAccount): void => {
    if (!names.has(account.accountId) || names.get(account.accountId) === '')
      names.set(account.accountId, account.displayName);
  };
  inputs.members.forEach(note);
  (inputs.otherAccounts ?? []).forEach(note);
  const members = new Set(inputs.members.map((m) => m.accountId));
  const admins = new Set(inputs.admins);
  const identities = new Map(inputs.identities.map((i) => [i.accountId, i]));
  const ids = new Set<string>([
    ...names.keys(),
    ...admins,
    ...identities.keys(),
    ...inputs.userGrants.map((g) => g.accountId),
  ]);
  const granted = new Set(inputs.groupGrants.map((g) => g.groupSlug));
  for (const group of inputs.groups) if (granted.has(group.slug)) for (const id of group.members) ids.add(id);
  return [...ids].sort(compareText).map((accountId) => {
    const identity = identities.get(accountId);
    return {
      accountId,
      displayName: names.get(accountId) ?? identity?.userName ?? accountId,
      member: members.has(accountId),
      admin: admins.has(accountId),
      ...(identity !== undefined ? { identity } : {}),
    };
  });
}
