import { ScimError } from '../../../src/scim/errors';
import type { Filter } from '../../../src/scim/filter/ast';
import { compileFilter, compileValueFilter, evaluateFilter } from '../../../src/scim/filter/evaluate-filter';
import { parseFilter } from '../../../src/scim/filter/parse-filter';
import { attribute, complexAttribute, stringAttribute } from '../../../src/scim/schema/attribute';
import {
  findAttribute,
  groupResourceType,
  userResourceType,
  type ResourceType,
} from '../../../src/scim/schema/registry';
import { userSchema } from '../../../src/scim/schema/user-schema';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

type Resource = Readonly<Record<string, unknown>>;

const user: Resource = {
  schemas: [CORE_USER, ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'jyoung',
  userName: 'A@b.COM',
  name: { familyName: 'Employee', givenName: 'Barbara', formatted: '' },
  displayName: 'Babs Jensen',
  nickName: '',
  title: 'Tour Guide',
  active: true,
  emails: [
    { value: 'work@example.com', type: 'work', primary: true },
    { value: 'home@example.org', type: 'home' },
  ],
  phoneNumbers: [],
  addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood' }],
  [ENTERPRISE]: {
    employeeNumber: '701984',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34.1234567Z',
    location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
  },
};

const group: Resource = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'Tour Guides',
  members: [
    { value: '2819c223-7f76-453a-919d-413861904646', display: 'Babs Jensen', type: 'User' },
    { value: 'abc', display: 'Mandy Pepperidge' },
  ],
  meta: { resourceType: 'Group', created: '2020-01-01T00:00:00Z', lastModified: '2020-01-01T00:00:00Z' },
};

/** A resource type with numeric attributes: the SCIM table has none, but the rules must hold for them. */
const numericResourceType: ResourceType = {
  name: 'User',
  endpoint: '/Users',
  description: 'Test type with numbers',
  schema: {
    id: 'urn:example:params:scim:schemas:core:2.0:Thing',
    name: 'Thing',
    description: 'Thing',
    attributes: [
      attribute('level', 'integer', 'An integer.'),
      attribute('score', 'decimal', 'A decimal.'),
      attribute('ratings', 'integer', 'Many integers.', { multiValued: true }),
      stringAttribute('code', 'A case-exact string.', { caseExact: true }),
      complexAttribute(
        'parts',
        'Complex values.',
        [attribute('size', 'integer', 'A size.'), stringAttribute('label', 'A label.')],
        { multiValued: true },
      ),
    ],
  },
  extensions: [],
};

const thing: Resource = {
  level: 10,
  score: 1.5,
  ratings: [3, 7],
  code: 'Abc',
  parts: [
    { size: 2, label: 'x' },
    { size: 9, label: 'y' },
  ],
};

const lenient = { unquotedValues: true };

interface Row {
  readonly filter: string;
  readonly expected: boolean;
  readonly resource?: Resource;
  readonly resourceType?: ResourceType;
}

function run({ filter, resource = user, resourceType = userResourceType }: Row): boolean {
  return evaluateFilter(parseFilter(filter, lenient), resource, resourceType);
}

