/** Shared test helpers for the resource and PATCH tables: profiles by name, resource types by name, error capture. */
import { isScimError, type ScimError } from '../../../src/scim/errors';
import { lenientProfile, strictRfcProfile, type ClientProfile } from '../../../src/scim/profile';
import { groupResourceType, userResourceType, type ResourceType } from '../../../src/scim/schema/registry';
import { thrownBy } from '../../support/outcomes';

/** Where a case comes from: the IdP or document whose behaviour it pins down. */
export type Source =
  | 'Entra default'
  | 'Entra aadOptscim062020'
  | 'Okta'
  | 'OneLogin'
  | 'JumpCloud'
  | 'RFC'
  | 'Microsoft collection'
  | 'security';

/** Which profiles a case runs in; rows that differ between profiles are written once per profile. */
export type ProfileChoice = 'lenient' | 'strict' | 'both';

/** The profiles a choice expands to, with a label for the test name. */
export function profilesFor(choice: ProfileChoice): [string, ClientProfile][] {
  const lenient: [string, ClientProfile] = ['lenient', lenientProfile];
  const strict: [string, ClientProfile] = ['strict-rfc', strictRfcProfile];
  if (choice === 'lenient') return [lenient];
  if (choice === 'strict') return [strict];
  return [lenient, strict];
}

/** The resource type of a case. */
export function resourceTypeNamed(name: 'User' | 'Group'): ResourceType {
  return name === 'User' ? userResourceType : groupResourceType;
}

/** Runs `action` and returns the ScimError it throws; fails the test when it returns or throws anything else. */
export function scimErrorOf(action: () => unknown): ScimError {
  const thrown = thrownBy(action);
  if (!isScimError(thrown)) throw new Error(`expected a ScimError, got ${String(thrown)}`);
  return thrown;
}

/** Freezes a JSON value all the way down, so any mutation by the code under test throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** True when nothing has been added to Object.prototype by a test input. */
export function prototypeIsClean(): boolean {
  const probe: Record<string, unknown> = {};
  const pollutedNames = ['polluted', 'polluted2', 'polluted3', 'polluted4'];
  return (
    pollutedNames.every((name) => !(name in probe) && !(name in Object.prototype.toString)) &&
    typeof probe.toString === 'function'
  );
}
