/**
 * A small evaluator of Bitbucket's query language (the spec narrative "Filter and sort API objects"):
 * comparisons on dotted fields joined by AND / OR with parentheses, over strings, numbers, booleans, null,
 * unquoted date-times and lists. Enough for `q=user.email IN ("a@x","b@x")` and `project.key = "PLAT"`.
 */
import type { JsonValue } from '../openapi/openapi-types';
import { isJsonObject } from '../openapi/openapi-types';

/** A literal in a query. */
export type BbqlValue = string | number | boolean | null | BbqlValue[];

/** The parsed query. */
export type BbqlNode =
  | { readonly kind: 'and' | 'or'; readonly left: BbqlNode; readonly right: BbqlNode }
  | { readonly kind: 'compare'; readonly field: string; readonly operator: string; readonly value: BbqlValue };

/** A query the emulator cannot parse; Bitbucket answers such queries with 400. */
export class BbqlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BbqlSyntaxError';
  }
}

type Token = { readonly type: 'string' | 'word' | 'op' | 'punct'; readonly text: string };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let text = '';
      i++;
      while (i < query.length && query.charAt(i) !== '"') {
        if (query.charAt(i) === '\\' && i + 1 < query.length) i++;
        text += query.charAt(i++);
      }
      if (i >= query.length) throw new BbqlSyntaxError('Unterminated string');
      i++;
      tokens.push({ type: 'string', text });
    } else if ('(),'.includes(c)) {
      tokens.push({ type: 'punct', text: c });
      i++;
    } else if ('=!~<>'.includes(c)) {
      const two = query.slice(i, i + 2);
      const op = ['!=', '!~', '>=', '<='].includes(two) ? two : c;
      if (op === '!') throw new BbqlSyntaxError('Unknown operator !');
      tokens.push({ type: 'op', text: op });
      i += op.length;
    } else {
      const m = /^[^\s()",=!~<>]+/.exec(query.slice(i));
      if (m === null) throw new BbqlSyntaxError(`Unexpected character ${c}`);
      tokens.push({ type: 'word', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

/** Parses a `q` parameter. */
export function parseBbql(query: string): BbqlNode {
  const tokens = tokenize(query);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const isWord = (word: string): boolean => peek()?.type === 'word' && peek()?.text.toUpperCase() === word;

  const literal = (): BbqlValue => {
    const token = tokens[position++];
    if (token === undefined) throw new BbqlSyntaxError('Missing value');
    if (token.type === 'string') return token.text;
    if (token.type === 'punct' && token.text === '(') {
      const list: BbqlValue[] = [];
      while (!(peek()?.type === 'punct' && peek()?.text === ')')) {
        list.push(literal());
        if (peek()?.text === ',') position++;
        else if (!(peek()?.text === ')')) throw new BbqlSyntaxError('Expected , or ) in a list');
      }
      position++;
      return list;
    }
    if (token.type !== 'word') throw new BbqlSyntaxError(`Unexpected ${token.text}`);
    const lower = token.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
    if (lower === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(token.text)) return Number(token.text);
    // Unquoted date-times are compared as text; ISO 8601 strings in one time zone order correctly.
    return token.text;
  };

  const comparison = (): BbqlNode => {
    const field = tokens[position++];
    if (field?.type !== 'word') throw new BbqlSyntaxError('Expected a field name');
    let operator: string;
    if (isWord('NOT')) {
      position++;
      if (!isWord('IN')) throw new BbqlSyntaxError('Expected IN after NOT');
      position++;
      operator = 'NOT IN';
    } else if (isWord('IN')) {
      position++;
      operator = 'IN';
    } else {
      const op = tokens[position++];
      if (op?.type !== 'op') throw new BbqlSyntaxError(`Expected an operator after ${field.text}`);
      operator = op.text;
    }
    const value = literal();
    if ((operator === 'IN' || operator === 'NOT IN') !== Array.isArray(value))
      throw new BbqlSyntaxError(`${operator} needs ${Array.isArray(value) ? 'a single value' : 'a list'}`);
    return { kind: 'compare', field: field.text, operator, value };
  };

  const primary = (): BbqlNode => {
    if (peek()?.type === 'punct' && peek()?.text === '(') {
      position++;
      const inner = or();
      if (tokens[position++]?.text !== ')') throw new BbqlSyntaxError('Missing )');
      return inner;
    }
    return comparison();
  };
  const and = (): BbqlNode => {
    let left = primary();
    while (isWord('AND')) {
      position++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): BbqlNode => {
    let left = and();
    while (isWord('OR')) {
      position++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };

  const node = or();
  if (position !== tokens.length) throw new BbqlSyntaxError(`Unexpected ${tokens[position]?.text ?? 'end'}`);
  return node;
}

/** The values at a dotted path; arrays along the way fan out. */
function valuesAt(value: JsonValue | undefined, path: readonly string[]): JsonValue[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((item) => valuesAt(item, path));
  if (path.length === 0) return [value];
  if (!isJsonObject(value)) return [];
  const [head = '', ...rest] = path;
  if (!(head in value)) return rest.length === 0 ? [null] : [];
  return valuesAt(value[head], rest);
}

function compare(actual: JsonValue, operator: string, expected: BbqlValue): boolean {
  switch (operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '~':
      return (
        typeof actual === 'string' &&
        typeof expected === 'string' &&
        actual.toLowerCase().includes(expected.toLowerCase())
      );
    case '!~':
      return !(
        typeof actual === 'string' &&
        typeof expected === 'string' &&
        actual.toLowerCase().includes(expected.toLowerCase())
      );
    case 'IN':
      return Array.isArray(expected) && expected.some((e) => e === actual);
    case 'NOT IN':
      return Array.isArray(expected) && !expected.some((e) => e === actual);
    default: {
      if (
        actual === null ||
        expected === null ||
        Array.isArray(expected) ||
        typeof actual === 'object' ||
        typeof actual !== typeof expected
      )
        return false;
      const a = actual as string | number | boolean;
      const e = expected;
      if (operator === '>') return a > e;
      if (operator === '>=') return a >= e;
      if (operator === '<') return a < e;
      return a <= e;
    }
  }
}

/** Whether an object satisfies a query; a field matches when any of its values does. */
export function matchesBbql(node: BbqlNode, value: JsonValue): boolean {
  if (node.kind !== 'compare') {
    return node.kind === 'and'
      ? matchesBbql(node.left, value) && matchesBbql(node.right, value)
      : matchesBbql(node.left, value) || matchesBbql(node.right, value);
  }
  const actual = valuesAt(value, node.field.split('.'));
  if (node.operator === '!=' || node.operator === 'NOT IN' || node.operator === '!~') {
    return actual.every((a) => compare(a, node.operator, node.value));
  }
  return actual.some((a) => compare(a, node.operator, node.value));
}

/** The literal values a query compares `field` against (with =, or IN), e.g. the emails of a member filter. */
export function valuesComparedWith(node: BbqlNode, field: string): BbqlValue[] {
  if (node.kind !== 'compare')
    return [...valuesComparedWith(node.left, field), ...valuesComparedWith(node.right, field)];
  if (node.field !== field) return [];
  if (node.operator === 'IN' && Array.isArray(node.value)) return node.value;
  return node.operator === '=' ? [node.value] : [];
}
