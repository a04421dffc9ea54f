import type { ScimType } from '../../../src/scim/errors';
import { normalizeResource } from '../../../src/scim/resource/normalize-resource';
import type { MemberRef, ScimObject } from '../../../src/scim/resource/types';
import {
  ATLASSIAN_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  USER_SCHEMA,
} from '../../../src/scim/schema/urns';
import {
  deepFreeze,
  profilesFor,
  prototypeIsClean,
  resourceTypeNamed,
  scimErrorOf,
  type ProfileChoice,
  type Source,
} from './test-kit';

interface BodyCase {
  readonly name: string;
  readonly source: Source;
  readonly resourceType: 'User' | 'Group';
  readonly profile: ProfileChoice;
  readonly body: unknown;
  readonly expected?: ScimObject;
  /** Expected members; 'absent' when the body had no `members` attribute. */
  readonly members?: readonly MemberRef[] | 'absent';
  readonly error?: ScimType;
  readonly detail?: RegExp;
}

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;

/** A Microsoft-collection-style user body: capitalised `Primary`, null sub-attributes, an empty `roles`, read-only `meta`. */
function collectionUser(overrides: ScimObject = {}): ScimObject {
  return {
    userName: 'OMalley',
    active: true,
    displayName: 'Kim Baker',
    emails: [
      { Primary: true, type: 'work', value: 'kim@example.com' },
      { Primary: false, type: 'home', value: 'kim@home.example' },
    ],
    meta: { created: '2019-09-18T18:15:26.5788954+00:00', resourceType: 'User' },
    name: { formatted: 'Kim Baker', familyName: 'Baker', givenName: 'Kim', honorificPrefix: null },
    roles: [],
    externalId: 'ext-1',
    schemas: [USER_SCHEMA],
    ...overrides,
  };
}

const collectionUserStored: ScimObject = {
  schemas: [USER_SCHEMA],
  userName: 'OMalley',
  active: true,
  displayName: 'Kim Baker',
  emails: [
    { primary: true, type: 'work', value: 'kim@example.com' },
    { primary: false, type: 'home', value: 'kim@home.example' },
  ],
  name: { formatted: 'Kim Baker', familyName: 'Baker', givenName: 'Kim' },
  externalId: 'ext-1',
};

