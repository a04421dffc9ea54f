import type { AccessEntry, IdpIdentity, ReviewInputs } from '../../src/review/access-model';
import { accessOf, accessTo, reviewAccess, summarize } from '../../src/review/review-core';
import { ruleGrantsOf } from '../../src/review/rule-origins';

/** A small workspace: projects A and B; repositories a1, a2 (in A), b1 (in B, public), loose (no project). */
function makeInputs(overrides: Partial<ReviewInputs> = {}): ReviewInputs {
  return {
    projects: [{ key: 'A' }, { key: 'B' }],
    repositories: [
      { slug: 'a1', projectKey: 'A', isPrivate: true },
      { slug: 'a2', projectKey: 'A', isPrivate: true },
      { slug: 'b1', projectKey: 'B', isPrivate: false },
      { slug: 'loose', isPrivate: true },
    ],
    admins: [],
    members: [],
    groups: [],
    groupGrants: [],
    userGrants: [],
    identities: [],
    ruleGrants: [],
    applied: {},
    ...overrides,
  };
}

function identity(accountId: string, status: IdpIdentity['status'] = 'active'): IdpIdentity {
  return { accountId, userId: `scim-${accountId}`, userName: `${accountId}@example.com`, status };
}

function line(entry: AccessEntry): string {
  return `${entry.target.type}:${entry.target.id} ${entry.accountId} ${entry.level} [${entry.paths.map((p) => `${p.kind}${p.groupSlug ? `(${p.groupSlug})` : ''}:${p.level}${p.granted ? `<${p.granted}` : ''}:${p.origin.kind}`).join(', ')}]`;
}

describe('effective access', () => {
  it('gives workspace admins admin on every repository and project', () => {
    const review = reviewAccess(makeInputs({ admins: ['boss'] }));
    expect(accessOf(review, 'boss').map(line)).toEqual([
      'project:A boss admin [workspace-admin:admin:not-app]',
      'project:B boss admin [workspace-admin:admin:not-app]',
      'repository:a1 boss admin [workspace-admin:admin:not-app]',
      'repository:a2 boss admin [workspace-admin:admin:not-app]',
      'repository:b1 boss admin [workspace-admin:admin:not-app, public:read:public]',
      'repository:loose boss admin [workspace-admin:admin:not-app]',
    ]);
  });

  it('lets a project grant reach its repositories (create-repo as write) and takes the highest of several paths', () => {
    const review = reviewAccess(
      makeInputs({
        groups: [{ slug: 'devs', name: 'Devs', madeByApp: false, members: ['ann', 'bob'] }],
        groupGrants: [{ target: { type: 'project', id: 'A' }, groupSlug: 'devs', level: 'create-repo' }],
        userGrants: [
          { target: { type: 'repository', id: 'a1' }, accountId: 'ann', level: 'admin' },
          { target: { type: 'repository', id: 'a2' }, accountId: 'bob', level: 'read' },
        ],
      }),
    );
    expect(accessTo(review, { type: 'repository', id: 'a1' }).map(line)).toEqual([
      'repository:a1 ann admin [project-group(devs):write<create-repo:not-app, repository-user:admin:not-app]',
      'repository:a1 bob write [project-group(devs):write<create-repo:not-app]',
    ]);
    expect(accessTo(review, { type: 'repository', id: 'a2' }).map(line)).toContain(
      'repository:a2 bob write [project-group(devs):write<create-repo:not-app, repository-user:read:not-app]',
    );
    expect(accessTo(review, { type: 'project', id: 'A' }).map(line)).toEqual([
      'project:A ann create-repo [project-group(devs):create-repo:not-app]',
      'project:A bob create-repo [project-group(devs):create-repo:not-app]',
    ]);
    expect(accessOf(review, 'ann').some((e) => e.target.id === 'loose')).toBe(false);
    expect(accessTo(review, { type: 'project', id: 'A' })[0]?.paths[0]?.project).toBeUndefined();
    expect(accessTo(review, { type: 'repository', id: 'a1' })[0]?.paths[0]?.project).toBe('A');
  });

  it('names the origin of each group grant: the rule, the app grant changed by hand, or not made by the app', () => {
    const inputs = makeInputs({
      groups: [
        { slug: 'scim-team', name: 'scim-team', madeByApp: true, members: ['ann'] },
        { slug: 'legacy', name: 'legacy', madeByApp: false, members: ['ann'] },
      ],
      groupGrants: [
        { target: { type: 'repository', id: 'a1' }, groupSlug: 'scim-team', level: 'write' },
        { target: { type: 'repository', id: 'a2' }, groupSlug: 'scim-team', level: 'admin' },
        { target: { type: 'repository', id: 'loose' }, groupSlug: 'scim-team', level: 'read' },
        { target: { type: 'repository', id: 'a1' }, groupSlug: 'legacy', level: 'read' },
      ],
      ruleGrants: [
        { target: { type: 'repository', id: 'a1' }, groupSlug: 'scim-team', level: 'write', ruleIds: ['r1', 'r2'] },
        { target: { type: 'repository', id: 'a2' }, groupSlug: 'scim-team', level: 'write', ruleIds: ['r1'] },
      ],
      applied: { 'repository:a1': { 'scim-team': 'write' }, 'repository:a2': { 'scim-team': 'write' } },
    });
    const review = reviewAccess(inputs);
    const a1 = accessTo(review, { type: 'repository', id: 'a1' })[0];
    expect(a1?.paths.map((p) => p.origin)).toEqual([{ kind: 'not-app' }, { kind: 'rule', ruleIds: ['r1', 'r2'] }]);
    expect(a1?.paths.map((p) => p.groupSlug)).toEqual(['legacy', 'scim-team']);
    expect(accessTo(review, { type: 'repository', id: 'a2' })[0]?.paths[0]?.origin).toEqual({
      kind: 'app-drift',
      applied: 'write',
    });
    expect(accessTo(review, { type: 'repository', id: 'loose' })[0]?.paths[0]?.origin).toEqual({ kind: 'not-app' });
  });

  it('gives everyone the review names read on a public repository, and nothing more', () => {
    const review = reviewAccess(makeInputs({ members: [{ accountId: 'zoe', displayName: 'Zoe' }] }));
    expect(accessOf(review, 'zoe').map(line)).toEqual(['repository:b1 zoe read [public:read:public]']);
    expect(summarize(review, makeInputs())).toMatchObject({
      repositories: 4,
      projects: 2,
      people: 1,
      entries: 1,
      leavers: 0,
      orphans: 1,
    });
  });
});

