import type { Filter } from '../../../src/scim/filter/ast';
import { findIndexableEquality, type IndexableEquality } from '../../../src/scim/filter/indexable-equality';
import { parseFilter } from '../../../src/scim/filter/parse-filter';
import { groupResourceType, userResourceType, type ResourceType } from '../../../src/scim/schema/registry';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

interface Row {
  readonly filter: string;
  readonly resourceType: ResourceType;
  readonly expected: IndexableEquality | undefined;
}

const user = userResourceType;
const groups = groupResourceType;

const positive: Row[] = [
  { filter: 'userName eq "bjensen"', resourceType: user, expected: { key: 'userName', value: 'bjensen' } },
  { filter: 'USERNAME EQ "BJensen"', resourceType: user, expected: { key: 'userName', value: 'BJensen' } },
  { filter: `${CORE_USER}:userName eq "x"`, resourceType: user, expected: { key: 'userName', value: 'x' } },
  { filter: 'id eq "1"', resourceType: user, expected: { key: 'id', value: '1' } },
  { filter: 'externalId eq "e"', resourceType: user, expected: { key: 'externalId', value: 'e' } },
  { filter: 'externalId eq jyoung', resourceType: user, expected: { key: 'externalId', value: 'jyoung' } },
  { filter: 'id eq "1" and manager eq "m"', resourceType: user, expected: { key: 'id', value: '1' } },
  { filter: 'userName eq "u" and externalId eq "e"', resourceType: user, expected: { key: 'userName', value: 'u' } },
  { filter: 'externalId eq "e" and userName eq "u"', resourceType: user, expected: { key: 'userName', value: 'u' } },
  {
    filter: 'externalId eq "e" and userName eq "u" and id eq "i"',
    resourceType: user,
    expected: { key: 'id', value: 'i' },
  },
  {
    filter: 'externalId eq "e" and (active eq true and (userName eq "u" and title pr))',
    resourceType: user,
    expected: { key: 'userName', value: 'u' },
  },
  { filter: '((userName eq "u"))', resourceType: user, expected: { key: 'userName', value: 'u' } },
  {
    filter: 'userName eq "u" and (title pr or nickName pr)',
    resourceType: user,
    expected: { key: 'userName', value: 'u' },
  },
  {
    filter: 'emails[type eq "work"].value eq "a@x.com"',
    resourceType: user,
    expected: { key: 'workEmail', value: 'a@x.com' },
  },
  {
    filter: 'emails[type eq "work" and value eq "a@x.com"]',
    resourceType: user,
    expected: { key: 'workEmail', value: 'a@x.com' },
  },
  {
    filter: 'Emails[VALUE EQ "a@x.com" and Type eq "Work"]',
    resourceType: user,
    expected: { key: 'workEmail', value: 'a@x.com' },
  },
  {
    filter: 'emails[type eq "work" and primary eq true].value eq "a@x.com"',
    resourceType: user,
    expected: { key: 'workEmail', value: 'a@x.com' },
  },
  {
    filter: `${CORE_USER}:emails[type eq "work"].value eq "a@x.com"`,
    resourceType: user,
    expected: { key: 'workEmail', value: 'a@x.com' },
  },
  {
    filter: 'emails[type eq "work"].value eq "a@x.com" and externalId eq "e"',
    resourceType: user,
    expected: { key: 'externalId', value: 'e' },
  },
  {
    filter: 'active eq true and emails[type eq "work"].value eq "a@x.com"',
    resourceType: user,
    expected: { key: 'workEmail', value: 'a@x.com' },
  },
  {
    filter: 'displayName eq "Tour Guides"',
    resourceType: groups,
    expected: { key: 'displayName', value: 'Tour Guides' },
  },
  { filter: `${CORE_GROUP}:displayName eq "g"`, resourceType: groups, expected: { key: 'displayName', value: 'g' } },
  {
    filter: 'displayName eq "g" and externalId eq "e"',
    resourceType: groups,
    expected: { key: 'externalId', value: 'e' },
  },
  { filter: 'id eq "1"', resourceType: groups, expected: { key: 'id', value: '1' } },
  { filter: 'displayName eq "g" and id eq "1"', resourceType: groups, expected: { key: 'id', value: '1' } },
];

