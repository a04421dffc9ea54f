/** Permission rules: globs, highest grant wins, unknown names, and minimal changes that never touch unmanaged groups. */
import type { ProjectPermission, RepositoryPermission } from '../../src/targets/ports';
import {
  desiredGrants,
  explainRules,
  isRepositoryChange,
  matchesGlob,
  planGrantChanges,
  type GrantChange,
  type Grants,
} from '../../src/sync/permission-rules';
import type { PermissionRule } from '../../src/sync/settings';

function makeRule(overrides: Partial<PermissionRule> & Pick<PermissionRule, 'id'>): PermissionRule {
  return { group: 'Developers', projects: [], repositories: [], level: 'read', ...overrides };
}

function grants(
  repositories: Record<string, Record<string, RepositoryPermission>> = {},
  projects: Record<string, Record<string, ProjectPermission>> = {},
): Grants {
  const toMap = <P extends string>(record: Record<string, Record<string, P>>): Map<string, Map<string, P>> =>
    new Map(Object.entries(record).map(([id, byGroup]) => [id, new Map(Object.entries(byGroup))]));
  return { repositories: toMap(repositories), projects: toMap(projects) };
}

function plain(g: Grants): {
  repositories: Record<string, Record<string, string>>;
  projects: Record<string, Record<string, string>>;
} {
  const toRecord = (map: Map<string, Map<string, string>>): Record<string, Record<string, string>> =>
    Object.fromEntries([...map].map(([id, byGroup]) => [id, Object.fromEntries(byGroup)]));
  return { repositories: toRecord(g.repositories), projects: toRecord(g.projects) };
}

const groups = [
  { displayName: 'Developers', groupSlug: 'scim-developers' },
  { displayName: 'Leads', groupSlug: 'scim-leads' },
];
const projects = [{ key: 'CORE' }, { key: 'WEB' }];
const repositories = [
  { slug: 'api-gateway', projectKey: 'CORE' },
  { slug: 'api-users', projectKey: 'CORE' },
  { slug: 'web-app', projectKey: 'WEB' },
  { slug: 'docs' },
];

