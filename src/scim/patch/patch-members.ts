/**
 * PATCH operations on a Group's `members` (RFC 7644 section 3.5.2), which become MemberChanges for the directory
 * store instead of edits of the resource.
 */
import { ScimError } from '../errors';
import type { Filter } from '../filter/ast';
import type { ClientProfile } from '../profile';
import { normalizeMembers } from '../resource/normalize-members';
import type { MemberChange } from '../resource/types';
import { GROUP_SCHEMA } from '../schema/urns';
import type { PatchOpName } from './patch-operation';
import type { MembersTarget, TargetSource } from './resolve-patch-target';

/**
 * The MemberChange one operation on `members` makes, or undefined when it changes nothing; the resource itself is
 * never touched. `members[value eq "a" or value eq "b"]` is a removal by id; any other member filter is passed on for
 * the store to evaluate.
 */
export function memberChangeOf(
  op: PatchOpName,
  target: MembersTarget,
  raw: unknown,
  source: TargetSource,
  profile: ClientProfile,
): MemberChange | undefined {
  if (target.subAttribute)
    throw ScimError.invalidPath("Sub-attributes of 'members' cannot be patched; add or remove the member instead.");
  if (op === 'remove') {
    if (target.filter) {
      const values = memberValues(target.filter);
      return values ? { kind: 'remove', values } : { kind: 'removeWhere', filter: target.filter };
    }
    if (raw !== null && raw !== undefined && profile.removeMembersByValue) {
      // Entra default job, JumpCloud: `{"op":"Remove","path":"members","value":[{"value":"id"}]}` removes only those.
      const values = normalizeMembers(raw, profile).map((member) => member.value);
      return values.length > 0 ? { kind: 'remove', values } : undefined;
    }
    return { kind: 'removeAll' };
  }
  if (target.filter)
    throw ScimError.invalidPath(`A value filter on 'members' is supported for remove only; ${op} with path 'members'.`);
  if (raw === null || raw === undefined || raw === '') {
    if (op === 'replace' && profile.emptyReplaceRemoves) return { kind: 'removeAll' };
    if (source === 'path' && !profile.emptyReplaceRemoves)
      throw ScimError.invalidValue(`The ${op} of 'members' needs a value.`);
    return undefined;
  }
  const members = normalizeMembers(raw, profile);
  if (op === 'replace') return { kind: 'replace', members };
  return members.length > 0 ? { kind: 'add', members } : undefined;
}

const MEMBER_VALUE_PATHS: ReadonlySet<string> = new Set([
  'value',
  'members.value',
  `${GROUP_SCHEMA}:members.value`.toLowerCase(),
]);

/** The ids named by `value eq "id"` terms joined by `or`, or undefined if the filter is anything else. */
function memberValues(filter: Filter): string[] | undefined {
  if (filter.kind === 'or') {
    const left = memberValues(filter.left);
    const right = left && memberValues(filter.right);
    return left && right ? [...left, ...right] : undefined;
  }
  if (
    filter.kind === 'compare' &&
    filter.operator === 'eq' &&
    typeof filter.value === 'string' &&
    MEMBER_VALUE_PATHS.has(filter.path.toLowerCase())
  ) {
    return [filter.value];
  }
  return undefined;
}
