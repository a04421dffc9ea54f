/**
 * What a PATCH path's value filter (`emails[type eq "work"]`, RFC 7644 section 3.5.2) says about the elements of a
 * multi-valued attribute: which ones it selects, and which sub-attribute values a new element needs to satisfy it.
 */
import { ScimError } from '../errors';
import type { Filter } from '../filter/ast';
import { isPlainObject } from '../resource/json-values';
import { normalizeSingleValue } from '../resource/normalize-value';
import type { ScimObject } from '../resource/types';
import type { AttributeDefinition } from '../schema/attribute';
import { findAttribute, splitUrnPrefix, type ResourceType } from '../schema/registry';
import type { PatchSubject } from './patch-subject';
import type { AttributeTarget } from './resolve-patch-target';

/** Tests one element against the value filter (paths inside the filter are relative to the element). */
export function matchesElement(target: AttributeTarget, element: unknown): boolean {
  if (!target.match) return true;
  return isPlainObject(element) && target.match(element);
}

/** The sub-attribute values an element must have to satisfy the filter's `eq` terms joined by `and`. */
export function filterTerms(subject: PatchSubject, target: AttributeTarget): ScimObject {
  const terms: ScimObject = {};
  const collect = (filter: Filter): void => {
    if (filter.kind === 'and') {
      collect(filter.left);
      collect(filter.right);
      return;
    }
    if (filter.kind !== 'compare' || filter.operator !== 'eq') return;
    const sub = relativeSubAttribute(subject.resourceType, target.attribute, filter.path);
    if (!sub || sub.mutability === 'readOnly') return;
    try {
      const value = normalizeSingleValue(sub, filter.value, subject.profile, `${target.attribute.name}.${sub.name}`);
      if (value !== undefined) terms[sub.name] = value;
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
    }
  };
  if (target.filter) collect(target.filter);
  return terms;
}

function relativeSubAttribute(
  resourceType: ResourceType,
  attribute: AttributeDefinition,
  path: string,
): AttributeDefinition | undefined {
  let rest = path;
  if (/^urn:/i.test(rest)) {
    const split = splitUrnPrefix(resourceType, rest);
    if (!split) return undefined;
    rest = split.rest;
  }
  const dot = rest.indexOf('.');
  if (dot !== -1) {
    if (rest.slice(0, dot).toLowerCase() !== attribute.name.toLowerCase()) return undefined;
    rest = rest.slice(dot + 1);
  }
  return findAttribute(attribute.subAttributes, rest);
}