describe('matchesGlob', () => {
  const cases: [string, string, boolean][] = [
    ['api-*', 'api-gateway', true],
    ['api-*', 'api-', true],
    ['api-*', 'web-api', false],
    ['*-app', 'web-app', true],
    ['*', '', true],
    ['', '', true],
    ['', 'a', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*a*b*c*', 'xxaxxbxxcxx', true],
    ['*a*b*c*', 'xxaxxcxxbxx', false],
    ['API-*', 'api-users', true],
    ['a*b', 'ab', true],
    ['a*b', 'aXbXb', true],
    ['a*b', 'aXbXc', false],
    ['docs', 'docs', true],
    ['docs', 'docs2', false],
  ];
  it.each(cases)('%j against %j is %s', (pattern, slug, expected) => {
    expect(matchesGlob(pattern, slug)).toBe(expected);
  });

  it('answers a pattern that would make a backtracking matcher explode', () => {
    expect(matchesGlob(`${'*a'.repeat(60)}*b`, 'a'.repeat(5000))).toBe(false);
  });
});

describe('desiredGrants', () => {
  const cases: { name: string; rules: PermissionRule[]; expected: ReturnType<typeof plain> }[] = [
    {
      name: 'grants a project and the repositories a pattern matches',
      rules: [makeRule({ id: 'r', projects: ['CORE'], repositories: ['api-*'], level: 'write' })],
      expected: {
        projects: { CORE: { 'scim-developers': 'write' } },
        repositories: { 'api-gateway': { 'scim-developers': 'write' }, 'api-users': { 'scim-developers': 'write' } },
      },
    },
    {
      name: 'keeps the highest repository grant when rules overlap',
      rules: [
        makeRule({ id: 'a', repositories: ['*'], level: 'admin' }),
        makeRule({ id: 'b', repositories: ['api-*'], level: 'read' }),
        makeRule({ id: 'c', repositories: ['docs'], level: 'write' }),
      ],
      expected: {
        projects: {},
        repositories: {
          'api-gateway': { 'scim-developers': 'admin' },
          'api-users': { 'scim-developers': 'admin' },
          'web-app': { 'scim-developers': 'admin' },
          docs: { 'scim-developers': 'admin' },
        },
      },
    },
    {
      name: 'orders project levels read < write < create-repo < admin',
      rules: [
        makeRule({ id: 'a', projects: ['CORE', 'WEB'], level: 'write' }),
        makeRule({ id: 'b', projects: ['CORE'], level: 'create-repo' }),
        makeRule({ id: 'c', projects: ['WEB'], level: 'read' }),
      ],
      expected: {
        projects: { CORE: { 'scim-developers': 'create-repo' }, WEB: { 'scim-developers': 'write' } },
        repositories: {},
      },
    },
    {
      name: 'matches group names and project keys case-insensitively and uses the workspace spelling',
      rules: [makeRule({ id: 'a', group: 'LEADS', projects: ['core'], level: 'admin' })],
      expected: { projects: { CORE: { 'scim-leads': 'admin' } }, repositories: {} },
    },
    {
      name: 'grants nothing for an unknown group',
      rules: [makeRule({ id: 'a', group: 'Nobody', projects: ['CORE'], repositories: ['*'], level: 'admin' })],
      expected: { projects: {}, repositories: {} },
    },
    {
      name: 'skips unknown projects but applies the known ones',
      rules: [makeRule({ id: 'a', projects: ['GONE', 'WEB'], level: 'read' })],
      expected: { projects: { WEB: { 'scim-developers': 'read' } }, repositories: {} },
    },
    {
      name: 'keeps groups apart',
      rules: [
        makeRule({ id: 'a', repositories: ['docs'], level: 'read' }),
        makeRule({ id: 'b', group: 'Leads', repositories: ['docs'], level: 'admin' }),
      ],
      expected: { projects: {}, repositories: { docs: { 'scim-developers': 'read', 'scim-leads': 'admin' } } },
    },
    {
      name: 'never grants create-repo on a repository, even from an unvalidated rule',
      rules: [makeRule({ id: 'a', projects: ['CORE'], repositories: ['*'], level: 'create-repo' })],
      expected: { projects: { CORE: { 'scim-developers': 'create-repo' } }, repositories: {} },
    },
  ];
  it.each(cases)('$name', ({ rules, expected }) => {
    expect(plain(desiredGrants(rules, groups, projects, repositories))).toEqual(expected);
  });
});

describe('explainRules', () => {
  it('reports unknown groups, unknown projects and patterns that match nothing', () => {
    const rules = [
      makeRule({ id: 'ok', projects: ['CORE'], repositories: ['api-*'], level: 'write' }),
      makeRule({
        id: 'typo',
        group: 'Develoeprs',
        projects: ['CORE', 'GONE'],
        repositories: ['nothing-*'],
        level: 'read',
      }),
    ];
    expect(explainRules(rules, groups, projects, repositories)).toEqual([
      {
        ruleId: 'ok',
        group: 'Developers',
        groupSlugs: ['scim-developers'],
        projects: ['CORE'],
        unknownProjects: [],
        repositoryPatterns: [{ pattern: 'api-*', repositories: ['api-gateway', 'api-users'] }],
        problems: [],
      },
      {
        ruleId: 'typo',
        group: 'Develoeprs',
        groupSlugs: [],
        projects: ['CORE'],
        unknownProjects: ['GONE'],
        repositoryPatterns: [{ pattern: 'nothing-*', repositories: [] }],
        problems: [
          'No synced group is named "Develoeprs", so the rule grants nothing',
          'Unknown project key: GONE',
          'Pattern "nothing-*" matches no repository',
        ],
      },
    ]);
  });
});

describe('planGrantChanges', () => {
  const managed = new Set(['scim-developers', 'scim-leads']);
  const cases: { name: string; desired: Grants; actual: Grants; expected: GrantChange[] }[] = [
    {
      name: 'changes nothing when grants are equal',
      desired: grants({ docs: { 'scim-developers': 'read' } }),
      actual: grants({ docs: { 'scim-developers': 'read' } }),
      expected: [],
    },
    {
      name: 'puts a missing grant',
      desired: grants({ docs: { 'scim-developers': 'write' } }),
      actual: grants(),
      expected: [
        { kind: 'put', target: { type: 'repository', id: 'docs' }, groupSlug: 'scim-developers', permission: 'write' },
      ],
    },
    {
      name: 'changes a different grant and records the one it replaces',
      desired: grants({}, { CORE: { 'scim-leads': 'admin' } }),
      actual: grants({}, { CORE: { 'scim-leads': 'create-repo' } }),
      expected: [
        {
          kind: 'put',
          target: { type: 'project', id: 'CORE' },
          groupSlug: 'scim-leads',
          permission: 'admin',
          before: 'create-repo',
        },
      ],
    },
    {
      name: 'deletes an app-managed grant no rule supports',
      desired: grants(),
      actual: grants({ docs: { 'scim-developers': 'admin' } }, { WEB: { 'scim-leads': 'read' } }),
      expected: [
        { kind: 'delete', target: { type: 'project', id: 'WEB' }, groupSlug: 'scim-leads', before: 'read' },
        { kind: 'delete', target: { type: 'repository', id: 'docs' }, groupSlug: 'scim-developers', before: 'admin' },
      ],
    },
    {
      name: 'never touches a group the app does not manage, even when a rule names it',
      desired: grants({ docs: { administrators: 'read' } }),
      actual: grants({ docs: { administrators: 'admin', 'hand-made': 'write' } }, { CORE: { 'hand-made': 'admin' } }),
      expected: [],
    },
    {
      name: 'orders changes by target type, target id and group',
      desired: grants(
        { b: { 'scim-leads': 'read', 'scim-developers': 'read' }, a: { 'scim-leads': 'read' } },
        { Z: { 'scim-leads': 'read' } },
      ),
      actual: grants(),
      expected: [
        { kind: 'put', target: { type: 'project', id: 'Z' }, groupSlug: 'scim-leads', permission: 'read' },
        { kind: 'put', target: { type: 'repository', id: 'a' }, groupSlug: 'scim-leads', permission: 'read' },
        { kind: 'put', target: { type: 'repository', id: 'b' }, groupSlug: 'scim-developers', permission: 'read' },
        { kind: 'put', target: { type: 'repository', id: 'b' }, groupSlug: 'scim-leads', permission: 'read' },
      ],
    },
  ];
  it.each(cases)('$name', ({ desired, actual, expected }) => {
    expect(planGrantChanges(desired, actual, managed)).toEqual(expected);
  });

  it('converges: applying the planned changes leaves nothing to plan', () => {
    const desired = desiredGrants(
      [
        makeRule({ id: 'a', projects: ['CORE'], repositories: ['api-*'], level: 'write' }),
        makeRule({ id: 'b', group: 'Leads', repositories: ['*'], level: 'admin' }),
      ],
      groups,
      projects,
      repositories,
    );
    const actual = grants(
      { 'api-users': { 'scim-developers': 'read', outsiders: 'write' }, retired: { 'scim-leads': 'admin' } },
      { WEB: { 'scim-developers': 'read' } },
    );
    for (const change of planGrantChanges(desired, actual, managed)) {
      const map: Map<string, Map<string, string>> = isRepositoryChange(change) ? actual.repositories : actual.projects;
      const byGroup = map.get(change.target.id) ?? new Map<string, string>();
      map.set(change.target.id, byGroup);
      if (change.kind === 'put') byGroup.set(change.groupSlug, change.permission);
      else byGroup.delete(change.groupSlug);
    }
    expect(planGrantChanges(desired, actual, managed)).toEqual([]);
    expect(actual.repositories.get('api-users')?.get('outsiders')).toBe('write');
  });
});
