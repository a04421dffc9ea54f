/**
 * An add, replace or remove on an attribute of the resource (RFC 7644 sections 3.5.2.1 to 3.5.2.3): a single value,
 * a whole multi-valued attribute, or the elements a value filter selects; removes go to src/scim/patch/remove-attribute.ts.
 */
import { ScimError } from '../errors';
import { isBlank, isPlainObject, jsonEqual } from '../resource/json-values';
import { normalizeAttributeValue, normalizeSingleValue } from '../resource/normalize-value';
import type { ScimObject } from '../resource/types';
import { findAttribute } from '../schema/registry';
import { asArray, clearOtherPrimaries } from './element-values';
import type { PatchOpName } from './patch-operation';
import { containerOf, type PatchSubject } from './patch-subject';
import { removeAttribute } from './remove-attribute';
import type { AttributeTarget, TargetSource } from './resolve-patch-target';
import { filterTerms, matchesElement } from './value-filter-terms';

/** Applies one operation to an attribute target of the working copy. */
export function patchAttribute(
  subject: PatchSubject,
  op: PatchOpName,
  target: AttributeTarget,
  raw: unknown,
  source: TargetSource,
): void {
  // writeOnly `password` (Okta OIN password sync) is accepted and dropped: this app never stores passwords.
  if (target.attribute.mutability === 'writeOnly') return;
  if (op === 'remove') {
    removeAttribute(subject, target, raw);
    return;
  }
  if (raw === null || raw === undefined) {
    if (subject.profile.emptyReplaceRemoves) removeAttribute(subject, target, undefined);
    else if (source === 'path')
      throw ScimError.invalidValue(`The ${op} of '${target.label}' needs a value (RFC 7644 section 3.5.2).`);
    return;
  }
  if (subject.profile.emptyReplaceRemoves) {
    const { attribute, subAttribute } = target;
    const complexObject = attribute.type === 'complex' && !attribute.multiValued && !subAttribute && isPlainObject(raw);
    // An empty array adds nothing; only a replace with one clears the attribute.
    if (isBlank(raw) && !complexObject && !(op === 'add' && Array.isArray(raw))) {
      removeAttribute(subject, target, undefined);
      return;
    }
    // Blank sub-attributes of a complex value clear just those sub-attributes (Entra's manager `{"value":""}`).
    if (complexObject) {
      for (const [key, item] of Object.entries(raw)) {
        const sub = findAttribute(attribute.subAttributes, key);
        if (sub && sub.mutability !== 'readOnly' && isBlank(item))
          removeAttribute(subject, { ...target, subAttribute: sub }, undefined);
      }
      raw = Object.fromEntries(Object.entries(raw).filter(([, item]) => !isBlank(item)));
    }
  }
  if (!target.attribute.multiValued) {
    setSingleValued(subject, target, raw);
    return;
  }
  if (!target.filter && !target.subAttribute) {
    setMultiValued(subject, op, target, raw);
    return;
  }
  setSelected(subject, op, target, raw);
}

/** RFC 7644 sections 3.5.2.1 and 3.5.2.3: a single value is set; a complex one merges the given sub-attributes. */
function setSingleValued(subject: PatchSubject, target: AttributeTarget, raw: unknown): void {
  const { attribute, subAttribute } = target;
  const definition = subAttribute ?? attribute;
  const value = normalizeAttributeValue(definition, raw, subject.profile, target.label);
  if (value === undefined) return;
  const container = containerOf(subject, target.extensionUrn, true);
  const existing = container[attribute.name];
  if (subAttribute) {
    container[attribute.name] = { ...(isPlainObject(existing) ? existing : {}), [subAttribute.name]: value };
  } else if (attribute.type === 'complex' && isPlainObject(existing) && isPlainObject(value)) {
    container[attribute.name] = { ...existing, ...value };
  } else {
    container[attribute.name] = value;
  }
}

/** A whole multi-valued attribute: add appends values not already present, replace swaps the list. */
function setMultiValued(subject: PatchSubject, op: PatchOpName, target: AttributeTarget, raw: unknown): void {
  const { attribute } = target;
  const values = normalizeAttributeValue(attribute, raw, subject.profile, target.label);
  if (!Array.isArray(values)) {
    if (op === 'replace') removeAttribute(subject, target, undefined);
    return;
  }
  const container = containerOf(subject, target.extensionUrn, true);
  if (op === 'replace') {
    container[attribute.name] = values;
    return;
  }
  const next = asArray(container[attribute.name]).slice();
  let chosen: unknown;
  for (const value of values) {
    if (next.some((existing) => jsonEqual(existing, value))) continue;
    next.push(value);
    if (isPlainObject(value) && value['primary'] === true) chosen = value;
  }
  container[attribute.name] = chosen === undefined ? next : clearOtherPrimaries(next, [chosen]);
}

/**
 * Elements chosen by a value filter (or all elements, for `emails.value`), optionally narrowed to a sub-attribute.
 * When nothing matches, add creates the element from the filter's `eq` terms (Entra, SCIM-SDK #416); replace does
 * too only when the profile says so, else 400 noTarget (RFC 7644 section 3.5.2.3).
 */
function setSelected(subject: PatchSubject, op: PatchOpName, target: AttributeTarget, raw: unknown): void {
  const { attribute, subAttribute } = target;
  const value = subAttribute
    ? normalizeAttributeValue(subAttribute, raw, subject.profile, target.label)
    : normalizeSingleValue(attribute, raw, subject.profile, target.label);
  if (value === undefined) return;
  const setsPrimary = subAttribute
    ? subAttribute.name === 'primary' && value === true
    : isPlainObject(value) && value['primary'] === true;
  const container = containerOf(subject, target.extensionUrn, true);
  const current = asArray(container[attribute.name]);
  const matched = current.map((element) => matchesElement(target, element));
  const chosen: ScimObject[] = [];
  let next: unknown[];
  if (matched.some(Boolean)) {
    next = current.map((element, index) => {
      if (!matched[index]) return element;
      const base = isPlainObject(element) ? element : {};
      let updated: ScimObject;
      if (subAttribute) updated = { ...base, [subAttribute.name]: value };
      else if (op === 'add') updated = { ...base, ...(value as ScimObject) };
      else updated = { ...filterTerms(subject, target), ...(value as ScimObject) };
      if (setsPrimary) chosen.push(updated);
      return updated;
    });
  } else {
    if (op === 'replace' && !subject.profile.upsertOnUnmatchedReplace) {
      throw ScimError.noTarget(`No value of '${target.label}' matches the filter (RFC 7644 section 3.5.2.3).`);
    }
    const created: ScimObject = subAttribute
      ? { ...filterTerms(subject, target), [subAttribute.name]: value }
      : { ...filterTerms(subject, target), ...(value as ScimObject) };
    if (!matchesElement(target, created)) {
      throw ScimError.noTarget(
        `No value of '${target.label}' matches the filter, and the filter does not describe a value to create.`,
      );
    }
    next = [...current, created];
    if (setsPrimary) chosen.push(created);
  }
  if (chosen.length > 1)
    throw ScimError.invalidValue(`Only one value of '${attribute.name}' may be primary (RFC 7643 section 2.4).`);
  container[attribute.name] = chosen.length === 1 ? clearOtherPrimaries(next, chosen) : next;
}
