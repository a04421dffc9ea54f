/**
 * Per-attribute value normalisation shared by POST/PUT bodies and PATCH values: type checks of RFC 7643 section 2.3,
 * canonical sub-attribute names (section 2.1), and the lenient-profile coercions real IdPs need.
 */
import { ScimError } from '../errors';
import type { ClientProfile } from '../profile';
import type { AttributeDefinition } from '../schema/attribute';
import { findAttribute } from '../schema/registry';
import { isPlainObject } from './json-values';
import type { ScimObject } from './types';

/** The most values one multi-valued attribute of a stored resource may hold; larger lists are rejected. */
export const MAX_MULTI_VALUES = 100;

/** xsd:dateTime as RFC 7643 section 2.3.5 requires; any number of fractional digits (Entra sends seven). */
const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/;

/** Client text echoed in error details is cut short so a huge key cannot inflate the response. */
function shown(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Handles a key that names no attribute: dropped when the profile ignores unknown attributes (Microsoft's collection
 * expects misspelt keys to be ignored), otherwise 400 invalidSyntax as the interop profile asks.
 */
export function rejectUnknownAttribute(profile: ClientProfile, path: string): void {
  if (!profile.ignoreUnknownAttributes) throw ScimError.invalidSyntax(`Unknown attribute '${shown(path)}'.`);
}

/**
 * Normalises the value of one attribute, honouring multiValued. Returns undefined when the value is absent: null,
 * an empty array, or a complex value with nothing left (RFC 7643 section 2.5 treats these as unassigned).
 */
export function normalizeAttributeValue(
  definition: AttributeDefinition,
  raw: unknown,
  profile: ClientProfile,
  path: string,
): unknown {
  if (raw === null || raw === undefined) return undefined;
  if (!definition.multiValued) return normalizeSingleValue(definition, raw, profile, path);
  let items: readonly unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (profile.looseComplexValues) items = [raw];
  else throw ScimError.invalidValue(`Attribute '${path}' is multi-valued and must be a JSON array.`);
  if (items.length > MAX_MULTI_VALUES) {
    throw ScimError.invalidValue(
      `Attribute '${path}' has ${items.length} values; at most ${MAX_MULTI_VALUES} are accepted.`,
    );
  }
  const values: unknown[] = [];
  for (const item of items) {
    if (Array.isArray(item)) throw ScimError.invalidValue(`Attribute '${path}' must not contain nested arrays.`);
    const value = normalizeSingleValue(definition, item, profile, path);
    if (value !== undefined) values.push(value);
  }
  if (values.length === 0) return undefined;
  assertSinglePrimary(definition, values, path);
  return values;
}

/**
 * Normalises one value of an attribute, ignoring multiValued: a single-valued attribute's value, one element of a
 * multi-valued attribute, or a sub-attribute's value.
 */
export function normalizeSingleValue(
  definition: AttributeDefinition,
  raw: unknown,
  profile: ClientProfile,
  path: string,
): unknown {
  if (raw === null || raw === undefined) return undefined;
  switch (definition.type) {
    case 'complex':
      return normalizeComplex(definition, raw, profile, path);
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && profile.coerceBooleanStrings) {
        const lower = raw.toLowerCase();
        if (lower === 'true') return true;
        if (lower === 'false') return false;
      }
      throw ScimError.invalidValue(`Attribute '${path}' must be a boolean.`);
    case 'integer':
      if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
      throw ScimError.invalidValue(`Attribute '${path}' must be an integer.`);
    case 'decimal':
      if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
      throw ScimError.invalidValue(`Attribute '${path}' must be a number.`);
    case 'dateTime':
      if (typeof raw === 'string' && DATE_TIME.test(raw)) return raw;
      throw ScimError.invalidValue(`Attribute '${path}' must be an xsd:dateTime string (RFC 7643 section 2.3.5).`);
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof raw === 'string') return raw;
      throw ScimError.invalidValue(`Attribute '${path}' must be a string.`);
  }
}

function normalizeComplex(
  definition: AttributeDefinition,
  raw: unknown,
  profile: ClientProfile,
  path: string,
): ScimObject | undefined {
  let value = raw;
  if (profile.looseComplexValues) {
    if (Array.isArray(value) && !definition.multiValued && value.length === 1) value = value[0];
    if (
      (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') &&
      findAttribute(definition.subAttributes, 'value')
    ) {
      value = { value };
    }
    if (value === null) return undefined;
  }
  if (!isPlainObject(value)) throw ScimError.invalidValue(`Attribute '${path}' must be a JSON object.`);
  const result: ScimObject = {};
  const seen = new Set<string>();
  for (const [key, item] of Object.entries(value)) {
    const sub = findAttribute(definition.subAttributes, key);
    if (!sub) {
      rejectUnknownAttribute(profile, `${path}.${key}`);
      continue;
    }
    if (seen.has(sub.name)) throw ScimError.invalidSyntax(`Attribute '${path}.${sub.name}' is given more than once.`);
    seen.add(sub.name);
    // RFC 7643 section 2.2: client-sent readOnly values SHALL be ignored; writeOnly ones are never kept here.
    if (sub.mutability === 'readOnly' || sub.mutability === 'writeOnly') continue;
    const normalized = normalizeAttributeValue(sub, item, profile, `${path}.${sub.name}`);
    if (normalized !== undefined) result[sub.name] = normalized;
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

/** RFC 7643 section 2.4: the primary value `true` MUST appear no more than once in a multi-valued attribute. */
export function assertSinglePrimary(definition: AttributeDefinition, values: readonly unknown[], path: string): void {
  if (!findAttribute(definition.subAttributes, 'primary')) return;
  const primaries = values.filter((value) => isPlainObject(value) && value['primary'] === true).length;
  if (primaries > 1)
    throw ScimError.invalidValue(
      `Attribute '${path}' has ${primaries} values marked primary; at most one may be (RFC 7643 section 2.4).`,
    );
}
