import fc from 'fast-check';
import { isScimError } from '../../../src/scim/errors';
import { MAX_JSON_DEPTH } from '../../../src/scim/json-depth';
import { applyPatch } from '../../../src/scim/patch/apply-patch';
import { parsePatchRequest } from '../../../src/scim/patch/parse-patch-request';
import { lenientProfile, strictRfcProfile } from '../../../src/scim/profile';
import { isForbiddenName, isPlainObject } from '../../../src/scim/resource/json-values';
import { checkUniqueName, forbiddenCharacterIn, uniquenessKey } from '../../../src/scim/resource/name-text';
import { normalizeResource } from '../../../src/scim/resource/normalize-resource';
import type { ScimObject } from '../../../src/scim/resource/types';
import { groupResourceType, userResourceType } from '../../../src/scim/schema/registry';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from '../../../src/scim/schema/urns';
import { deepFreeze, prototypeIsClean } from '../resource/test-kit';
import { forbiddenPiece, respellings, unicodeName } from '../unicode-names';
import { alice, engineering } from './patch-cases';

const ENT = ENTERPRISE_USER_SCHEMA;

/** Keys that exercise the interesting branches: real names in odd case, extensions, read-only, unknown, prototype. */
const keyArbitrary = fc.oneof(
  fc.constantFrom(
    'userName',
    'USERNAME',
    'name',
    'givenName',
    'emails',
    'value',
    'Value',
    'type',
    'primary',
    'Primary',
    'active',
    'displayName',
    'members',
    'display',
    'displayName',
    '$ref',
    'schemas',
    'id',
    'meta',
    'groups',
    'password',
    'phoneNumbers',
    'addresses',
    'externalId',
    'manager',
    ENT,
    `${ENT}:department`,
    `${ENT}:manager`,
    'name.givenName',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'adreses',
  ),
  fc.string({ maxLength: 12 }),
);

const leafArbitrary = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('True', 'False', '', 'work', 'u1', USER_SCHEMA, GROUP_SCHEMA),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(null),
);

/** JSON values built with Object.fromEntries, so `__proto__` keys are own data keys exactly as JSON.parse makes them. */
const { json: jsonArbitrary } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArbitrary,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.array(fc.tuple(keyArbitrary, tie('json')), { maxLength: 6 }).map((entries) => Object.fromEntries(entries)),
  ),
}));

/** Mostly plausible bodies (a userName/displayName and schemas, plus random entries), sometimes any JSON at all. */
const bodyArbitrary = fc.oneof(
  { weight: 1, arbitrary: jsonArbitrary },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.record({
          schemas: fc.constantFrom([USER_SCHEMA, ENT], [GROUP_SCHEMA]),
          userName: fc.string({ minLength: 1, maxLength: 8 }),
          displayName: fc.string({ minLength: 1, maxLength: 8 }),
        }),
        fc.array(fc.tuple(keyArbitrary, jsonArbitrary), { maxLength: 6 }),
      )
      .map(([base, entries]) => Object.fromEntries([...Object.entries(base), ...entries])),
  },
);

const pathArbitrary = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'userName',
      'name',
      'name.givenName',
      'emails',
      'emails.value',
      'emails[type eq "work"].value',
      'emails[type eq work]',
      'emails[value co "@"].primary',
      'phoneNumbers[type eq "mobile"]',
      'members',
      'members[value eq "u1"]',
      'members[value eq "u1" or value eq "u2"]',
      'members[display eq "x"]',
      `${ENT}:manager`,
      `${ENT}:manager.value`,
      ENT,
      'manager',
      'active',
      'password',
      'id',
      'meta.created',
      'groups',
      'displayName',
      'DisplayName',
      'a.b.c',
      '__proto__.polluted',
      'constructor.prototype.polluted',
      'toString.polluted4',
      'name.__proto__',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
);

const operationArbitrary = fc.record(
  {
    op: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove') },
      { weight: 1, arbitrary: fc.oneof(fc.constant('update'), fc.integer()) },
    ),
    path: fc.oneof({ weight: 6, arbitrary: pathArbitrary }, { weight: 1, arbitrary: fc.constant(null) }),
    value: fc.oneof({ weight: 3, arbitrary: leafArbitrary }, { weight: 2, arbitrary: jsonArbitrary }),
    name: fc.constant('addMember'),
  },
  { requiredKeys: ['op', 'value'] },
);

/** Mostly well-formed PatchOp messages with one to three operations, sometimes any JSON at all. */
const patchBodyArbitrary = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      schemas: fc.constant([PATCH_OP]),
      Operations: fc.array(operationArbitrary, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: jsonArbitrary },
);

/**
 * Values nested as deeply as a body that passes the service's depth guard can carry them (the PatchOp envelope
 * takes 3 of the MAX_JSON_DEPTH levels), built from the attribute names the PATCH code descends into.
 */
const deepValueArbitrary = fc
  .tuple(
    fc.integer({ min: 1, max: MAX_JSON_DEPTH - 3 }),
    fc.array(fc.oneof(fc.constant('array'), keyArbitrary), { minLength: 1, maxLength: 5 }),
    leafArbitrary,
  )
  .map(([depth, steps, leaf]) => {
    let value: unknown = leaf;
    for (let level = 0; level < depth - 1; level += 1) {
      const step = steps[level % steps.length] ?? 'array';
      value = step === 'array' ? [value] : Object.fromEntries([[step, value]]);
    }
    return [value];
  });