describe('flags', () => {
  const legacy = { slug: 'legacy', name: 'legacy', madeByApp: false, members: ['lea-group'] };
  const inputs = makeInputs({
    admins: ['boss'],
    members: [
      { accountId: 'boss', displayName: 'Boss' },
      { accountId: 'ann', displayName: 'Ann' },
      { accountId: 'ghost', displayName: 'Ghost' },
    ],
    otherAccounts: [{ accountId: 'lea-direct', displayName: 'Lea Direct' }],
    identities: [
      identity('ann'),
      identity('lea-direct', 'deactivated'),
      identity('lea-group', 'deleted'),
      identity('lea-nothing', 'deactivated'),
      identity('boss'),
    ],
    groups: [legacy, { slug: 'scim-team', name: 'scim-team', madeByApp: true, members: ['ann'] }],
    groupGrants: [
      { target: { type: 'project', id: 'A' }, groupSlug: 'legacy', level: 'read' },
      { target: { type: 'repository', id: 'loose' }, groupSlug: 'legacy', level: 'write' },
      { target: { type: 'repository', id: 'a1' }, groupSlug: 'scim-team', level: 'admin' },
      { target: { type: 'repository', id: 'b1' }, groupSlug: 'scim-team', level: 'read' },
    ],
    userGrants: [
      { target: { type: 'repository', id: 'a2' }, accountId: 'lea-direct', level: 'write' },
      { target: { type: 'project', id: 'B' }, accountId: 'lea-direct', level: 'admin' },
      { target: { type: 'repository', id: 'loose' }, accountId: 'ann', level: 'read' },
    ],
    ruleGrants: [
      { target: { type: 'repository', id: 'a1' }, groupSlug: 'scim-team', level: 'write', ruleIds: ['r1'] },
      { target: { type: 'project', id: 'A' }, groupSlug: 'scim-team', level: 'read', ruleIds: ['r2'] },
    ],
    applied: {
      'repository:a1': { 'scim-team': 'write' },
      'project:A': { 'scim-team': 'read' },
      'repository:gone': { 'scim-team': 'read' },
    },
  });
  const { flags } = reviewAccess(inputs);

  it('flags leavers who still reach something, with the direct grants the clean-up would remove', () => {
    expect(
      flags.leavers.map((l) => [
        l.accountId,
        l.identity.status,
        l.directGrants.map((g) => `${g.target.type}:${g.target.id}:${g.level}`),
        l.otherPaths,
      ]),
    ).toEqual([
      ['lea-direct', 'deactivated', ['repository:a2:write', 'project:B:admin'], []],
      [
        'lea-group',
        'deleted',
        [],
        [
          'project-group legacy on project A',
          'project-group legacy on repository a1 (project A)',
          'project-group legacy on repository a2 (project A)',
          'repository-group legacy on repository loose',
        ],
      ],
    ]);
    // lea-direct's project grant reaches project B and its repository b1: three targets, four paths with public read left out.
    expect(flags.leavers[0]?.paths).toBe(3);
  });

  it('flags members the IdP does not know', () => {
    expect(flags.orphans).toEqual([{ accountId: 'ghost', displayName: 'Ghost', admin: false }]);
  });

  it('flags grants not made by the app on targets the rules manage, and only there', () => {
    expect(
      flags.handMade.map(
        (f) =>
          `${f.target.type}:${f.target.id} ${f.principal.type === 'group' ? `group ${f.principal.slug}` : `user ${f.principal.accountId}`} ${f.level}`,
      ),
    ).toEqual(['project:A group legacy read']);
  });

  it('flags the app grants changed or removed by hand, not those on deleted targets', () => {
    expect(flags.drift).toEqual([
      { target: { type: 'project', id: 'A' }, groupSlug: 'scim-team', applied: 'read' },
      { target: { type: 'repository', id: 'a1' }, groupSlug: 'scim-team', applied: 'write', actual: 'admin' },
    ]);
  });

  it('cross-checks the computed levels against the workspace listing, leaving public access out', () => {
    const computed = reviewAccess(inputs);
    const listing = computed.entries
      .filter((e) => e.target.type === 'repository' && e.paths.some((p) => p.kind !== 'public'))
      .map((e) => ({
        repository: e.target.id,
        accountId: e.accountId,
        level: e.paths
          .filter((p) => p.kind !== 'public')
          .reduce(
            (best, p) =>
              ['read', 'write', 'admin'].indexOf(p.level) > ['read', 'write', 'admin'].indexOf(best) ? p.level : best,
            'read' as string,
          ) as 'read' | 'write' | 'admin',
      }));
    const agreeing = reviewAccess({ ...inputs, effective: listing }).flags.crossCheck;
    expect(agreeing).toEqual({ compared: listing.length, mismatched: 0, mismatches: [] });
    const disagreeing = reviewAccess({
      ...inputs,
      effective: [
        ...listing.filter((e) => !(e.repository === 'a2' && e.accountId === 'lea-direct')),
        { repository: 'loose', accountId: 'stranger', level: 'admin' },
      ],
    }).flags.crossCheck;
    expect(disagreeing?.mismatched).toBe(2);
    expect(disagreeing?.mismatches).toEqual([
      { repository: 'a2', accountId: 'lea-direct', computed: 'write' },
      { repository: 'loose', accountId: 'stranger', listed: 'admin' },
    ]);
  });
});