describe('evaluateFilter', () => {
  const tables: Record<string, Row[]> = {
    'case rules follow caseExact': [
      { filter: 'userName eq "a@B.com"', expected: true },
      { filter: 'USERNAME EQ "A@B.COM"', expected: true },
      { filter: 'userName eq "x"', expected: false },
      { filter: 'userName sw "a@"', expected: true },
      { filter: 'userName ew ".com"', expected: true },
      { filter: 'userName co "@B"', expected: true },
      { filter: 'userName co "@c"', expected: false },
      { filter: 'displayName eq "babs jensen"', expected: true },
      { filter: 'emails.value eq "WORK@example.com"', expected: true },
      { filter: 'id eq "2819c223-7f76-453a-919d-413861904646"', expected: true },
      { filter: 'id eq "2819C223-7F76-453A-919D-413861904646"', expected: false },
      { filter: 'externalId eq jyoung', expected: true },
      { filter: 'externalId eq JYOUNG', expected: false },
      { filter: 'meta.resourceType eq "user"', expected: false },
      { filter: 'members.value eq "ABC"', expected: false, resource: group, resourceType: groupResourceType },
      { filter: 'members.value eq "abc"', expected: true, resource: group, resourceType: groupResourceType },
      {
        filter: 'members.display eq "mandy pepperidge"',
        expected: true,
        resource: group,
        resourceType: groupResourceType,
      },
      { filter: 'displayName eq "tour guides"', expected: true, resource: group, resourceType: groupResourceType },
      { filter: 'code eq "abc"', expected: false, resource: thing, resourceType: numericResourceType },
      { filter: 'code sw "Ab"', expected: true, resource: thing, resourceType: numericResourceType },
      { filter: 'userName eq "i"', expected: true, resource: { userName: 'I' } },
      { filter: 'displayName eq "ÉLAN"', expected: true, resource: { displayName: 'élan' } },
    ],
    'string ordering is lexicographic, after case folding when caseExact is false': [
      { filter: 'title gt "tour"', expected: true },
      { filter: 'title lt "TOUR GUIDF"', expected: true },
      { filter: 'title ge "tour guide"', expected: true },
      { filter: 'title le "tour guide"', expected: true },
      { filter: 'title gt "tour guide"', expected: false },
      { filter: 'code lt "a"', expected: true, resource: thing, resourceType: numericResourceType },
    ],
    'schemas is a multi-valued, case-exact attribute': [
      { filter: `schemas eq "${CORE_USER}"`, expected: true },
      { filter: `schemas eq "${ENTERPRISE}"`, expected: true },
      { filter: `SCHEMAS eq "${CORE_USER}"`, expected: true },
      { filter: `schemas eq "${CORE_USER.toUpperCase()}"`, expected: false },
      { filter: 'schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', expected: false },
      {
        filter: 'schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"',
        expected: true,
        resource: group,
        resourceType: groupResourceType,
      },
      { filter: 'schemas pr', expected: true },
      { filter: 'schemas pr', expected: false, resource: { schemas: [] } },
    ],
    'Microsoft collection and IdP filters': [
      { filter: 'DisplayName eq "BobIsAmazing"', expected: false },
      { filter: 'DisplayName eq "BobIsAmazing"', expected: true, resource: { displayName: 'BobIsAmazing' } },
      { filter: 'name.FamilyName eq Employee', expected: true },
      {
        filter: 'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)',
        expected: true,
      },
      {
        filter: 'name.FamilyName eq Employee and (emails.Value co example.net or emails.Value co example.edu)',
        expected: false,
      },
      { filter: 'userName sw O', expected: false },
      { filter: 'userName sw O', expected: true, resource: { userName: 'oliver' } },
      { filter: 'meta.Created gt 2015-10-10T14:38:21.8617979-07:00', expected: false },
      {
        filter: 'meta.Created gt 2015-10-10T14:38:21.8617979-07:00',
        expected: true,
        resource: { meta: { created: '2015-10-10T21:38:21.8617980Z' } },
      },
      {
        filter: 'meta.Created gt 2015-10-10T14:38:21.8617979-07:00',
        expected: false,
        resource: { meta: { created: '2015-10-10T21:38:21.8617979Z' } },
      },
      {
        filter: 'id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d"',
        expected: true,
      },
      { filter: 'id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "someone-else"', expected: false },
      { filter: `${ENTERPRISE}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, expected: true },
      { filter: `${ENTERPRISE}:manager.value eq "26118915-6090-4610-87E4-49D8CA9F808D"`, expected: false },
      { filter: `${ENTERPRISE}:manager.displayName eq "john smith"`, expected: true },
      { filter: `${ENTERPRISE.toUpperCase()}:Department eq "tour operations"`, expected: true },
      { filter: 'department eq "Tour Operations"', expected: true },
      { filter: `${CORE_USER}:userName eq "a@b.com"`, expected: true },
      { filter: `${CORE_USER}:name.givenName sw "Barb"`, expected: true },
      { filter: 'emails[type eq "work"].value eq "WORK@example.com"', expected: true },
      { filter: 'emails[type eq "home"].value eq "work@example.com"', expected: false },
    ],
    'dateTime compares instants, with offsets and any number of fractional digits': [
      { filter: 'meta.created eq "2010-01-23T04:56:22Z"', expected: true },
      { filter: 'meta.created eq "2010-01-23T05:56:22+01:00"', expected: true },
      { filter: 'meta.created eq "2010-01-23T04:56:22.0000000Z"', expected: true },
      { filter: 'meta.created eq "2010-01-22T23:56:22-0500"', expected: true },
      { filter: 'meta.created gt "2010-01-23T05:26:22+01:00"', expected: true },
      { filter: 'meta.created lt "2010-01-23T05:26:22+01:00"', expected: false },
      { filter: 'meta.created gt "2010-01-23T04:30:00Z"', expected: true },
      { filter: 'meta.created ne "2010-01-23T04:56:22.001Z"', expected: true },
      { filter: 'meta.lastModified gt "2011-05-13T04:42:34.1234566Z"', expected: true },
      { filter: 'meta.lastModified gt "2011-05-13T04:42:34.123Z"', expected: true },
      { filter: 'meta.lastModified lt "2011-05-13T04:42:34.1234568Z"', expected: true },
      { filter: 'meta.lastModified eq "2011-05-13T04:42:34.12345670Z"', expected: true },
      { filter: 'meta.lastModified ge "2011-05-13T04:42:34.1234567Z"', expected: true },
      { filter: 'meta.lastModified le "2011-05-13T04:42:34.1234567Z"', expected: true },
      { filter: 'meta.lastModified gt "2011-05-13T04:42:34.1234567Z"', expected: false },
      {
        filter: 'meta.created gt "2020-01-01T00:30:00+01:00"',
        expected: true,
        resource: { meta: { created: '2020-01-01T00:00:00Z' } },
      },
      {
        filter: 'meta.created lt "2020-01-01T00:30:00+01:00"',
        expected: false,
        resource: { meta: { created: '2020-01-01T00:00:00Z' } },
      },
      {
        filter: 'meta.created gt "2000-01-01T00:00:00Z"',
        expected: false,
        resource: { meta: { created: 'not a date' } },
      },
      { filter: 'meta.created lt "2000-01-01T00:00:00Z"', expected: false, resource: { meta: { created: 12 } } },
    ],
    booleans: [
      { filter: 'active eq true', expected: true },
      { filter: 'active eq false', expected: false },
      { filter: 'active ne true', expected: false },
      { filter: 'active ne false', expected: true },
      { filter: 'active eq True', expected: true },
      { filter: 'active eq "FALSE"', expected: true, resource: { active: false } },
      { filter: 'active eq false', expected: false, resource: { active: 'false' } },
      { filter: 'emails.primary eq true', expected: true },
      { filter: 'emails[primary eq true].type eq "work"', expected: true },
    ],
    'numbers compare numerically': [
      { filter: 'level gt 9', expected: true, resource: thing, resourceType: numericResourceType },
      { filter: 'level eq 10.0', expected: true, resource: thing, resourceType: numericResourceType },
      { filter: 'level eq "10"', expected: true, resource: thing, resourceType: numericResourceType },
      { filter: 'level ge 10', expected: true, resource: thing, resourceType: numericResourceType },
      { filter: 'level lt 10', expected: false, resource: thing, resourceType: numericResourceType },
      { filter: 'level ne 10', expected: false, resource: thing, resourceType: numericResourceType },
      { filter: 'score le 1.5', expected: true, resource: thing, resourceType: numericResourceType },
      { filter: 'score gt 1.25e0', expected: true, resource: thing, resourceType: numericResourceType },
      { filter: 'score lt -3', expected: false, resource: thing, resourceType: numericResourceType },
      { filter: 'ratings gt 5', expected: true, resource: thing, resourceType: numericResourceType },
      { filter: 'ratings gt 7', expected: false, resource: thing, resourceType: numericResourceType },
      {
        filter: 'parts[size gt 5 and label eq "Y"]',
        expected: true,
        resource: thing,
        resourceType: numericResourceType,
      },
      {
        filter: 'parts[size gt 5 and label eq "x"]',
        expected: false,
        resource: thing,
        resourceType: numericResourceType,
      },
      { filter: 'level eq 10', expected: false, resource: { level: '10' }, resourceType: numericResourceType },
    ],
    'multi-valued attributes match when any value does': [
      { filter: 'emails co "example.org"', expected: true },
      { filter: 'emails eq "home@example.org"', expected: true },
      { filter: 'emails sw "nobody"', expected: false },
      { filter: 'emails.type eq "home"', expected: true },
      { filter: 'emails.type eq "other"', expected: false },
      { filter: 'emails gt "a"', expected: true },
      { filter: 'members eq "abc"', expected: true, resource: group, resourceType: groupResourceType },
      { filter: 'emails.value co "x"', expected: true, resource: { emails: { value: 'x@y' } } },
    ],
    'value paths: all conditions hold for the same element': [
      { filter: 'emails[type eq "work" and value co "example.org"]', expected: false },
      { filter: 'emails[type eq "home" and value co "example.org"]', expected: true },
      { filter: 'emails.type eq "work" and emails.value co "example.org"', expected: true },
      {
        filter: 'emails[type eq "work" and value co "@x"]',
        expected: false,
        resource: {
          emails: [
            { type: 'work', value: 'w@y' },
            { type: 'home', value: 'h@x' },
          ],
        },
      },
      { filter: 'emails[Type EQ "WORK"]', expected: true },
      { filter: 'emails[not(type eq "work")]', expected: true },
      {
        filter: 'emails[not(type eq "work")]',
        expected: false,
        resource: { emails: [{ type: 'work', value: 'w@y' }] },
      },
      { filter: 'emails[type eq "work"].value pr', expected: true },
      { filter: 'emails[type eq "work"].display pr', expected: false },
      { filter: 'emails[type eq "work"].value eq "home@example.org"', expected: false },
      { filter: 'emails[type eq "work" or type eq "home"].value ew ".org"', expected: true },
      { filter: 'addresses[type eq "work"].streetAddress co "universal"', expected: true },
      { filter: 'addresses[type eq "home"]', expected: false },
      { filter: 'members[value eq "abc"]', expected: true, resource: group, resourceType: groupResourceType },
      { filter: 'members[value eq "ABC"]', expected: false, resource: group, resourceType: groupResourceType },
      { filter: `${ENTERPRISE}:manager[displayName sw "John"]`, expected: true },
      { filter: 'emails[type eq "work"]', expected: false, resource: { emails: ['work@example.com'] } },
      { filter: 'emails[type eq "work"]', expected: false, resource: {} },
    ],
    'pr: not null, not "", not an empty array, and a complex value needs a present sub-attribute': [
      { filter: 'title pr', expected: true },
      { filter: 'nickName pr', expected: false },
      { filter: 'userType pr', expected: false },
      { filter: 'phoneNumbers pr', expected: false },
      { filter: 'emails pr', expected: true },
      { filter: 'name pr', expected: true },
      { filter: 'name.formatted pr', expected: false },
      { filter: 'name pr', expected: false, resource: { name: { givenName: '', familyName: null } } },
      { filter: 'emails pr', expected: false, resource: { emails: [{ value: '' }, {}] } },
      { filter: 'emails pr', expected: false, resource: { emails: [null] } },
      { filter: 'active pr', expected: true, resource: { active: false } },
      { filter: 'title pr', expected: false, resource: { title: null } },
      { filter: `${ENTERPRISE}:manager pr`, expected: true },
      { filter: `${ENTERPRISE}:manager pr`, expected: false, resource: { [ENTERPRISE]: { manager: {} } } },
      { filter: 'x509Certificates pr', expected: false },
      { filter: 'ratings pr', expected: true, resource: thing, resourceType: numericResourceType },
      { filter: 'level pr', expected: true, resource: { level: 0 }, resourceType: numericResourceType },
    ],
    'ne holds for absent attributes; null means absence': [
      { filter: 'title ne "x"', expected: true },
      { filter: 'title ne "tour guide"', expected: false },
      { filter: 'userType ne "x"', expected: true },
      { filter: 'nickName ne "x"', expected: true },
      { filter: 'emails.type ne "work"', expected: true },
      { filter: 'emails.type ne "work"', expected: false, resource: { emails: [{ type: 'work' }] } },
      { filter: 'emails ne "x"', expected: true, resource: {} },
      { filter: 'userType eq null', expected: true },
      { filter: 'title eq null', expected: false },
      { filter: 'title ne null', expected: true },
      { filter: 'nickName eq null', expected: true },
      { filter: 'name eq null', expected: false },
      { filter: 'phoneNumbers eq null', expected: true },
    ],
    logic: [
      { filter: 'not (userName eq "a@b.com")', expected: false },
      { filter: 'not(title pr)', expected: false },
      { filter: 'NOT(userType pr)', expected: true },
      { filter: 'userName eq "x" or title pr', expected: true },
      { filter: 'userName eq "x" or title pr and nickName pr', expected: false },
      { filter: '(userName eq "x" or title pr) and not(nickName pr)', expected: true },
      { filter: 'title pr and (userType pr or (active eq true and not (displayName co "zzz")))', expected: true },
    ],
    'resource member names are matched case-insensitively as a fallback': [
      { filter: 'userName eq "x"', expected: true, resource: { UserName: 'X' } },
      {
        filter: 'emails[type eq "work"].value eq "a"',
        expected: true,
        resource: { Emails: [{ Type: 'Work', VALUE: 'A' }] },
      },
      { filter: 'department eq "d"', expected: true, resource: { [ENTERPRISE.toLowerCase()]: { department: 'D' } } },
    ],
  };

  for (const [title, rows] of Object.entries(tables)) {
    describe(title, () => {
      it.each(rows)('$filter → $expected', (row) => {
        expect(run(row)).toBe(row.expected);
      });
    });
  }
});

describe('evaluateFilter: filters the resource type cannot evaluate give invalidFilter, whatever the resource', () => {
  const rows: { filter: string; resourceType?: ResourceType; mentions: string }[] = [
    { filter: 'foo eq "x"', mentions: "'foo'" },
    { filter: 'userName pr or foo eq "x"', mentions: "'foo'" },
    { filter: 'name.nope eq "x"', mentions: "'name.nope'" },
    { filter: 'emails[foo eq "x"]', mentions: "'foo' inside 'emails[…]'" },
    { filter: 'emails[type eq "work"].foo eq "x"', mentions: "'foo'" },
    { filter: 'emails[value.x eq "x"]', mentions: "'value.x'" },
    { filter: 'emails[emails.type eq "x"]', mentions: "'emails.type'" },
    { filter: 'userName[value eq "x"]', mentions: 'not a complex attribute' },
    { filter: 'schemas[value eq "x"]', mentions: 'not a complex attribute' },
    { filter: 'active gt true', mentions: 'boolean' },
    { filter: 'active co "t"', mentions: 'boolean' },
    { filter: 'active eq 1', mentions: 'boolean' },
    { filter: 'active eq "yes"', mentions: 'boolean' },
    { filter: 'emails.primary lt false', mentions: 'boolean' },
    { filter: 'name gt "a"', mentions: 'complex' },
    { filter: 'name eq "a"', mentions: 'complex' },
    { filter: 'meta eq "a"', mentions: 'complex' },
    { filter: 'addresses co "x"', mentions: 'complex' },
    { filter: 'meta.created co "2010"', mentions: 'dateTime' },
    { filter: 'meta.created sw "2010"', mentions: 'dateTime' },
    { filter: 'meta.created gt "yesterday"', mentions: 'not a valid xsd:dateTime' },
    { filter: 'meta.created gt 5', mentions: 'not a valid xsd:dateTime' },
    { filter: 'meta.created eq "2020-02-30T00:00:00Z"', mentions: 'not a valid xsd:dateTime' },
    { filter: 'meta.created eq "2020-01-01T25:00:00Z"', mentions: 'not a valid xsd:dateTime' },
    { filter: 'meta.lastModified eq "2020-01-01"', mentions: 'not a valid xsd:dateTime' },
    { filter: 'meta.lastModified eq "2020-01-01T00:00:00+1:00"', mentions: 'not a valid xsd:dateTime' },
    { filter: 'title gt null', mentions: 'null' },
    { filter: 'title co null', mentions: 'null' },
    { filter: 'x509Certificates.value co "x"', mentions: 'binary' },
    { filter: 'x509Certificates gt "x"', mentions: 'binary' },
    { filter: 'members.value eq "x"', mentions: "'members.value'" },
    { filter: 'userName eq "x"', resourceType: groupResourceType, mentions: "'userName'" },
    { filter: ENTERPRISE + ' pr', mentions: ENTERPRISE },
    { filter: `${ENTERPRISE}:nope eq "x"`, mentions: 'nope' },
    { filter: `${CORE_USER}:department eq "x"`, mentions: 'department' },
    { filter: 'urn:example:unknown:2.0:User:userName eq "x"', mentions: 'userName' },
    { filter: 'level co 1', resourceType: numericResourceType, mentions: 'number' },
    { filter: 'level eq "abc"', resourceType: numericResourceType, mentions: 'number' },
    { filter: 'level gt true', resourceType: numericResourceType, mentions: 'number' },
    { filter: 'not (emails[type eq "x"].nope pr)', mentions: 'nope' },
  ];

  it.each(rows)('$filter', ({ filter, resourceType = userResourceType, mentions }) => {
    const parsed = parseFilter(filter, lenient);
    for (const resource of [user, group, thing, {}]) {
      let caught: unknown;
      try {
        evaluateFilter(parsed, resource, resourceType);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ScimError);
      expect((caught as ScimError).scimType).toBe('invalidFilter');
      expect((caught as ScimError).detail).toContain(mentions);
    }
  });

  it('rejects nested value paths in hand-built trees and unknown node kinds', () => {
    const nested: Filter = {
      kind: 'valuePath',
      path: 'emails',
      filter: { kind: 'valuePath', path: 'type', filter: { kind: 'present', path: 'value' } },
    };
    expect(() => compileFilter(nested, userResourceType)).toThrow(
      expect.objectContaining({ scimType: 'invalidFilter' }),
    );
    const bogus = { kind: 'xor', left: { kind: 'present', path: 'title' } } as unknown as Filter;
    expect(() => compileFilter(bogus, userResourceType)).toThrow(
      expect.objectContaining({ scimType: 'invalidFilter' }),
    );
  });

  it('evaluates a 200-term and-chain and a 100 000-deep hand-built chain without recursion limits', () => {
    const parsed = parseFilter(Array.from({ length: 200 }, () => 'title pr').join(' and '), lenient);
    expect(evaluateFilter(parsed, user, userResourceType)).toBe(true);
    let deep: Filter = { kind: 'present', path: 'title' };
    for (let i = 0; i < 100_000; i++) deep = { kind: 'or', left: deep, right: { kind: 'present', path: 'nickName' } };
    expect(evaluateFilter(deep, user, userResourceType)).toBe(true);
    expect(evaluateFilter(deep, { nickName: '' }, userResourceType)).toBe(false);
  });
});

describe('compileFilter and compileValueFilter', () => {
  it('compiles once and evaluates many resources', () => {
    const predicate = compileFilter(parseFilter('userName sw "a"', lenient), userResourceType);
    expect([{ userName: 'alice' }, { userName: 'Bob' }, { userName: 'ANNA' }, {}].map(predicate)).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('matches elements of a multi-valued complex attribute for PATCH targets', () => {
    const emails = findAttribute(userSchema.attributes, 'emails')!;
    const predicate = compileValueFilter(parseFilter('type eq "WORK" and value ew "@x.com"', lenient), emails);
    expect(
      [
        { type: 'work', value: 'a@x.com' },
        { type: 'home', value: 'b@x.com' },
        { type: 'work', value: 'c@y.com' },
      ].map(predicate),
    ).toEqual([true, false, false]);
    expect(() => compileValueFilter(parseFilter('nope pr', lenient), emails)).toThrow(
      expect.objectContaining({ scimType: 'invalidFilter' }),
    );
    const userName = findAttribute(userSchema.attributes, 'userName')!;
    expect(() => compileValueFilter(parseFilter('value pr', lenient), userName)).toThrow(
      expect.objectContaining({ scimType: 'invalidFilter' }),
    );
  });
});
