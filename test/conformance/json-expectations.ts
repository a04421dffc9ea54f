/**
 * Partial JSON matching, JSON pointers and `{{var}}` substitution for the IdP replay fixtures.
 *
 * An expected object matches when every key it lists matches (extra keys in the actual value are fine); an expected
 * array matches an array of the same length element by element. An object with one `$`-key is a matcher instead:
 * - `{"$unordered": [...]}`: same length, each expected element matches a different actual element, any order;
 * - `{"$contains": [...]}`: each expected element matches a different actual element; others may exist;
 * - `{"$exact": v}`: deep equality, no extra keys anywhere;
 * - `{"$type": "string" | "integer" | "number" | "boolean" | "object" | "array" | "null"}`;
 * - `{"$noneOf": [...]}`: no actual element matches any of the listed ones;
 * - `{"$startsWith": "prefix"}`, `{"$length": n}`, `{"$not": v}` (v must not match).
 * `$ref` is an attribute name in SCIM (RFC 7643 section 2.3.7), never a matcher.
 */

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MATCHERS = new Set(['$unordered', '$contains', '$noneOf', '$exact', '$type', '$startsWith', '$length', '$not']);

function matcherOf(expected: unknown): [string, unknown] | undefined {
  if (!isObject(expected)) return undefined;
  const keys = Object.keys(expected);
  const key = keys[0];
  if (keys.length !== 1 || key === undefined || !key.startsWith('$') || key === '$ref') return undefined;
  if (!MATCHERS.has(key)) throw new Error(`unknown matcher ${key}; known: ${[...MATCHERS].join(', ')}`);
  return [key, expected[key]];
}

/** Renders a value briefly for a failure message. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined (absent)';
  const text = JSON.stringify(value);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** Pairs each expected element with a distinct matching actual element; returns the expected indexes left unpaired. */
function unpaired(expected: readonly unknown[], actual: readonly unknown[]): number[] {
  const used = new Set<number>();
  const missing: number[] = [];
  expected.forEach((item, i) => {
    const found = actual.findIndex((candidate, j) => !used.has(j) && mismatches(item, candidate, '').length === 0);
    if (found === -1) missing.push(i);
    else used.add(found);
  });
  return missing;
}

function applyMatcher(name: string, argument: unknown, actual: unknown, at: string): string[] {
  const where = at === '' ? '(root)' : at;
  switch (name) {
    case '$unordered':
    case '$contains': {
      if (!Array.isArray(argument)) throw new Error(`${name} needs an array`);
      if (!Array.isArray(actual)) return [`${where}: expected an array, got ${show(actual)}`];
      const out: string[] = [];
      if (name === '$unordered' && actual.length !== argument.length) {
        out.push(`${where}: expected ${argument.length} element(s) in any order, got ${actual.length}: ${show(actual)}`);
      }
      const missing = unpaired(argument, actual);
      if (missing.length > 0) out.push(`${where}: no element matches ${missing.map((i) => show(argument[i])).join(', ')} in ${show(actual)}`);
      return out;
    }
    case '$noneOf': {
      if (!Array.isArray(argument)) throw new Error(`${name} needs an array`);
      if (!Array.isArray(actual)) return [`${where}: expected an array, got ${show(actual)}`];
      const hits = actual.filter((candidate) => argument.some((item) => mismatches(item, candidate, '').length === 0));
      return hits.length === 0 ? [] : [`${where}: expected none of the listed elements, found ${show(hits)}`];
    }
    case '$exact':
      return deepEqual(argument, actual) ? [] : [`${where}: expected exactly ${show(argument)}, got ${show(actual)}`];
    case '$type':
      return typeName(actual) === argument || (argument === 'number' && typeName(actual) === 'integer') ? [] : [`${where}: expected a ${String(argument)}, got ${show(actual)}`];
    case '$startsWith':
      return typeof actual === 'string' && actual.startsWith(String(argument)) ? [] : [`${where}: expected a string starting with ${show(argument)}, got ${show(actual)}`];
    case '$length':
      return Array.isArray(actual) && actual.length === argument ? [] : [`${where}: expected an array of length ${String(argument)}, got ${show(actual)}`];
    case '$not':
      return mismatches(argument, actual, at).length > 0 ? [] : [`${where}: expected anything but ${show(argument)}, got ${show(actual)}`];
    default:
      throw new Error(`unknown matcher ${name}`);
  }
}

/** Lists every way `actual` fails to match `expected`; empty when it matches. `at` is the JSON pointer so far. */
export function mismatches(expected: unknown, actual: unknown, at = ''): string[] {
  const matcher = matcherOf(expected);
  if (matcher) return applyMatcher(matcher[0], matcher[1], actual, at);
  const where = at === '' ? '(root)' : at;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${where}: expected an array, got ${show(actual)}`];
    if (actual.length !== expected.length) return [`${where}: expected ${expected.length} element(s) ${show(expected)}, got ${actual.length}: ${show(actual)}`];
    return expected.flatMap((item, i) => mismatches(item, actual[i], `${at}/${i}`));
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return [`${where}: expected an object, got ${show(actual)}`];
    return Object.entries(expected).flatMap(([key, item]) => mismatches(item, actual[key], `${at}/${escapePointerToken(key)}`));
  }
  return expected === actual ? [] : [`${where}: expected ${show(expected)}, got ${show(actual)}`];
}

function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Resolves an RFC 6901 JSON pointer; `found` is false when any step is missing. */
export function resolvePointer(document: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: document };
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer "${pointer}" must start with '/'`);
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= current.length) return { found: false };
      current = current[Number(token)];
    } else if (isObject(current) && Object.prototype.hasOwnProperty.call(current, token)) {
      current = current[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

const PLACEHOLDER = /\{\{([A-Za-z][A-Za-z0-9_]*)\}\}/g;

/**
 * Replaces `{{name}}` in every string of `value`. A string that is exactly one placeholder takes the variable's
 * value as is (so a captured number stays a number); an unknown name is a fixture bug and throws.
 */
export function substitute<T>(value: T, variables: ReadonlyMap<string, unknown>): T {
  const lookup = (name: string): unknown => {
    if (!variables.has(name)) throw new Error(`unknown variable {{${name}}}; captured so far: ${[...variables.keys()].join(', ') || 'none'}`);
    return variables.get(name);
  };
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') {
      const whole = /^\{\{([A-Za-z][A-Za-z0-9_]*)\}\}$/.exec(item);
      if (whole?.[1] !== undefined) return lookup(whole[1]);
      return item.replace(PLACEHOLDER, (_match, name: string) => String(lookup(name)));
    }
    if (Array.isArray(item)) return item.map(walk);
    if (isObject(item)) return Object.fromEntries(Object.entries(item).map(([key, inner]) => [walk(key) as string, walk(inner)]));
    return item;
  };
  return walk(value) as T;
}
