/** The remove operation on an attribute of the resource (RFC 7644 section 3.5.2.2). */
import { isPlainObject } from '../resource/json-values';
import { normalizeAttributeValue } from '../resource/normalize-value';
import { findAttribute } from '../schema/registry';
import { asArray, includesValue, withoutKey } from './element-values';
import { containerOf, type PatchSubject } from './patch-subject';
import type { AttributeTarget } from './resolve-patch-target';
import { matchesElement } from './value-filter-terms';

/**
 * RFC 7644 section 3.5.2.2. Elements are filtered into a new list in one pass, so removing several elements never
 * shifts an index onto the wrong one (the FusionAuth #2834 failure). A filter matching nothing changes nothing.
 */
export function removeAttribute(subject: PatchSubject, target: AttributeTarget, raw: unknown): void {
  const profile = subject.profile;
  const container = containerOf(subject, target.extensionUrn, false);
  const { attribute, subAttribute } = target;
  const current = container?.[attribute.name];
  if (!container || current === undefined) return;
  if (!attribute.multiValued) {
    if (!subAttribute) {
      delete container[attribute.name];
      return;
    }
    if (!isPlainObject(current)) return;
    const rest = withoutKey(current, subAttribute.name);
    if (Object.keys(rest).length === 0) delete container[attribute.name];
    else container[attribute.name] = rest;
    return;
  }
  const elements = asArray(current);
  let kept: unknown[];
  if (!target.filter && !subAttribute) {
    if (raw === null || raw === undefined || !profile.removeMembersByValue) {
      delete container[attribute.name];
      return;
    }
    // Entra default job and JumpCloud list the values to remove instead of filtering; never read that as "all".
    const listed = asArray(normalizeAttributeValue(attribute, raw, profile, target.label));
    kept = elements.filter((element) => !listed.some((value) => includesValue(element, value)));
  } else {
    kept = [];
    for (const element of elements) {
      if (!matchesElement(target, element)) kept.push(element);
      else if (subAttribute && isPlainObject(element)) {
        const rest = withoutKey(element, subAttribute.name);
        // Lenient: an element without its `value` (an email with no address, Entra's way of clearing the
        // work email) carries nothing, so it goes whole; strict keeps the literal RFC 7644 section 3.5.2.2 result.
        const lostValue =
          profile.emptyReplaceRemoves &&
          subAttribute.name === 'value' &&
          findAttribute(attribute.subAttributes, 'value') !== undefined;
        if (Object.keys(rest).length > 0 && !lostValue) kept.push(rest);
      }
    }
  }
  if (kept.length === 0) delete container[attribute.name];
  else container[attribute.name] = kept;
}
