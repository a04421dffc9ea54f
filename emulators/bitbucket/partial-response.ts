/**
 * Bitbucket's `fields` parameter (spec narrative "Partial responses"): `-path` removes, `+path` adds a
 * field the default representation leaves out, a bare `path` keeps only what is listed; `*` matches every
 * key on its level, and arrays are traversed transparently.
 */
import type { JsonValue } from '../openapi/openapi-types';
import { isJsonObject } from '../openapi/openapi-types';

function split(path: string): string[] {
  return path.split('.').filter((s) => s !== '');
}

/** Removes a dotted path from a value (immutably). */
export function excludePath(node: JsonValue, segments: readonly string[]): JsonValue {
  if (Array.isArray(node)) return node.map((item) => excludePath(item, segments));
  if (!isJsonObject(node) || segments.length === 0) return node;
  const [head = '', ...rest] = segments;
  const out = { ...node };
  for (const key of head === '*' ? Object.keys(out) : [head]) {
    const child = out[key];
    if (child === undefined) continue;
    if (rest.length === 0) delete out[key];
    else out[key] = excludePath(child, rest);
  }
  return out;
}

/** Copies a dotted path from `source` into `target`, returning the new target. */
export function includePath(
  source: JsonValue | undefined,
  target: JsonValue | undefined,
  segments: readonly string[],
): JsonValue | undefined {
  if (source === undefined) return target;
  if (segments.length === 0) return source;
  if (Array.isArray(source)) {
    const out: JsonValue[] = Array.isArray(target) ? [...target] : [];
    source.forEach((item, index) => {
      out[index] = includePath(item, out[index], segments) ?? out[index] ?? {};
    });
    return out;
  }
  if (!isJsonObject(source)) return target;
  const out = isJsonObject(target) ? { ...target } : {};
  const [head = '', ...rest] = segments;
  for (const key of head === '*' ? Object.keys(source) : [head]) {
    const value = includePath(source[key], out[key], rest);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * Applies a `fields` value. `full` holds every field the emulator can show; `hidden` lists the paths left
 * out of the default representation (for example `values.user.email`).
 */
export function applyFields(full: JsonValue, fields: string | undefined, hidden: readonly string[]): JsonValue {
  if (hidden.length === 0 && (fields === undefined || fields.trim() === '')) return full;
  let result: JsonValue = hidden.reduce((value, path) => excludePath(value, split(path)), full);
  if (fields === undefined || fields.trim() === '') return result;
  const entries = fields
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.some((e) => !e.startsWith('+') && !e.startsWith('-'))) result = {};
  for (const entry of entries) {
    if (entry.startsWith('-')) result = excludePath(result, split(entry.slice(1)));
    else result = includePath(full, result, split(entry.startsWith('+') ? entry.slice(1) : entry)) ?? result;
  }
  return result;
}