const profileArbitrary = fc.constantFrom(lenientProfile, strictRfcProfile);
const typeArbitrary = fc.constantFrom(userResourceType, groupResourceType);

/** True when no object anywhere in `value` has a key that is a prototype-related name. */
function free(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(free);
  if (isPlainObject(value))
    return (
      Object.entries(value).every(([key, item]) => !isForbiddenName(key) && free(item)) &&
      Object.getPrototypeOf(value) === Object.prototype
    );
  return true;
}

/** Runs `action`; anything thrown other than a ScimError fails the property. */
function onlyScimErrors<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch (error) {
    if (!isScimError(error)) throw error;
    return undefined;
  }
}

describe('properties', () => {
  test('[security] normalizeResource on random bodies throws only ScimError, never mutates its input, never lets a prototype key through', () => {
    fc.assert(
      fc.property(bodyArbitrary, profileArbitrary, typeArbitrary, (raw, profile, resourceType) => {
        const body = deepFreeze(raw);
        const before = JSON.stringify(body);
        const result = onlyScimErrors(() => normalizeResource(body, resourceType, profile));
        expect(JSON.stringify(body)).toBe(before);
        if (result) {
          expect(free(result.resource)).toBe(true);
          expect(free(result.members ?? [])).toBe(true);
        }
        expect(prototypeIsClean()).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  test('[security] PATCH values nested up to the depth limit throw only ScimError, on every path', () => {
    const stored: Record<'User' | 'Group', ScimObject> = {
      User: deepFreeze(structuredClone(alice)),
      Group: deepFreeze(structuredClone(engineering)),
    };
    fc.assert(
      fc.property(
        pathArbitrary,
        fc.constantFrom('add', 'replace', 'remove'),
        deepValueArbitrary,
        profileArbitrary,
        typeArbitrary,
        (path, op, value, profile, resourceType) => {
          const body = deepFreeze({ schemas: [PATCH_OP], Operations: [{ op, path, value: value[0] }] });
          onlyScimErrors(() =>
            normalizeResource(
              { schemas: [USER_SCHEMA], userName: 'u', displayName: 'g', name: value[0], emails: value },
              resourceType,
              profile,
            ),
          );
          const result = onlyScimErrors(() =>
            applyPatch(
              stored[resourceType.name],
              parsePatchRequest(body, resourceType, profile),
              resourceType,
              profile,
            ),
          );
          if (result) expect(free(result.resource)).toBe(true);
          expect(prototypeIsClean()).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('[security] random PATCH requests throw only ScimError, never mutate the stored resource, never let a prototype key through', () => {
    const stored: Record<'User' | 'Group', ScimObject> = {
      User: deepFreeze(structuredClone(alice)),
      Group: deepFreeze(structuredClone(engineering)),
    };
    fc.assert(
      fc.property(patchBodyArbitrary, profileArbitrary, typeArbitrary, (raw, profile, resourceType) => {
        const body = deepFreeze(raw);
        const resource = stored[resourceType.name];
        const before = JSON.stringify(resource);
        const bodyBefore = JSON.stringify(body);
        const result = onlyScimErrors(() =>
          applyPatch(resource, parsePatchRequest(body, resourceType, profile), resourceType, profile),
        );
        expect(JSON.stringify(resource)).toBe(before);
        expect(JSON.stringify(body)).toBe(bodyBefore);
        if (result) expect(free(result.resource)).toBe(true);
        expect(prototypeIsClean()).toBe(true);
      }),
      { numRuns: 600 },
    );
  });

  test('[security] a unique name sent through POST or PATCH is refused exactly when it holds a forbidden character', () => {
    fc.assert(
      fc.property(unicodeName, typeArbitrary, profileArbitrary, (name, resourceType, profile) => {
        const attribute = resourceType.name === 'User' ? 'userName' : 'displayName';
        const forbidden = forbiddenCharacterIn(name) !== undefined;
        const created = onlyScimErrors(() => {
          const { resource } = normalizeResource(
            { schemas: [resourceType.schema.id], [attribute]: name },
            resourceType,
            profile,
          );
          checkUniqueName(resource, resourceType);
          return resource;
        });
        expect(created === undefined).toBe(forbidden);
        if (created) expect(created[attribute]).toBe(name);
        const current = resourceType.name === 'User' ? alice : engineering;
        const patched = onlyScimErrors(() => {
          const { resource } = applyPatch(
            current,
            parsePatchRequest(
              { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: attribute, value: name }] },
              resourceType,
              profile,
            ),
            resourceType,
            profile,
          );
          checkUniqueName(resource, resourceType, current);
          return resource;
        });
        expect(patched === undefined).toBe(forbidden && current[attribute] !== name);
      }),
      { numRuns: 500 },
    );
  });

  test('[security] every spelling of a name has one uniqueness key, and a forbidden character never disappears from it', () => {
    fc.assert(
      fc.property(unicodeName, forbiddenPiece, (name, piece) => {
        const keys = new Set(respellings(name).map(uniquenessKey));
        expect(keys.size).toBe(1);
        expect(uniquenessKey(uniquenessKey(name))).toBe(uniquenessKey(name));
        expect(forbiddenCharacterIn(uniquenessKey(`${name}-${piece}-`))).toBeDefined();
      }),
      { numRuns: 1000 },
    );
  });
});
