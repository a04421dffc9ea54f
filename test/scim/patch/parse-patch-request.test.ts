import type { ScimType } from '../../../src/scim/errors';
import { MAX_PATCH_OPERATIONS, parsePatchRequest } from '../../../src/scim/patch/parse-patch-request';
import type { PatchOperation } from '../../../src/scim/patch/patch-operation';
import { PATCH_OP } from '../../../src/scim/schema/urns';
import { profilesFor, resourceTypeNamed, scimErrorOf, type ProfileChoice, type Source } from '../resource/test-kit';

interface ParseCase {
  readonly name: string;
  readonly resourceType?: 'User' | 'Group';
  readonly source: Source;
  readonly profile: ProfileChoice;
  readonly body: unknown;
  readonly expected?: readonly PatchOperation[];
  readonly error?: ScimType;
}

const cases: readonly ParseCase[] = [
  {
    name: 'capitalised op and Operations key',
    source: 'Entra default',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] },
    expected: [{ op: 'replace', path: { path: 'active' }, value: 'False' }],
  },
  {
    name: 'message keys in any case, the PatchOp URN in any case',
    source: 'RFC',
    profile: 'both',
    body: { SCHEMAS: [PATCH_OP.toUpperCase()], operations: [{ OP: 'ADD', PATH: 'nickName', VALUE: 'Al' }] },
    expected: [{ op: 'add', path: { path: 'nickName' }, value: 'Al' }],
  },
  {
    name: 'extra keys in an operation and in the message are ignored',
    source: 'Microsoft collection',
    resourceType: 'Group',
    profile: 'both',
    body: {
      id: 'g1',
      schemas: [PATCH_OP],
      Operations: [{ name: 'addMember', op: 'add', path: 'members', value: [{ value: 'u1' }] }],
    },
    expected: [{ op: 'add', path: { path: 'members' }, value: [{ value: 'u1' }] }],
  },
  {
    name: 'a path-less add keeps its value; a null path counts as absent',
    source: 'Okta',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: null, value: { active: false } }] },
    expected: [{ op: 'replace', value: { active: false } }],
  },
  {
    name: 'a remove keeps the value Entra sends with it',
    source: 'Entra default',
    resourceType: 'Group',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ value: 'u1' }] }] },
    expected: [{ op: 'remove', path: { path: 'members' }, value: [{ value: 'u1' }] }],
  },
  {
    name: 'missing schemas is tolerated',
    source: 'OneLogin',
    profile: 'lenient',
    body: { Operations: [{ op: 'replace', path: 'active', value: false }] },
    expected: [{ op: 'replace', path: { path: 'active' }, value: false }],
  },
  {
    name: 'missing schemas',
    source: 'RFC',
    profile: 'strict',
    body: { Operations: [{ op: 'replace', path: 'active', value: false }] },
    error: 'invalidSyntax',
  },
  {
    name: 'schemas without the PatchOp URN',
    source: 'RFC',
    profile: 'strict',
    body: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    },
    error: 'invalidSyntax',
  },
  {
    name: 'a body that is not an object',
    source: 'RFC',
    profile: 'both',
    body: [{ op: 'add' }],
    error: 'invalidSyntax',
  },
  { name: 'no Operations', source: 'RFC', profile: 'both', body: { schemas: [PATCH_OP] }, error: 'invalidSyntax' },
  {
    name: 'Operations not an array',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: { op: 'add' } },
    error: 'invalidSyntax',
  },
  {
    name: 'empty Operations',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [] },
    error: 'invalidSyntax',
  },
  {
    name: 'more operations than the limit',
    source: 'security',
    profile: 'both',
    body: {
      schemas: [PATCH_OP],
      Operations: Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => ({ op: 'add', path: 'nickName', value: 'x' })),
    },
    error: 'invalidValue',
  },
  {
    name: 'an operation that is not an object',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: ['add'] },
    error: 'invalidSyntax',
  },
  {
    name: 'op "Update"',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'Update', path: 'nickName', value: 'x' }] },
    error: 'invalidSyntax',
  },
  {
    name: 'op missing',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ path: 'nickName', value: 'x' }] },
    error: 'invalidSyntax',
  },
  {
    name: 'op not a string',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 1, path: 'nickName', value: 'x' }] },
    error: 'invalidSyntax',
  },
  {
    name: 'remove without path',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'remove' }] },
    error: 'noTarget',
  },
  {
    name: 'add without value',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'nickName' }] },
    error: 'invalidValue',
  },
  {
    name: 'replace without value',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'replace' }] },
    error: 'invalidValue',
  },
  {
    name: 'a path that is not a string',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 7 }] },
    error: 'invalidPath',
  },
  {
    name: 'an empty path',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: '' }] },
    error: 'invalidPath',
  },
  {
    name: 'a path that does not parse',
    source: 'RFC',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'emails[type eq' }] },
    error: 'invalidPath',
  },
  {
    name: 'a prototype path is rejected before anything is applied',
    source: 'security',
    profile: 'both',
    body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'constructor.prototype.polluted3', value: 1 }] },
    error: 'invalidPath',
  },
];

describe('parsePatchRequest', () => {
  for (const testCase of cases) {
    for (const [profileName, profile] of profilesFor(testCase.profile)) {
      test(`[${testCase.source}] ${testCase.name} (${profileName})`, () => {
        const target = resourceTypeNamed(testCase.resourceType ?? 'User');
        if (testCase.error) {
          expect(scimErrorOf(() => parsePatchRequest(testCase.body, target, profile)).scimType).toBe(testCase.error);
          return;
        }
        expect(parsePatchRequest(testCase.body, target, profile)).toEqual(testCase.expected);
      });
    }
  }

  test('[Entra default] a filtered path keeps its parsed filter and sub-attribute', () => {
    const [operation] = parsePatchRequest(
      { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'a@x' }] },
      resourceTypeNamed('User'),
      profilesFor('strict')[0]![1],
    );
    expect(operation?.path).toEqual({
      path: 'emails',
      filter: { kind: 'compare', path: 'type', operator: 'eq', value: 'work' },
      subAttribute: 'value',
    });
  });
});
