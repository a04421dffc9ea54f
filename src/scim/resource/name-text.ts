/**
 * The text rules of the two unique names, User `userName` and Group `displayName` (RFC 7643 sections 4.1.1 and
 * 4.2: unique within the service provider, caseExact false). Uniqueness compares names by their Unicode NFC form
 * with case folded, so that a composed "é" and "e" + U+0301 are one name; the name as sent is what is stored and
 * shown. Characters that make two names look alike or hide text are refused.
 */
import { ScimError } from '../errors';
import type { ResourceType } from '../schema/registry';
import type { ScimObject } from './types';

/**
 * Characters a unique name may not contain: control characters (C0, DEL and C1, so NUL, TAB, CR and LF too),
 * the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the zero-width characters
 * (U+200B–U+200D, U+2060, U+FEFF) and lone UTF-16 surrogates, which no UTF-8 text can carry.
 */
const FORBIDDEN = /[\p{Cc}\u202A-\u202E\u2066-\u2069\u200B-\u200D\u2060\uFEFF]|\p{Cs}/u;

/** The unique name of a resource type: userName for Users, displayName for Groups. */
export function uniqueNameAttribute(resourceType: ResourceType): 'userName' | 'displayName' {
  return resourceType.name === 'User' ? 'userName' : 'displayName';
}

/**
 * The key two unique names are compared by: NFC (Unicode canonical composition), then the locale-independent
 * lower case of `toLowerCase`, then NFC again because lower-casing may leave a decomposed sequence.
 */
export function uniquenessKey(name: string): string {
  return name.normalize('NFC').toLowerCase().normalize('NFC');
}

/** The first forbidden character of `name`, as U+XXXX, or undefined when there is none. */
export function forbiddenCharacterIn(name: string): string | undefined {
  const found = FORBIDDEN.exec(name)?.[0];
  return found === undefined
    ? undefined
    : `U+${(found.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Throws 400 invalidValue (RFC 7644 section 3.12) when the unique name of `resource` holds a forbidden character.
 * A name equal to `previous`'s is not checked again, so a resource stored before this rule can still be
 * deactivated or updated by its IdP without first being renamed.
 */
export function checkUniqueName(resource: ScimObject, resourceType: ResourceType, previous?: ScimObject): void {
  const attribute = uniqueNameAttribute(resourceType);
  const name = resource[attribute];
  if (typeof name !== 'string' || (previous !== undefined && previous[attribute] === name)) return;
  const character = forbiddenCharacterIn(name);
  if (character !== undefined) {
    throw ScimError.invalidValue(
      `Attribute '${attribute}' contains ${character}; control, bidirectional-override and zero-width characters are not accepted.`,
    );
  }
}