const cases: readonly BodyCase[] = [
  {
    name: 'collection user: capitalised Primary, nulls and empty arrays dropped, meta ignored',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'both',
    body: collectionUser(),
    expected: collectionUserStored,
  },
  {
    name: 'collection user with "active":"True" is coerced',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'lenient',
    body: collectionUser({ active: 'True' }),
    expected: collectionUserStored,
  },
  {
    name: 'collection user with "active":"True" is a type error when strict',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'strict',
    body: collectionUser({ active: 'True' }),
    error: 'invalidValue',
    detail: /active/,
  },
  {
    name: 'misspelt "adreses" is dropped',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'lenient',
    body: collectionUser({ adreses: [{ country: 'Germany', type: 'work' }], id: 'some-id' }),
    expected: collectionUserStored,
  },
  {
    name: 'misspelt "adreses" is rejected when strict',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'strict',
    body: collectionUser({ adreses: [{ country: 'Germany' }] }),
    error: 'invalidSyntax',
    detail: /adreses/,
  },
  {
    name: 'PUT with "userame" instead of userName lacks the required userName',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'lenient',
    body: { id: 'u1', userame: 'OMalley', active: false, schemas: [USER_SCHEMA] },
    error: 'invalidValue',
    detail: /userName/,
  },
  {
    name: 'PUT with "userame" fails on the unknown key first when strict',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'strict',
    body: { id: 'u1', userame: 'OMalley', active: false, schemas: [USER_SCHEMA] },
    error: 'invalidSyntax',
  },
  {
    name: 'missing userName',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'both',
    body: { active: true, displayName: 'Nobody', schemas: [USER_SCHEMA] },
    error: 'invalidValue',
    detail: /userName/,
  },
  {
    name: 'empty userName counts as missing',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: { userName: '', schemas: [USER_SCHEMA] },
    error: 'invalidValue',
    detail: /userName/,
  },
  {
    name: 'enterprise extension with capitalised Department and Manager.Value',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'both',
    body: {
      userName: 'UserName222',
      schemas: [ENTERPRISE, USER_SCHEMA],
      [ENTERPRISE]: { Department: 'bob', Manager: { Value: 'SuzzyQ', displayName: 'Suzy Q' } },
    },
    expected: {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: 'UserName222',
      [ENTERPRISE]: { department: 'bob', manager: { value: 'SuzzyQ' } },
    },
  },
  {
    name: 'extension found under its URN case-insensitively, keys canonicalised',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: { UserName: 'a', schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE.toUpperCase()]: { EMPLOYEENUMBER: '7' } },
    expected: { schemas: [USER_SCHEMA, ENTERPRISE], userName: 'a', [ENTERPRISE]: { employeeNumber: '7' } },
  },
  {
    name: 'URN-prefixed top-level keys move into the extension object',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: {
      userName: 'a',
      schemas: [USER_SCHEMA, ENTERPRISE],
      [`${ENTERPRISE}:department`]: 'Sales',
      [`${USER_SCHEMA}:nickName`]: 'Al',
    },
    expected: {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: 'a',
      [ENTERPRISE]: { department: 'Sales' },
      nickName: 'Al',
    },
  },
  {
    name: 'the same attribute nested and URN-prefixed is ambiguous',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: { userName: 'a', [ENTERPRISE]: { department: 'A' }, [`${ENTERPRISE}:department`]: 'B' },
    error: 'invalidSyntax',
  },
  {
    name: 'the same attribute in two spellings is ambiguous',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: { userName: 'a', UserName: 'b' },
    error: 'invalidSyntax',
    detail: /userName/,
  },
  {
    name: 'read-only id, meta, groups, manager.displayName and the Atlassian extension are ignored; password dropped',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: {
      schemas: [USER_SCHEMA, ENTERPRISE, ATLASSIAN_USER_SCHEMA],
      id: 'x',
      meta: { resourceType: 'User' },
      userName: 'a',
      password: 's3cret',
      groups: [{ value: 'g1' }],
      [ENTERPRISE]: { manager: { value: 'm1', displayName: 'Boss', $ref: 'https://x/Users/m1' } },
      [ATLASSIAN_USER_SCHEMA]: { accountId: 'acc', syncState: 'synced' },
    },
    expected: {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: 'a',
      [ENTERPRISE]: { manager: { value: 'm1', $ref: 'https://x/Users/m1' } },
    },
  },
  {
    name: 'strings are kept exactly as sent; non-canonical type values are accepted',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: {
      userName: '  Mixed.Case@Example.COM ',
      schemas: [USER_SCHEMA],
      phoneNumbers: [{ value: '+1 (555) 010-0000', type: 'badge' }],
    },
    expected: {
      schemas: [USER_SCHEMA],
      userName: '  Mixed.Case@Example.COM ',
      phoneNumbers: [{ value: '+1 (555) 010-0000', type: 'badge' }],
    },
  },
  {
    name: 'duplicate type values are kept (the collection sends two work emails)',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'both',
    body: {
      userName: 'emp1',
      schemas: [USER_SCHEMA],
      emails: [
        { type: 'work', value: 'a@x' },
        { type: 'work', value: 'b@x' },
      ],
    },
    expected: {
      schemas: [USER_SCHEMA],
      userName: 'emp1',
      emails: [
        { type: 'work', value: 'a@x' },
        { type: 'work', value: 'b@x' },
      ],
    },
  },
  {
    name: 'a number where a string is due names the attribute',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: { userName: 42, schemas: [USER_SCHEMA] },
    error: 'invalidValue',
    detail: /userName/,
  },
  {
    name: 'a string where a complex value is due',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: { userName: 'a', name: 'Alice', schemas: [USER_SCHEMA] },
    error: 'invalidValue',
    detail: /name/,
  },
  {
    name: 'a wrongly typed sub-attribute names the path',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: { userName: 'a', emails: [{ value: 'a@x', primary: 'yes' }], schemas: [USER_SCHEMA] },
    error: 'invalidValue',
    detail: /emails\.primary/,
  },
  {
    name: 'a single object for a multi-valued attribute is wrapped',
    source: 'OneLogin',
    resourceType: 'User',
    profile: 'lenient',
    body: { userName: 'a', emails: { value: 'a@x', type: 'work' } },
    expected: { schemas: [USER_SCHEMA], userName: 'a', emails: [{ value: 'a@x', type: 'work' }] },
  },
  {
    name: 'a single object for a multi-valued attribute is rejected when strict',
    source: 'RFC',
    resourceType: 'User',
    profile: 'strict',
    body: { userName: 'a', emails: { value: 'a@x' }, schemas: [USER_SCHEMA] },
    error: 'invalidValue',
    detail: /emails/,
  },
  {
    name: 'two primary emails',
    source: 'RFC',
    resourceType: 'User',
    profile: 'both',
    body: {
      userName: 'a',
      schemas: [USER_SCHEMA],
      emails: [
        { value: 'a@x', primary: true },
        { value: 'b@x', primary: true },
      ],
    },
    error: 'invalidValue',
    detail: /primary/,
  },
  {
    name: 'more than 100 emails',
    source: 'security',
    resourceType: 'User',
    profile: 'both',
    body: {
      userName: 'a',
      schemas: [USER_SCHEMA],
      emails: Array.from({ length: 101 }, (_, index) => ({ value: `u${index}@x` })),
    },
    error: 'invalidValue',
    detail: /100/,
  },
  {
    name: 'missing schemas are tolerated',
    source: 'OneLogin',
    resourceType: 'User',
    profile: 'lenient',
    body: { userName: 'a' },
    expected: { schemas: [USER_SCHEMA], userName: 'a' },
  },
  {
    name: 'missing schemas are rejected when strict',
    source: 'RFC',
    resourceType: 'User',
    profile: 'strict',
    body: { userName: 'a' },
    error: 'invalidSyntax',
  },
  {
    name: 'extension data whose URN is not listed is rejected when strict',
    source: 'RFC',
    resourceType: 'User',
    profile: 'strict',
    body: { userName: 'a', schemas: [USER_SCHEMA], [ENTERPRISE]: { department: 'x' } },
    error: 'invalidSyntax',
    detail: /enterprise/,
  },
  {
    name: 'Entra group create with a Microsoft schema URN and empty members',
    source: 'Entra default',
    resourceType: 'Group',
    profile: 'lenient',
    body: {
      schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: 'e1',
      displayName: 'Engineering',
      members: [],
    },
    expected: { schemas: [GROUP_SCHEMA], externalId: 'e1', displayName: 'Engineering' },
    members: [],
  },
  {
    name: 'a vendor schema URN is rejected when strict',
    source: 'Entra default',
    resourceType: 'Group',
    profile: 'strict',
    body: {
      schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      displayName: 'Engineering',
    },
    error: 'invalidSyntax',
  },
  {
    name: 'schemas that is not an array of strings',
    source: 'RFC',
    resourceType: 'Group',
    profile: 'both',
    body: { schemas: GROUP_SCHEMA, displayName: 'Engineering' },
    error: 'invalidSyntax',
  },
  {
    name: 'group members come back separately; $ref ignored; duplicates collapse',
    source: 'Okta',
    resourceType: 'Group',
    profile: 'both',
    body: {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [
        { value: 'u1', display: 'Ann', $ref: 'https://x/Users/u1' },
        { value: 'u2', type: 'User', $ref: null },
        { value: 'u1', display: 'Ann again' },
      ],
    },
    expected: { schemas: [GROUP_SCHEMA], displayName: 'Engineering' },
    members: [
      { value: 'u1', display: 'Ann' },
      { value: 'u2', type: 'User' },
    ],
  },
  {
    name: 'a group body without members reports none',
    source: 'Okta',
    resourceType: 'Group',
    profile: 'both',
    body: { schemas: [GROUP_SCHEMA], displayName: 'Engineering' },
    expected: { schemas: [GROUP_SCHEMA], displayName: 'Engineering' },
    members: 'absent',
  },
  {
    name: 'bare-string members and displayName as display',
    source: 'Microsoft collection',
    resourceType: 'Group',
    profile: 'lenient',
    body: {
      schemas: [GROUP_SCHEMA],
      displayName: 'G',
      members: ['string id 1', { value: 'u4', displayName: 'new User' }],
    },
    expected: { schemas: [GROUP_SCHEMA], displayName: 'G' },
    members: [{ value: 'string id 1' }, { value: 'u4', display: 'new User' }],
  },
  {
    name: 'bare-string members are rejected when strict',
    source: 'Microsoft collection',
    resourceType: 'Group',
    profile: 'strict',
    body: { schemas: [GROUP_SCHEMA], displayName: 'G', members: ['string id 1'] },
    error: 'invalidValue',
  },
  {
    name: 'a member without value',
    source: 'RFC',
    resourceType: 'Group',
    profile: 'both',
    body: { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ display: 'Ann' }] },
    error: 'invalidValue',
    detail: /members\[0\]\.value/,
  },
  {
    name: 'a group without displayName',
    source: 'RFC',
    resourceType: 'Group',
    profile: 'both',
    body: { schemas: [GROUP_SCHEMA], externalId: 'e1' },
    error: 'invalidValue',
    detail: /displayName/,
  },
  {
    name: 'a User attribute in a Group body is unknown',
    source: 'RFC',
    resourceType: 'Group',
    profile: 'lenient',
    body: { schemas: [GROUP_SCHEMA], displayName: 'G', userName: 'x' },
    expected: { schemas: [GROUP_SCHEMA], displayName: 'G' },
    members: 'absent',
  },
  {
    name: 'a JSON array body',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'both',
    body: [{ userName: 'a' }],
    error: 'invalidSyntax',
  },
  {
    name: 'a JSON string body',
    source: 'Microsoft collection',
    resourceType: 'User',
    profile: 'both',
    body: 'userName',
    error: 'invalidSyntax',
  },
  {
    name: 'a null body',
    source: 'Microsoft collection',
    resourceType: 'Group',
    profile: 'both',
    body: null,
    error: 'invalidSyntax',
  },
];

