/** Filters at the server root (RFC 7644 section 3.4.3): attributes one resource type lacks are unassigned there. */
import { compileFilter } from '../../../src/scim/filter/evaluate-filter';
import { parseFilter } from '../../../src/scim/filter/parse-filter';
import { cannotMatch, checkFilterAcrossTypes, filterAttributePaths } from '../../../src/scim/filter/root-filter';
import { groupResourceType, resourceTypes, userResourceType } from '../../../src/scim/schema/registry';
import { scimErrorOf } from '../resource/test-kit';

const parse = (text: string) => parseFilter(text, { unquotedValues: false });
const group = { displayName: 'Ops', members: [{ value: 'u1' }] };

describe('root filters', () => {
  test('lists the resource-level paths, not those inside a value filter', () => {
    expect(filterAttributePaths(parse('userName eq "a" or not (emails[type eq "work"] and members pr)'))).toEqual([
      'userName',
      'emails',
      'members',
    ]);
  });

  test.each([
    ['userName eq "a"', false],
    ['userName ne "a"', true],
    ['userName eq null', true],
    ['userName pr', false],
    ['not (userName eq "a")', true],
    ['emails[type eq "work"]', false],
    ['userName co "a" or displayName eq "Ops"', true],
  ])('for a Group, %s evaluates to %s with userName and emails unassigned', (text, expected) => {
    expect(compileFilter(parse(text), groupResourceType, { undefinedAttributes: 'unassigned' })(group)).toBe(expected);
  });

  test('without the option, an attribute the type lacks is still invalidFilter', () => {
    expect(scimErrorOf(() => compileFilter(parse('userName eq "a"'), groupResourceType)).scimType).toBe(
      'invalidFilter',
    );
  });

  test.each([
    'userName eq "a"',
    'members[value eq "u1"]',
    'userName eq "a" or members pr',
    'meta.created gt "2020-01-01T00:00:00Z"',
  ])('accepts %s at the root', (text) => {
    expect(() => checkFilterAcrossTypes(parse(text), resourceTypes)).not.toThrow();
  });

  test.each([
    'nonsense eq "a"',
    'userName eq "a" or nonsense pr',
    'active gt true',
    'members[nonsense eq "x"]',
    'displayName gt 3 and emails co 1 and active co "x"',
  ])('refuses %s at the root with invalidFilter', (text) => {
    expect(scimErrorOf(() => checkFilterAcrossTypes(parse(text), resourceTypes)).scimType).toBe('invalidFilter');
  });

  test.each([
    ['userName eq "a"', 'Group', true],
    ['userName eq "a"', 'User', false],
    ['displayName eq "a" and userName pr', 'Group', true],
    ['userName eq "a" or displayName eq "b"', 'Group', false],
    ['userName ne "a"', 'Group', false],
    ['members[value eq "x"]', 'User', true],
  ])('cannotMatch(%s) for %s is %s', (text, type, expected) => {
    expect(cannotMatch(parse(text), type === 'User' ? userResourceType : groupResourceType)).toBe(expected);
  });
});
