/** Typed reads from request bodies that the spec validator has already accepted. */
import type { JsonObject, JsonValue } from './openapi/openapi-types';
import { isJsonObject } from './openapi/openapi-types';

/** The value as an object, or an empty object when it is anything else. */
export function objectOf(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

/** A string field, or undefined. */
export function stringField(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

/** A number field, or undefined. */
export function numberField(object: JsonObject, key: string): number | undefined {
  const value = object[key];
  return typeof value === 'number' ? value : undefined;
}

/** A boolean field, or undefined. */
export function booleanField(object: JsonObject, key: string): boolean | undefined {
  const value = object[key];
  return typeof value === 'boolean' ? value : undefined;
}

/** The strings of an array field, or undefined when the field is absent or null. */
export function stringList(object: JsonObject, key: string): string[] | undefined {
  const value = object[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
}

/** The objects of an array field, or undefined when the field is absent or null. */
export function objectList(object: JsonObject, key: string): JsonObject[] | undefined {
  const value = object[key];
  return Array.isArray(value) ? value.filter(isJsonObject) : undefined;
}
