import { findCycles, flattenMemberships } from '../../../src/sources/google/flatten-memberships';
import { globMatches, groupSelected, selectionProblems } from '../../../src/sources/google/google-selection';

describe('flattening nested Google groups', () => {
  const members = new Map<string, string[]>([
    ['eng', ['u:1', 'g:platform', 'x:partner@outside.example']],
    ['platform', ['u:2', 'g:infra']],
    ['infra', ['u:3', 'g:platform', 'u:99']],
    ['all', ['c']],
    ['lonely', []],
  ]);
  const selected = new Set(['1', '2', '3', '4']);

  it('reaches users through nesting to any depth and stops at a cycle', () => {
    const report = flattenMemberships(['eng', 'platform', 'infra'], members, selected);
    expect(report.groups.get('eng')).toEqual({ users: ['1', '2', '3'] });
    expect(report.groups.get('platform')).toEqual({ users: ['2', '3'] });
    expect(report.groups.get('infra')).toEqual({ users: ['2', '3'] });
  });

  it('reports each cycle once, the outsiders, and members who are not selected users', () => {
    const report = flattenMemberships(['eng'], members, selected);
    expect(report.cycles).toEqual([['infra', 'platform']]);
    expect(report.outsideDomain).toEqual(['partner@outside.example']);
    expect(report.notSelected).toBe(1);
  });

  it('gives a CUSTOMER member every selected user, and an empty group no one', () => {
    const report = flattenMemberships(['all', 'lonely'], members, selected);
    expect(report.groups.get('all')).toEqual({ users: ['1', '2', '3', '4'] });
    expect(report.groups.get('lonely')).toEqual({ users: [] });
  });

  it('finds a self-membership and a three-group cycle', () => {
    expect(findCycles(new Map([['a', ['g:a']]]))).toEqual([['a']]);
    expect(
      findCycles(
        new Map([
          ['c', ['g:a']],
          ['a', ['g:b']],
          ['b', ['g:c']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
  });
});

describe('the Google selection', () => {
  it('matches group patterns on name or email, case-insensitively', () => {
    expect(globMatches('eng-*', 'ENG-Platform')).toBe(true);
    expect(globMatches('team-?', 'team-12')).toBe(false);
    expect(
      groupSelected(
        { kind: 'pattern', pattern: '*@dev.example.com' },
        { id: '1', email: 'ops@dev.example.com', name: 'Ops' },
      ),
    ).toBe(true);
    expect(
      groupSelected(
        { kind: 'list', emails: ['OPS@dev.example.com'] },
        { id: '1', email: 'ops@dev.example.com', name: 'Ops' },
      ),
    ).toBe(true);
  });

  it('names what is wrong with a selection', () => {
    expect(
      selectionProblems({
        users: { kind: 'org-units', paths: ['Engineering', "/It's"] },
        groups: { kind: 'list', emails: [] },
      }),
    ).toEqual([
      expect.stringContaining('"Engineering"'),
      expect.stringContaining('"/It\'s"'),
      'groups.emails: name at least one group',
    ]);
    expect(selectionProblems({ users: { kind: 'all' }, groups: { kind: 'all' } })).toEqual([]);
  });
});
