/**
 * Reads a JSON document strictly, collecting every problem with its path (`rules[2].level`, '' for the document
 * itself) instead of stopping at the first: unknown keys, wrong types and out-of-range values are errors, and a
 * field left out takes the caller's fallback.
 */
import type { SettingsError } from './settings';

/** Collects errors while reading one document; each read returns the value, or the fallback after recording why. */
export class DocumentReader {
  readonly errors: SettingsError[] = [];

  /** Records a problem at `path`. */
  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** The object at `path` with only `allowed` keys, or undefined (and an error) when it is not one. */
  object(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.error(path, 'must be an object');
      return undefined;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key))
        this.error(joinPath(path, key), `is not a known setting (expected one of: ${allowed.join(', ')})`);
    }
    return record;
  }

  /** The boolean `record[key]`, or `fallback` when it is absent or not one. */
  boolean(record: Record<string, unknown>, path: string, key: string, fallback: boolean): boolean {
    const value = record[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.error(joinPath(path, key), 'must be true or false');
      return fallback;
    }
    return value;
  }

  /** The string `record[key]` when it is one of `choices`, or `fallback`. */
  choice<T extends string>(
    record: Record<string, unknown>,
    path: string,
    key: string,
    choices: readonly T[],
    fallback: T,
  ): T {
    const value = record[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.error(joinPath(path, key), `must be one of: ${choices.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  /** The number `record[key]` within `range`, or `fallback`. */
  number(
    record: Record<string, unknown>,
    path: string,
    key: string,
    range: { min: number; max: number; integer: boolean },
    fallback: number,
  ): number {
    const value = record[key];
    if (value === undefined) return fallback;
    const kind = range.integer ? 'an integer' : 'a number';
    if (typeof value !== 'number' || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
      this.error(joinPath(path, key), `must be ${kind}`);
      return fallback;
    }
    if (value < range.min || value > range.max) {
      this.error(joinPath(path, key), `must be ${kind} from ${range.min} to ${range.max}`);
      return fallback;
    }
    return value;
  }

  /** The string `record[key]` matching `shape.pattern`, or `fallback`. */
  string(
    record: Record<string, unknown>,
    path: string,
    key: string,
    shape: { pattern: RegExp; describe: string },
    fallback: string,
  ): string {
    const value = record[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string') {
      this.error(joinPath(path, key), 'must be a string');
      return fallback;
    }
    if (!shape.pattern.test(value)) {
      this.error(joinPath(path, key), `must be ${shape.describe}`);
      return fallback;
    }
    return value;
  }
}

/** The path of `key` under `path`: `rules[2]` for an index, `target.orgId` for a key, `key` at the top. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}
