/**
 * Small helpers over parsed JSON values. Client JSON is untrusted: nothing here assigns a client-chosen key onto an
 * existing object, so `__proto__` and friends can never reach a prototype.
 */
import type { ScimObject } from './types';

/** True for a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is ScimObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Property names of Object.prototype (plus `prototype`), lower-cased. Paths through these names are rejected outright
 * rather than treated as unknown-but-ignorable, because deny-by-accident is how prototype pollution slips in
 * (GHSA-2mhw-wcx5-v3xj reached `toString`).
 */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(
  [...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'prototype', 'constructor'].map((name) =>
    name.toLowerCase(),
  ),
);

/** True when `name` is a prototype-related property name that must never be used as an attribute name. */
export function isForbiddenName(name: string): boolean {
  return FORBIDDEN_NAMES.has(name.toLowerCase());
}

/** A deep copy of a JSON value, built with define semantics so own `__proto__` keys stay plain data. */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item)) as T;
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cloneJson(item)])) as T;
  return value;
}

/** Structural equality of JSON values; object key order does not matter. */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left)) {
    return (
      Array.isArray(right) && left.length === right.length && left.every((item, index) => jsonEqual(item, right[index]))
    );
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const leftKeys = Object.keys(left);
    if (leftKeys.length !== Object.keys(right).length) return false;
    return leftKeys.every(
      (key) => Object.prototype.hasOwnProperty.call(right, key) && jsonEqual(left[key], right[key]),
    );
  }
  return false;
}

/**
 * True for values that carry nothing: null, `""`, and arrays or objects made only of such values. Entra's gallery
 * tests clear attributes by sending these (docs/notes/scim-and-idps.md section 1.5, "Null and empty values").
 */
export function isBlank(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.every(isBlank);
  if (isPlainObject(value)) return Object.values(value).every(isBlank);
  return false;
}