describe('rule origins', () => {
  it('names the rules asking for the winning level of each grant', () => {
    const grants = ruleGrantsOf(
      [
        { id: 'r-read', group: 'Team', projects: [], repositories: ['a*'], level: 'read' },
        { id: 'r-write', group: 'team', projects: [], repositories: ['a1'], level: 'write' },
        { id: 'r-write-2', group: 'TEAM', projects: ['a'], repositories: ['a1'], level: 'write' },
        { id: 'r-nobody', group: 'Nobody', projects: ['A'], repositories: [], level: 'admin' },
      ],
      [{ displayName: 'Team', groupSlug: 'scim-team' }],
      [{ key: 'A' }],
      [
        { slug: 'a1', projectKey: 'A' },
        { slug: 'a2', projectKey: 'A' },
        { slug: 'b1', projectKey: 'B' },
      ],
    );
    expect(grants).toEqual([
      { target: { type: 'project', id: 'A' }, groupSlug: 'scim-team', level: 'write', ruleIds: ['r-write-2'] },
      {
        target: { type: 'repository', id: 'a1' },
        groupSlug: 'scim-team',
        level: 'write',
        ruleIds: ['r-write', 'r-write-2'],
      },
      { target: { type: 'repository', id: 'a2' }, groupSlug: 'scim-team', level: 'read', ruleIds: ['r-read'] },
    ]);
  });
});
