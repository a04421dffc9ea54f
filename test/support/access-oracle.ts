/**
 * An independent oracle of an access review (issue 17, "What it must show"): from a plain description of the world
 * (targets, accounts, groups with members, grants, the IdP's identities, the rules and what the app applied) it
 * computes every person's access as export rows, the leavers still holding access and the changes between two
 * worlds. It imports nothing, from src/ or elsewhere: it is written from the definition of access, not
 * from the app's code, so a review that agrees with it is checked against a second reading of the definition.
 */

/** A level as Bitbucket's `permissions-config` names it. */
export type OracleLevel = 'read' | 'write' | 'create-repo' | 'admin';

/** A grant to a group or a person on a repository (slug) or project (key). */
export interface OracleGrant {
  readonly type: 'repository' | 'project';
  readonly id: string;
  readonly level: OracleLevel;
}

/** A permission rule as the app's settings hold it: an IdP group, project keys, repository globs, a level. */
export interface OracleRule {
  readonly id: string;
  readonly group: string;
  readonly projects: readonly string[];
  readonly repositories: readonly string[];
  readonly level: OracleLevel;
}

/** The world a review looks at. */
export interface OracleWorld {
  readonly projects: readonly string[];
  readonly repositories: readonly { readonly slug: string; readonly project: string; readonly isPublic: boolean }[];
  /** Every account of the organization: whether it is a workspace member and its name. */
  readonly accounts: readonly { readonly accountId: string; readonly member: boolean }[];
  readonly admins: readonly string[];
  /** Groups by slug: whether the app made it (then `idpName` is its IdP group), and its members. */
  readonly groups: readonly { readonly slug: string; readonly idpName?: string; readonly members: readonly string[] }[];
  readonly groupGrants: readonly (OracleGrant & { readonly slug: string })[];
  readonly userGrants: readonly (OracleGrant & { readonly accountId: string })[];
  /** The IdP's identities by account: userName and status. */
  readonly identities: ReadonlyMap<
    string,
    { readonly userName: string; readonly status: 'active' | 'deactivated' | 'deleted' }
  >;
  readonly rules: readonly OracleRule[];
  /** What permission sync applied: `type:id` -> group slug -> level. */
  readonly applied: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const REPO_SCALE = ['read', 'write', 'admin'];
const PROJECT_SCALE = ['read', 'write', 'create-repo', 'admin'];

function rank(type: 'repository' | 'project', level: string): number {
  return (type === 'repository' ? REPO_SCALE : PROJECT_SCALE).indexOf(level) + 1;
}

function glob(pattern: string, text: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(text.toLowerCase());
}

/** The grants the rules ask for: `type:id|slug` -> the highest level and the rules asking for it. */
export function oracleRuleGrants(
  world: Pick<OracleWorld, 'rules' | 'groups' | 'projects' | 'repositories'>,
): Map<string, { level: OracleLevel; ruleIds: string[] }> {
  const out = new Map<string, { level: OracleLevel; ruleIds: string[] }>();
  for (const rule of world.rules) {
    const groups = world.groups.filter(
      (g) => g.idpName !== undefined && g.idpName.toLowerCase() === rule.group.toLowerCase(),
    );
    const targets: ['repository' | 'project', string][] = [
      ...world.projects
        .filter((p) => rule.projects.some((k) => k.toLowerCase() === p.toLowerCase()))
        .map((p): ['project', string] => ['project', p]),
      ...world.repositories
        .filter((r) => rule.repositories.some((g) => glob(g, r.slug)))
        .map((r): ['repository', string] => ['repository', r.slug]),
    ];
    for (const group of groups) {
      for (const [type, id] of targets) {
        const key = `${type}:${id}|${group.slug}`;
        const current = out.get(key);
        if (current === undefined || rank(type, rule.level) > rank(type, current.level))
          out.set(key, { level: rule.level, ruleIds: [rule.id] });
        else if (current.level === rule.level && !current.ruleIds.includes(rule.id)) current.ruleIds.push(rule.id);
      }
    }
  }
  return out;
}

/** One path as the export writes it (the columns the oracle can know). */
export interface OracleRow {
  readonly target_type: string;
  readonly target: string;
  readonly account_id: string;
  readonly idp_user: string;
  readonly idp_status: string;
  readonly workspace_member: string;
  readonly level: string;
  readonly path: string;
  readonly path_level: string;
  readonly granted_level: string;
  readonly via_project: string;
  readonly via_group: string;
  readonly origin: string;
  readonly rules: string;
}

/** The columns compared. */
export const ORACLE_COLUMNS: readonly (keyof OracleRow)[] = [
  'target_type',
  'target',
  'account_id',
  'idp_user',
  'idp_status',
  'workspace_member',
  'level',
  'path',
  'path_level',
  'granted_level',
  'via_project',
  'via_group',
  'origin',
  'rules',
];

/** A row as one comparable line. */
export function rowLine(row: Readonly<Record<string, string>>): string {
  return ORACLE_COLUMNS.map((c) => row[c] ?? '').join(' | ');
}

interface Path {
  readonly path: string;
  readonly level: string;
  readonly granted: string;
  readonly project: string;
  readonly group: string;
  readonly origin: string;
  readonly rules: string;
}

/** Every person's access to every target: `type:id|accountId` -> paths. */
function accessOf(
  world: OracleWorld,
): Map<string, { type: 'repository' | 'project'; id: string; accountId: string; paths: Path[] }> {
  const ruleGrants = oracleRuleGrants(world);
  const groups = new Map(world.groups.map((g) => [g.slug, g]));
  const out = new Map<string, { type: 'repository' | 'project'; id: string; accountId: string; paths: Path[] }>();
  const add = (type: 'repository' | 'project', id: string, accountId: string, path: Path): void => {
    const key = `${type}:${id}|${accountId}`;
    const slot = out.get(key) ?? { type, id, accountId, paths: [] };
    slot.paths.push(path);
    out.set(key, slot);
  };
  const originOf = (type: string, id: string, slug: string, level: string): { origin: string; rules: string } => {
    const group = groups.get(slug);
    const applied = world.applied[`${type}:${id}`]?.[slug];
    if (group?.idpName === undefined || applied === undefined) return { origin: 'not made by the app', rules: '' };
    if (applied !== level) return { origin: `app grant changed by hand (app made ${applied})`, rules: '' };
    const asked = ruleGrants.get(`${type}:${id}|${slug}`);
    return { origin: 'rule', rules: asked?.level === level ? asked.ruleIds.join(' ') : '' };
  };
  // Grants on `source` reaching `target` (itself, or a repository of the project `source`).
  const reach = (
    targetType: 'repository' | 'project',
    targetId: string,
    sourceType: 'repository' | 'project',
    sourceId: string,
  ): void => {
    const inherited = targetType === 'repository' && sourceType === 'project';
    const levels = (level: string): { level: string; granted: string } => {
      if (!inherited) return { level, granted: '' };
      const repoLevel = level === 'admin' ? 'admin' : level === 'read' ? 'read' : 'write';
      return { level: repoLevel, granted: repoLevel === level ? '' : level };
    };
    const project = inherited ? sourceId : '';
    for (const grant of world.userGrants) {
      if (grant.type !== sourceType || grant.id !== sourceId) continue;
      add(targetType, targetId, grant.accountId, {
        path: `${sourceType}-user`,
        ...levels(grant.level),
        project,
        group: '',
        origin: 'not made by the app',
        rules: '',
      });
    }
    for (const grant of world.groupGrants) {
      if (grant.type !== sourceType || grant.id !== sourceId) continue;
      const origin = originOf(sourceType, sourceId, grant.slug, grant.level);
      for (const member of groups.get(grant.slug)?.members ?? [])
        add(targetType, targetId, member, {
          path: `${sourceType}-group`,
          ...levels(grant.level),
          project,
          group: grant.slug,
          ...origin,
        });
    }
  };
  const adminPath: Path = {
    path: 'workspace-admin',
    level: 'admin',
    granted: '',
    project: '',
    group: '',
    origin: 'not made by the app',
    rules: '',
  };
  for (const key of world.projects) {
    for (const admin of world.admins) add('project', key, admin, adminPath);
    reach('project', key, 'project', key);
  }
  for (const repository of world.repositories) {
    for (const admin of world.admins) add('repository', repository.slug, admin, adminPath);
    reach('repository', repository.slug, 'project', repository.project);
    reach('repository', repository.slug, 'repository', repository.slug);
    // A public repository is readable by anyone: by every account of the organization.
    if (repository.isPublic)
      for (const account of world.accounts)
        add('repository', repository.slug, account.accountId, {
          path: 'public',
          level: 'read',
          granted: '',
          project: '',
          group: '',
          origin: 'public repository',
          rules: '',
        });
  }
  return out;
}

function best(type: 'repository' | 'project', paths: readonly Path[]): string {
  return paths.reduce((top, p) => (rank(type, p.level) > rank(type, top) ? p.level : top), paths[0]?.level ?? '');
}

/** The review as export rows, one line per path, sorted. */
export function oracleRows(world: OracleWorld): string[] {
  const members = new Set(world.accounts.filter((a) => a.member).map((a) => a.accountId));
  const lines: string[] = [];
  for (const slot of accessOf(world).values()) {
    const identity = world.identities.get(slot.accountId);
    const level = best(slot.type, slot.paths);
    for (const p of slot.paths) {
      lines.push(
        rowLine({
          target_type: slot.type,
          target: slot.id,
          account_id: slot.accountId,
          idp_user: identity?.userName ?? '',
          idp_status: identity?.status ?? 'no IdP identity',
          workspace_member: members.has(slot.accountId) ? 'yes' : 'no',
          level,
          path: p.path,
          path_level: p.level,
          granted_level: p.granted,
          via_project: p.project,
          via_group: p.group,
          origin: p.origin,
          rules: p.rules,
        }),
      );
    }
  }
  return lines.sort();
}

/** Account IDs of IdP leavers (deactivated or deleted) who still reach anything other than a public repository. */
export function oracleLeavers(world: OracleWorld): string[] {
  const out = new Set<string>();
  for (const slot of accessOf(world).values()) {
    const identity = world.identities.get(slot.accountId);
    if (identity === undefined || identity.status === 'active') continue;
    if (slot.paths.some((p) => p.path !== 'public')) out.add(slot.accountId);
  }
  return [...out].sort();
}

/** What changed between two worlds: `type:id|accountId` -> added, removed or changed (level or paths). */
export function oracleDiff(before: OracleWorld, after: OracleWorld): Map<string, 'added' | 'removed' | 'changed'> {
  const a = accessOf(before);
  const b = accessOf(after);
  const describe = (slot: { type: 'repository' | 'project'; paths: Path[] }): string =>
    `${best(slot.type, slot.paths)}#${slot.paths
      .map((p) => Object.values(p).join(','))
      .sort()
      .join(';')}`;
  const out = new Map<string, 'added' | 'removed' | 'changed'>();
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    if (x !== undefined && y !== undefined) {
      if (describe(x) !== describe(y)) out.set(key, 'changed');
    } else out.set(key, x === undefined ? 'added' : 'removed');
  }
  return out;
}