describe('normalizeResource', () => {
  for (const testCase of cases) {
    for (const [profileName, profile] of profilesFor(testCase.profile)) {
      test(`[${testCase.source}] ${testCase.name} (${profileName})`, () => {
        const body = deepFreeze(structuredClone(testCase.body));
        const resourceType = resourceTypeNamed(testCase.resourceType);
        if (testCase.error) {
          const error = scimErrorOf(() => normalizeResource(body, resourceType, profile));
          expect(error.scimType).toBe(testCase.error);
          expect(error.status).toBe(400);
          if (testCase.detail) expect(error.detail).toMatch(testCase.detail);
          return;
        }
        const result = normalizeResource(body, resourceType, profile);
        expect(result.resource).toEqual(testCase.expected);
        if (testCase.members === 'absent') expect(result).not.toHaveProperty('members');
        else if (testCase.members) expect(result.members).toEqual(testCase.members);
      });
    }
  }

  describe('prototype pollution (docs/notes/libraries.md section 5)', () => {
    const schemas = `"schemas":["${USER_SCHEMA}","${ENTERPRISE}"]`;
    const bodies: [string, string][] = [
      ['top-level __proto__', `{${schemas},"__proto__":{"polluted":1},"userName":"a"}`],
      [
        '__proto__ inside a complex attribute',
        `{${schemas},"userName":"a","name":{"__proto__":{"polluted":1},"givenName":"A"}}`,
      ],
      [
        '__proto__ inside a multi-valued element',
        `{${schemas},"userName":"a","emails":[{"__proto__":{"polluted":1},"value":"a@x"}]}`,
      ],
      [
        '__proto__ inside the extension',
        `{${schemas},"userName":"a","${ENTERPRISE}":{"__proto__":{"polluted":1},"department":"d"}}`,
      ],
      ['URN-prefixed __proto__', `{${schemas},"userName":"a","${ENTERPRISE}:__proto__":{"polluted":1}}`],
      ['constructor.prototype', `{${schemas},"userName":"a","constructor":{"prototype":{"polluted":1}}}`],
      ['toString', `{${schemas},"userName":"a","toString":{"polluted4":1}}`],
    ];
    for (const [name, json] of bodies) {
      test(`[security] ${name} is dropped and never reaches Object.prototype (lenient)`, () => {
        const result = normalizeResource(JSON.parse(json), resourceTypeNamed('User'), profilesFor('lenient')[0]![1]);
        expect(prototypeIsClean()).toBe(true);
        const serialised = JSON.stringify(result.resource);
        expect(serialised).not.toContain('__proto__');
        expect(serialised).not.toContain('polluted');
        expect(serialised).not.toContain('constructor');
        expect(Object.getPrototypeOf(result.resource)).toBe(Object.prototype);
        expect(result.resource['userName']).toBe('a');
      });
      test(`[security] ${name} is rejected as unknown (strict-rfc)`, () => {
        const error = scimErrorOf(() =>
          normalizeResource(JSON.parse(json), resourceTypeNamed('User'), profilesFor('strict')[0]![1]),
        );
        expect(error.scimType).toBe('invalidSyntax');
        expect(error.detail).toMatch(/__proto__|constructor|toString/);
        expect(prototypeIsClean()).toBe(true);
      });
    }
    test('[security] group members with __proto__ keys', () => {
      const body: unknown = JSON.parse('{"displayName":"G","members":[{"__proto__":{"polluted":1},"value":"u1"}]}');
      const result = normalizeResource(body, resourceTypeNamed('Group'), profilesFor('lenient')[0]![1]);
      expect(result.members).toEqual([{ value: 'u1' }]);
      expect(prototypeIsClean()).toBe(true);
    });
  });
});
