import fc from 'fast-check';
import { slugifyGroupName } from '../../emulators/bitbucket/bitbucket-state';
import { GROUP_SLUG_MAX_LENGTH, groupSlugFor, orgGroupNameFor } from '../../src/targets/group-slug';

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

describe('orgGroupNameFor: slug-safe names for the groups the app creates', () => {
  it.each([
    ['developers', 'scim', 'scim-developers'],
    ['developers', '', 'developers'],
    ['web-team-2', 'idp', 'idp-web-team-2'],
    ['developers', 'SCIM Sync', 'scim-sync-developers'],
  ])('keeps a name that is already slug-safe: %j with prefix %j is %j', (name, prefix, expected) => {
    expect(orgGroupNameFor(name, prefix)).toBe(expected);
  });

  it.each([
    ['Platform Devs', 'scim-platform-devs-h'],
    ['Équipe Données', 'scim-equipe-donnees-h'],
    ['日本語チーム', 'scim-h'],
    ['!!!', 'scim-h'],
  ])('adds a hash when sanitising %j loses information', (name, start) => {
    const result = orgGroupNameFor(name, 'scim');
    expect(result.startsWith(start)).toBe(true);
    expect(result).toMatch(HASHED);
  });

  it('uses a placeholder stem when neither prefix nor name has a slug-safe character', () => {
    expect(orgGroupNameFor('日本語', '')).toMatch(/^group-h[0-9a-f]{10}$/);
  });

  it('is stable: the same SCIM name always gives the same group name', () => {
    expect(orgGroupNameFor('Platform Devs', 'scim')).toBe(orgGroupNameFor('Platform Devs', 'scim'));
  });

  it('truncates long names to 62 characters and keeps them apart with the hash', () => {
    const long = 'platform-engineering-'.repeat(5);
    const a = orgGroupNameFor(`${long}alpha`, 'scim');
    const b = orgGroupNameFor(`${long}beta`, 'scim');
    expect(a.length).toBeLessThanOrEqual(GROUP_SLUG_MAX_LENGTH);
    expect(b.length).toBeLessThanOrEqual(GROUP_SLUG_MAX_LENGTH);
    expect(a).toMatch(HASHED);
    expect(a).not.toBe(b);
    expect(a.slice(0, 40)).toBe(b.slice(0, 40));
  });

  it('keeps only the case of a name that is otherwise slug-safe, without a hash', () => {
    expect(orgGroupNameFor('Developers', 'scim')).toBe('scim-developers');
    expect(orgGroupNameFor('DEVELOPERS', 'scim')).toBe('scim-developers');
  });

  it('keeps names apart that sanitise to the same text (SCIM group names are unique case-insensitively)', () => {
    const names = ['Developers', 'developers ', 'dévelopers', 'Developers!', 'de-velopers', 'de velopers'];
    const results = names.map((n) => orgGroupNameFor(n, 'scim'));
    expect(new Set(results).size).toBe(names.length);
  });

  it('does not let a clean name collide with the hashed form of another', () => {
    const hashed = orgGroupNameFor('Platform Devs', '');
    // A SCIM name spelled exactly like that hashed result is itself given a (different) hash.
    const lookalike = orgGroupNameFor(hashed, '');
    expect(lookalike).not.toBe(hashed);
    expect(lookalike).toMatch(HASHED);
    expect(lookalike.startsWith(hashed.slice(0, -12))).toBe(true);
  });

  it('gives names that are their own slug, at most 62 characters, for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.constantFrom('', 'scim', 'Acme IdP', 'x'.repeat(70)), (name, prefix) => {
        const result = orgGroupNameFor(name, prefix);
        expect(result).toMatch(SLUG_SAFE);
        expect(result.length).toBeLessThanOrEqual(GROUP_SLUG_MAX_LENGTH);
        expect(groupSlugFor(result)).toBe(result);
        expect(slugifyGroupName(result)).toBe(result);
      }),
      { numRuns: 500 },
    );
  });

  it('never maps two different SCIM names to one group name', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,3}$/), fc.string({ unit: 'grapheme', maxLength: 80 })), {
          minLength: 2,
          maxLength: 40,
          selector: (name) => name.toLowerCase(),
        }),
        (names) => {
          const results = names.map((n) => orgGroupNameFor(n, 'scim'));
          expect(new Set(results).size).toBe(names.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
