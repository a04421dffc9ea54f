import { applyPatch } from '../../../src/scim/patch/apply-patch';
import { parsePatchRequest } from '../../../src/scim/patch/parse-patch-request';
import { lenientProfile } from '../../../src/scim/profile';
import { userResourceType } from '../../../src/scim/schema/registry';
import { USER_SCHEMA } from '../../../src/scim/schema/urns';
import { deepFreeze, profilesFor, prototypeIsClean, resourceTypeNamed, scimErrorOf } from '../resource/test-kit';
import { alice, patchCases } from './patch-cases';

describe('PATCH cases (parsePatchRequest + applyPatch)', () => {
  for (const testCase of patchCases) {
    for (const [profileName, profile] of profilesFor(testCase.profile)) {
      const label = testCase.id ? `${testCase.id} ` : '';
      test(`${label}[${testCase.source}] ${testCase.name} (${profileName})`, () => {
        const resourceType = resourceTypeNamed(testCase.resourceType);
        const resource = deepFreeze(structuredClone(testCase.resource));
        const before = structuredClone(resource);
        const body = deepFreeze(JSON.parse(JSON.stringify(testCase.body)) as unknown);
        const run = () => applyPatch(resource, parsePatchRequest(body, resourceType, profile), resourceType, profile);
        if (testCase.error) {
          const error = scimErrorOf(run);
          expect(error.scimType).toBe(testCase.error);
          expect(error.status).toBe(400);
          if (testCase.detail) expect(error.detail).toMatch(testCase.detail);
        } else {
          const result = run();
          if (testCase.expected) expect(result.resource).toEqual(testCase.expected);
          expect(result.memberChanges).toEqual(testCase.memberChanges ?? []);
        }
        expect(resource).toEqual(before);
        expect(prototypeIsClean()).toBe(true);
      });
    }
  }
});

describe('applyPatch', () => {
  test('[RFC] returns a new object and leaves the stored one alone', () => {
    const stored = structuredClone(alice);
    const operations = parsePatchRequest(
      { schemas: [], Operations: [{ op: 'replace', path: 'nickName', value: 'Al' }] },
      userResourceType,
      lenientProfile,
    );
    const { resource } = applyPatch(stored, operations, userResourceType, lenientProfile);
    expect(resource).not.toBe(stored);
    expect(stored).toEqual(alice);
    expect(resource['nickName']).toBe('Al');
  });

  test('[RFC] schemas is rebuilt: an extension removed by PATCH leaves the list', () => {
    const operations = parsePatchRequest(
      { Operations: [{ op: 'remove', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department' }] },
      userResourceType,
      lenientProfile,
    );
    const { resource } = applyPatch(alice, operations, userResourceType, lenientProfile);
    expect(resource['schemas']).toEqual([USER_SCHEMA]);
    expect(Object.keys(resource)).toEqual(['schemas', 'userName', 'active', 'displayName', 'name', 'emails']);
  });

  test('[RFC] unchanged attributes keep their order, so an unchanged resource serialises identically', () => {
    const operations = parsePatchRequest(
      { Operations: [{ op: 'add', path: 'emails', value: alice['emails'] }] },
      userResourceType,
      lenientProfile,
    );
    const { resource } = applyPatch(alice, operations, userResourceType, lenientProfile);
    expect(JSON.stringify(resource)).toBe(JSON.stringify(alice));
  });

  test('[security] an operation list built in code is checked the same way as a parsed one', () => {
    const error = scimErrorOf(() =>
      applyPatch(
        alice,
        [{ op: 'add', path: { path: '__proto__.polluted' }, value: 1 }],
        userResourceType,
        lenientProfile,
      ),
    );
    expect(error.scimType).toBe('invalidPath');
    expect(prototypeIsClean()).toBe(true);
  });
});
