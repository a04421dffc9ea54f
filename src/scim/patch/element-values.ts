/** Small operations on the values of multi-valued attributes that PATCH edits (RFC 7644 section 3.5.2). */
import { isPlainObject, jsonEqual } from '../resource/json-values';
import type { ScimObject } from '../resource/types';

/** A stored value as a list: absent or null is empty, a single value is a list of one. */
export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A copy of `object` without `key`. */
export function withoutKey(object: ScimObject, key: string): ScimObject {
  return Object.fromEntries(Object.entries(object).filter(([name]) => name !== key));
}

/** True when `element` carries every sub-attribute value of `listed` (or equals it, for simple values). */
export function includesValue(element: unknown, listed: unknown): boolean {
  if (isPlainObject(element) && isPlainObject(listed))
    return Object.entries(listed).every(([key, value]) => jsonEqual(element[key], value));
  return jsonEqual(element, listed);
}

/** RFC 7644 section 3.5.2: setting one value primary makes the server set the others' `primary` to false. */
export function clearOtherPrimaries(elements: readonly unknown[], chosen: readonly unknown[]): unknown[] {
  return elements.map((element) =>
    isPlainObject(element) && !chosen.includes(element) && element['primary'] === true
      ? { ...element, primary: false }
      : element,
  );
}
