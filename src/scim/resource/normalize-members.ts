/**
 * Group member lists (RFC 7643 section 4.2) as clients send them, turned into MemberRefs. Members never enter the
 * stored Group resource: the membership store keeps them apart so large groups fit Forge storage limits.
 */
import { ScimError } from '../errors';
import type { ClientProfile } from '../profile';
import type { AttributeDefinition } from '../schema/attribute';
import { findAttribute } from '../schema/registry';
import { groupSchema } from '../schema/group-schema';
import { isPlainObject } from './json-values';
import { rejectUnknownAttribute } from './normalize-value';
import type { MemberRef } from './types';

const membersDefinition: AttributeDefinition | undefined = findAttribute(groupSchema.attributes, 'members');

/**
 * Normalises a `members` value: an array of `{value, display?, type?}` (`$ref` ignored, since the service derives
 * it). In the lenient profile a bare string id counts as `{value}`, `displayName` counts as `display` (both from
 * Microsoft's collection) and a lone object counts as a one-element array. Repeated ids collapse to the first.
 */
export function normalizeMembers(raw: unknown, profile: ClientProfile): MemberRef[] {
  if (raw === null || raw === undefined) return [];
  let items: readonly unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string' && profile.looseMemberValues) items = [raw];
  else if (isPlainObject(raw) && profile.looseComplexValues) items = [raw];
  else throw ScimError.invalidValue("Attribute 'members' must be a JSON array of member objects.");
  const members: MemberRef[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (item === null) return;
    const member = memberRef(item, profile, `members[${index}]`);
    if (seen.has(member.value)) return;
    seen.add(member.value);
    members.push(member);
  });
  return members;
}

function memberRef(item: unknown, profile: ClientProfile, path: string): MemberRef {
  if (typeof item === 'string' && profile.looseMemberValues) {
    if (item === '') throw ScimError.invalidValue(`'${path}' must be a non-empty member id.`);
    return { value: item };
  }
  if (!isPlainObject(item)) throw ScimError.invalidValue(`'${path}' must be a JSON object with a 'value'.`);
  let value: string | undefined;
  let display: string | undefined;
  let displayAlias: string | undefined;
  let type: string | undefined;
  for (const [key, raw] of Object.entries(item)) {
    const sub = findAttribute(membersDefinition?.subAttributes, key);
    if (!sub) {
      if (profile.looseMemberValues && key.toLowerCase() === 'displayname') {
        displayAlias = optionalString(raw, `${path}.displayName`);
        continue;
      }
      rejectUnknownAttribute(profile, `${path}.${key}`);
      continue;
    }
    switch (sub.name) {
      case 'value':
        value = optionalString(raw, `${path}.value`);
        break;
      case 'display':
        display = optionalString(raw, `${path}.display`);
        break;
      case 'type':
        type = optionalString(raw, `${path}.type`);
        break;
      default:
        // `$ref` is derived from the id by the service (RFC 7643 section 4.2); Entra sends `"$ref": null`.
        break;
    }
  }
  if (value === undefined || value === '')
    throw ScimError.invalidValue(`'${path}.value' is required: the id of the member.`);
  const shownName = display ?? displayAlias;
  return { value, ...(shownName !== undefined ? { display: shownName } : {}), ...(type !== undefined ? { type } : {}) };
}

function optionalString(raw: unknown, path: string): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw !== 'string') throw ScimError.invalidValue(`'${path}' must be a string.`);
  return raw;
}
