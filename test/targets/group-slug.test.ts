import fc from 'fast-check';
import { slugifyGroupName } from '../../emulators/bitbucket/bitbucket-state';
import {
  GROUP_SLUG_MAX_LENGTH,
  groupSlugFor,
  hashedOrgGroupNameFor,
  orgGroupNameCandidates,
  orgGroupNameFor,
} from '../../src/targets/group-slug';

const SLUG_SAFE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const HASHED = /-h[0-9a-f]{10}$/;

describe('groupSlugFor: the assumed Bitbucket slug of an organization group', () => {
  it.each([
    ['Developers', 'developers'],
    ['SCIM: Platform Devs', 'scim-platform-devs'],
    ['  spaced   out  ', 'spaced-out'],
    ['Équipe Données', 'equipe-donnees'],
    ['Ärzte & Pflege', 'arzte-pflege'],
    ['ﬁnance', 'finance'],
    ['日本語チーム', ''],
    ['team_α_beta', 'team-beta'],
    ['a--b__c', 'a-b-c'],
    ['x'.repeat(70), 'x'.repeat(62)],
    [`${'a'.repeat(61)} tail`, 'a'.repeat(61)],
  ])('%j becomes %j', (name, slug) => {
    expect(groupSlugFor(name)).toBe(slug);
  });

  it('agrees with the rule the emulators assume, for any name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 90 }), (name) => {
        expect(groupSlugFor(name)).toBe(slugifyGroupName(name));
      }),
      { numRuns: 500 },
    );
  });
});

describe('orgGroupNameFor: readable, slug-safe names for the groups the app creates', () => {
  it.each([
    ['developers', 'scim', 'scim-developers'],
    ['developers', 'scim-', 'scim-developers'],
    ['developers', '', 'developers'],
    ['web-team-2', 'idp', 'idp-web-team-2'],
    ['developers', 'SCIM Sync', 'scim-sync-developers'],
    ['Platform Devs', 'scim-', 'scim-platform-devs'],
    ['Équipe Données', 'scim-', 'scim-equipe-donnees'],
    ['Ünïcode Ops', 'scim-', 'scim-unicode-ops'],
    ['DEVELOPERS', 'scim', 'scim-developers'],
    ['!!!a', 'scim', 'scim-a'],
  ])('names %j with prefix %j %j', (name, prefix, expected) => {
    expect(orgGroupNameFor(name, prefix)).toBe(expected);
  });

  it.each([
    ['日本語チーム', 'scim-h'],
    ['!!!', 'scim-h'],
  ])('hashes %j, which has no slug-safe character', (name, start) => {
    const result = orgGroupNameFor(name, 'scim');
    expect(result.startsWith(start)).toBe(true);
    expect(result).toMatch(HASHED);
  });

  it('uses a placeholder stem when neither prefix nor name has a slug-safe character', () => {
    expect(orgGroupNameFor('日本語', '')).toMatch(/^group-h[0-9a-f]{10}$/);
  });

  it('truncates long names to 62 characters', () => {
    const long = 'platform-engineering-'.repeat(5);
    expect(orgGroupNameFor(`${long}alpha`, 'scim')).toBe(`scim-${long}`.slice(0, 62).replace(/-+$/, ''));
  });
});

describe('hashedOrgGroupNameFor and orgGroupNameCandidates: the names used when the readable one is taken', () => {
  it('appends a stable hash of the displayName to the readable name, within 62 characters', () => {
    const long = 'platform-engineering-'.repeat(5);
    const a = hashedOrgGroupNameFor(`${long}alpha`, 'scim');
    const b = hashedOrgGroupNameFor(`${long}beta`, 'scim');
    expect(a.length).toBeLessThanOrEqual(GROUP_SLUG_MAX_LENGTH);
    expect(a).toMatch(HASHED);
    expect(a).not.toBe(b);
    expect(hashedOrgGroupNameFor('Platform Devs', 'scim')).toBe(hashedOrgGroupNameFor('Platform Devs', 'scim'));
    expect(hashedOrgGroupNameFor('Platform Devs', 'scim')).toMatch(/^scim-platform-devs-h[0-9a-f]{10}$/);
  });

  it('lists the readable name first and then distinct hashed ones', () => {
    const candidates = orgGroupNameCandidates('Engineering Team', 'scim-');
    expect(candidates[0]).toBe('scim-engineering-team');
    expect(candidates).toHaveLength(4);
    expect(new Set(candidates).size).toBe(4);
    for (const name of candidates.slice(1)) expect(name).toMatch(/^scim-engineering-team-h[0-9a-f]{10}$/);
  });

  it('gives names that are their own slug, at most 62 characters, for any input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 120 }),
        fc.constantFrom('', 'scim', 'Acme IdP', 'x'.repeat(70)),
        (name, prefix) => {
          for (const result of orgGroupNameCandidates(name, prefix)) {
            expect(result).toMatch(SLUG_SAFE);
            expect(result.length).toBeLessThanOrEqual(GROUP_SLUG_MAX_LENGTH);
            expect(groupSlugFor(result)).toBe(result);
            expect(slugifyGroupName(result)).toBe(result);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never gives two different SCIM names the same hashed name', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 80 })), {
          minLength: 2,
          maxLength: 40,
          selector: (name) => name.toLowerCase(),
        }),
        (names) => {
          const results = names.map((n) => hashedOrgGroupNameFor(n, 'scim'));
          expect(new Set(results).size).toBe(names.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
