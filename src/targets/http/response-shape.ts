/**
 * Minimal, hand-written checks of the JSON bodies the clients read. They check only what the client uses
 * (the full OpenAPI validation runs in the contract tests; a schema validator is too heavy for the Forge
 * bundle). A mismatch is thrown as ShapeMismatch and reported as an `unexpected-response` TargetError.
 */
import { TargetError } from '../ports';
import type { ApiOperation } from './api-operation';

/** A JSON object as read from a body. */
export type JsonRecord = Readonly<Record<string, unknown>>;

/** A body that lacks something the client needs; `where` is a JSON path such as `data[2].id`. */
export class ShapeMismatch extends Error {
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where} ${problem}`);
    this.name = 'ShapeMismatch';
  }
}

/** The value as an object, or a mismatch. */
export function asRecord(value: unknown, where: string): JsonRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ShapeMismatch(where, 'is not an object');
  return value as JsonRecord;
}

/** A required string property. */
export function requiredString(object: JsonRecord, key: string, where: string): string {
  const value = object[key];
  if (typeof value !== 'string')
    throw new ShapeMismatch(`${where}.${key}`, value === undefined ? 'is missing' : 'is not a string');
  return value;
}

/** An optional string property; null counts as absent (the Admin API marks several strings nullable). */
export function optionalString(object: JsonRecord, key: string, where: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ShapeMismatch(`${where}.${key}`, 'is not a string');
  return value;
}

/** An optional boolean property. */
export function optionalBoolean(object: JsonRecord, key: string, where: string): boolean | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new ShapeMismatch(`${where}.${key}`, 'is not a boolean');
  return value;
}

/** A required array property. */
export function requiredArray(object: JsonRecord, key: string, where: string): readonly unknown[] {
  const value = object[key];
  if (!Array.isArray(value))
    throw new ShapeMismatch(`${where}.${key}`, value === undefined ? 'is missing' : 'is not an array');
  return value;
}

/** An optional array property; absent reads as empty. */
export function optionalArray(object: JsonRecord, key: string, where: string): readonly unknown[] {
  const value = object[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ShapeMismatch(`${where}.${key}`, 'is not an array');
  return value;
}

/** An optional nested object; absent reads as undefined. */
export function optionalRecord(object: JsonRecord, key: string, where: string): JsonRecord | undefined {
  const value = object[key];
  return value === undefined || value === null ? undefined : asRecord(value, `${where}.${key}`);
}

/** A string that must be one of `allowed`. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], where: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new ShapeMismatch(where, `is ${JSON.stringify(value)}, not one of ${allowed.join(', ')}`);
  return value as T;
}

/** A list of strings. */
export function stringItems(values: readonly unknown[], where: string): string[] {
  return values.map((value, index) => {
    if (typeof value !== 'string') throw new ShapeMismatch(`${where}[${index}]`, 'is not a string');
    return value;
  });
}

/** Runs `read` over a 2xx body and reports a mismatch as an `unexpected-response` TargetError of `operation`. */
export function decodeBody<T>(operation: ApiOperation, status: number, body: unknown, read: (body: unknown) => T): T {
  try {
    return read(body);
  } catch (error) {
    if (!(error instanceof ShapeMismatch)) throw error;
    throw new TargetError(
      'unexpected-response',
      `${operation.key} answered ${status} with an unexpected body: ${error.message}`,
      { status, operation: operation.key },
      { cause: error },
    );
  }
}