const negative: Row[] = [
  { filter: 'userName eq "a" or userName eq "b"', resourceType: user, expected: undefined },
  { filter: 'userName eq "a" or title pr', resourceType: user, expected: undefined },
  { filter: 'not (userName eq "a")', resourceType: user, expected: undefined },
  { filter: 'title pr and not (id eq "1")', resourceType: user, expected: undefined },
  { filter: '(userName eq "a" or title pr) and active eq true', resourceType: user, expected: undefined },
  { filter: 'userName ne "a"', resourceType: user, expected: undefined },
  { filter: 'userName co "a"', resourceType: user, expected: undefined },
  { filter: 'userName sw "a"', resourceType: user, expected: undefined },
  { filter: 'id gt "a"', resourceType: user, expected: undefined },
  { filter: 'userName pr', resourceType: user, expected: undefined },
  { filter: 'userName eq true', resourceType: user, expected: undefined },
  { filter: 'externalId eq 12345', resourceType: user, expected: undefined },
  { filter: 'userName eq null', resourceType: user, expected: undefined },
  { filter: 'displayName eq "x"', resourceType: user, expected: undefined },
  { filter: 'userName eq "x"', resourceType: groups, expected: undefined },
  { filter: 'emails[type eq "work"].value eq "x"', resourceType: groups, expected: undefined },
  { filter: 'emails[type eq "home"].value eq "x"', resourceType: user, expected: undefined },
  { filter: 'emails[type eq "work"].value co "x"', resourceType: user, expected: undefined },
  { filter: 'emails[type eq "work"].display eq "x"', resourceType: user, expected: undefined },
  { filter: 'emails[type eq "work"]', resourceType: user, expected: undefined },
  { filter: 'emails[value eq "x"]', resourceType: user, expected: undefined },
  { filter: 'emails[type eq "work" or value eq "x"]', resourceType: user, expected: undefined },
  { filter: 'emails[not (type ne "work") and value eq "x"]', resourceType: user, expected: undefined },
  { filter: 'emails.value eq "x"', resourceType: user, expected: undefined },
  { filter: 'emails.type eq "work" and emails.value eq "x"', resourceType: user, expected: undefined },
  { filter: 'phoneNumbers[type eq "work"].value eq "x"', resourceType: user, expected: undefined },
  { filter: 'members[value eq "x"]', resourceType: groups, expected: undefined },
  { filter: 'name.givenName eq "x"', resourceType: user, expected: undefined },
  { filter: 'meta.resourceType eq "User"', resourceType: user, expected: undefined },
  { filter: `${ENTERPRISE}:employeeNumber eq "1"`, resourceType: user, expected: undefined },
  { filter: 'manager eq "m"', resourceType: user, expected: undefined },
  { filter: `${CORE_GROUP}:displayName eq "g"`, resourceType: user, expected: undefined },
  { filter: 'foo eq "x"', resourceType: user, expected: undefined },
  { filter: 'urn:nope:x:userName eq "x"', resourceType: user, expected: undefined },
];

describe('findIndexableEquality', () => {
  it.each(positive)('$resourceType.name: $filter → $expected.key', ({ filter, resourceType, expected }) => {
    expect(findIndexableEquality(parseFilter(filter, { unquotedValues: true }), resourceType)).toEqual(expected);
  });

  it.each(negative)('$resourceType.name: $filter → none', ({ filter, resourceType }) => {
    expect(findIndexableEquality(parseFilter(filter, { unquotedValues: true }), resourceType)).toBeUndefined();
  });

  it('walks a long hand-built and-chain without recursion', () => {
    let chain: Filter = { kind: 'present', path: 'title' };
    for (let i = 0; i < 50_000; i++) chain = { kind: 'and', left: { kind: 'present', path: 'nickName' }, right: chain };
    chain = { kind: 'and', left: chain, right: { kind: 'compare', path: 'userName', operator: 'eq', value: 'deep' } };
    expect(findIndexableEquality(chain, userResourceType)).toEqual({ key: 'userName', value: 'deep' });
  });
});
