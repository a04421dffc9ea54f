/**
 * Recursive-descent parsers for the filter grammar of RFC 7644 section 3.4.2.2 (figure 1), the PATCH path
 * grammar of section 3.5.2, and the `attributes`/`excludedAttributes` lists of section 3.9. Parsing only checks
 * syntax; whether a path names a real attribute is decided against a resource type when the filter is compiled.
 */
import { ScimError } from '../errors';
import type { CompareOperator, Filter, FilterValue, PatchPath, ValuePathFilter } from './ast';
import {
  checkFilterInput,
  MAX_FILTER_DEPTH,
  MAX_FILTER_TERMS,
  tokenizeFilter,
  type FailAt,
  type Token,
} from './tokenize-filter';

/** How permissive the value syntax is; comes from `ClientProfile.unquotedFilterValues`. */
export interface FilterParseOptions {
  /**
   * Accept a bare word after a comparison operator as a string (`externalId eq jyoung`), as the Entra docs and
   * Microsoft's Postman collection send. Without it, RFC 7644 figure 1 requires a JSON value.
   */
  readonly unquotedValues: boolean;
}

const LENIENT: FilterParseOptions = { unquotedValues: true };

const COMPARE_OPERATORS: ReadonlySet<string> = new Set<CompareOperator>([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'ge',
  'lt',
  'le',
]);

function failWith(label: string, make: (detail: string) => ScimError): FailAt {
  return (message, offset) => {
    throw make(`Invalid ${label} at offset ${offset}: ${message}`);
  };
}

function isAlpha(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * ATTRNAME of RFC 7643 section 2.1 (ALPHA followed by ALPHA, DIGIT, '-' or '_'), widened to allow a leading '$'
 * because RFC 7643 itself defines `$ref` sub-attributes.
 */
function isAttributeName(name: string): boolean {
  if (name.length === 0) return false;
  const first = name.charCodeAt(0);
  if (!isAlpha(first) && !(first === 0x24 && name.length > 1)) return false;
  for (let i = 1; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (!isAlpha(code) && !isDigit(code) && code !== 0x2d && code !== 0x5f) return false;
  }
  return true;
}

/** Length of a schema URN prefix including its final ':' (0 when there is none); throws when it is malformed. */
function urnPrefixLength(word: string, offset: number, fail: FailAt): number {
  if (word.length < 4 || word.slice(0, 4).toLowerCase() !== 'urn:') return 0;
  // Schema URNs contain dots (`2.0`), so the attribute begins after the last colon, never after the first dot.
  const colon = word.lastIndexOf(':');
  if (colon <= 4) fail(`'${shorten(word)}' is not a schema URN followed by an attribute name`, offset);
  for (let i = 4; i < colon; i++) {
    const code = word.charCodeAt(i);
    if (!isAlpha(code) && !isDigit(code) && code !== 0x2d && code !== 0x2e && code !== 0x5f && code !== 0x3a) {
      fail(`character '${word.charAt(i)}' is not allowed in a schema URN`, offset + i);
    }
  }
  return colon + 1;
}

/** Checks `attrPath = [URI ":"] ATTRNAME *1subAttr` (RFC 7644 figure 1); `allowSubAttribute` is false before '['. */
function checkAttributePath(word: string, offset: number, allowSubAttribute: boolean, fail: FailAt): void {
  const start = urnPrefixLength(word, offset, fail);
  const names = word.slice(start).split('.');
  let position = offset + start;
  for (const name of names) {
    if (!isAttributeName(name)) fail(`'${shorten(word)}' is not a valid attribute path`, position);
    position += name.length + 1;
  }
  if (names.length > 2) fail(`'${shorten(word)}' has more than one sub-attribute`, offset);
  if (names.length === 2 && !allowSubAttribute)
    fail(`a value filter '[' must follow an attribute, not the sub-attribute '${shorten(word)}'`, offset);
}

/** JSON number grammar of RFC 8259 section 6, checked by hand so that the scan stays linear. */
function isJsonNumber(word: string): boolean {
  let i = 0;
  const at = (index: number): number => word.charCodeAt(index);
  if (at(i) === 0x2d) i++;
  if (at(i) === 0x30) i++;
  else if (isDigit(at(i))) while (isDigit(at(i))) i++;
  else return false;
  if (at(i) === 0x2e) {
    i++;
    if (!isDigit(at(i))) return false;
    while (isDigit(at(i))) i++;
  }
  if (at(i) === 0x65 || at(i) === 0x45) {
    i++;
    if (at(i) === 0x2b || at(i) === 0x2d) i++;
    if (!isDigit(at(i))) return false;
    while (isDigit(at(i))) i++;
  }
  return i === word.length;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the input';
    case 'string':
      return `the string "${shorten(token.text)}"`;
    case 'word':
      return `'${shorten(token.text)}'`;
    default:
      return `'${token.kind}'`;
  }
}

/** The part after a value path's ']': `.subAttr`, written with no space (RFC 7644 section 3.5.2 `valuePath [subAttr]`). */
function subAttributeAfterBracket(token: Token): string | undefined {
  if (token.kind !== 'word' || token.spaceBefore || !token.text.startsWith('.')) return undefined;
  return token.text.slice(1);
}

class Parser {
  private position = 0;
  private terms = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly options: FilterParseOptions,
    private readonly fail: FailAt,
  ) {}

  private peek(): Token {
    // The token list always ends with an 'end' token and the parser never moves past it.
    return this.tokens[this.position] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.position++;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private expect(kind: Token['kind'], what: string, opener?: Token): Token {
    const token = this.peek();
    if (token.kind !== kind) {
      const context = opener ? ` to close the '${opener.kind}' at offset ${opener.offset}` : '';
      this.fail(`expected ${what}${context}, found ${describe(token)}`, token.offset);
    }
    return this.next();
  }

  private enter(depth: number, token: Token): number {
    if (depth + 1 > MAX_FILTER_DEPTH) this.fail(`nesting is deeper than ${MAX_FILTER_DEPTH} levels`, token.offset);
    return depth + 1;
  }

  private countTerm(token: Token): void {
    this.terms++;
    if (this.terms > MAX_FILTER_TERMS) this.fail(`more than ${MAX_FILTER_TERMS} comparisons`, token.offset);
  }

  /** Parses a whole filter and requires the input to end after it. */
  parseWholeFilter(): Filter {
    if (this.peek().kind === 'end') this.fail('the filter is empty', 0);
    const filter = this.parseOr(0, false);
    this.expectEnd();
    return filter;
  }

  private expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end')
      this.fail(`expected 'and', 'or' or the end of the input, found ${describe(token)}`, token.offset);
  }

  /** `and` binds tighter than `or` (RFC 7644 section 3.4.2.2, order of operations); both associate to the left. */
  private parseOr(depth: number, inValuePath: boolean): Filter {
    let left = this.parseAnd(depth, inValuePath);
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      const right = this.parseAnd(depth, inValuePath);
      left = { kind: 'or', left, right };
    }
    return left;
  }

  private parseAnd(depth: number, inValuePath: boolean): Filter {
    let left = this.parseUnary(depth, inValuePath);
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      const right = this.parseUnary(depth, inValuePath);
      left = { kind: 'and', left, right };
    }
    return left;
  }

  private parseUnary(depth: number, inValuePath: boolean): Filter {
    const token = this.peek();
    if (token.kind === '(') {
      const inner = this.enter(depth, token);
      this.next();
      const filter = this.parseOr(inner, inValuePath);
      this.expect(')', "')'", token);
      return filter;
    }
    if (this.isKeyword(token, 'not')) {
      this.next();
      const open = this.peek();
      if (open.kind !== '(') this.fail(`'not' must be followed by '(', found ${describe(open)}`, open.offset);
      const inner = this.enter(depth, open);
      this.next();
      const filter = this.parseOr(inner, inValuePath);
      this.expect(')', "')'", open);
      return { kind: 'not', filter };
    }
    // `and`/`or` here mean a missing operand; no SCIM attribute has those names.
    if (token.kind === 'word' && !this.isKeyword(token, 'and') && !this.isKeyword(token, 'or'))
      return this.parseAttributeExpression(depth, inValuePath);
    return this.fail(`expected an attribute path, '(' or 'not', found ${describe(token)}`, token.offset);
  }

  private parseAttributeExpression(depth: number, inValuePath: boolean): Filter {
    const pathToken = this.next();
    const path = pathToken.text;
    const bracket = this.peek();
    if (bracket.kind === '[') {
      if (bracket.spaceBefore) this.fail("no space is allowed between an attribute and '['", bracket.offset);
      if (inValuePath) this.fail('value filters cannot be nested', bracket.offset);
      return this.parseValuePath(pathToken, depth);
    }
    checkAttributePath(path, pathToken.offset, true, this.fail);
    const { operator, value } = this.parseComparison(pathToken);
    return operator === 'pr' ? { kind: 'present', path } : { kind: 'compare', path, operator, value };
  }

  private parseValuePath(pathToken: Token, depth: number): ValuePathFilter {
    const { path, filter } = this.parseBracketFilter(pathToken, depth);
    const subAttribute = subAttributeAfterBracket(this.peek());
    if (subAttribute === undefined) return { kind: 'valuePath', path, filter };
    const subToken = this.next();
    if (!isAttributeName(subAttribute))
      this.fail(`'${shorten(subToken.text)}' is not a valid sub-attribute`, subToken.offset);
    const { operator, value } = this.parseComparison(subToken);
    return { kind: 'valuePath', path, filter, then: { subAttribute, operator, value } };
  }

  /** Parses a whole PATCH path (RFC 7644 section 3.5.2) and requires the input to end after it. */
  parseWholePath(): PatchPath {
    const first = this.next();
    if (first.kind === 'end') this.fail('the path is empty', first.offset);
    if (first.kind !== 'word') this.fail(`expected an attribute path, found ${describe(first)}`, first.offset);
    const bracket = this.peek();
    if (bracket.kind !== '[') {
      checkAttributePath(first.text, first.offset, true, this.fail);
      this.expectEndOfPath();
      return { path: first.text };
    }
    if (bracket.spaceBefore) this.fail("no space is allowed between an attribute and '['", bracket.offset);
    const { path, filter } = this.parseBracketFilter(first, 0);
    const subAttribute = subAttributeAfterBracket(this.peek());
    if (subAttribute === undefined) {
      this.expectEndOfPath();
      return { path, filter };
    }
    const subToken = this.next();
    if (!isAttributeName(subAttribute))
      this.fail(`'${shorten(subToken.text)}' is not a valid sub-attribute`, subToken.offset);
    this.expectEndOfPath();
    return { path, filter, subAttribute };
  }

  private expectEndOfPath(): void {
    const token = this.peek();
    if (token.kind !== 'end') this.fail(`unexpected ${describe(token)} after the path`, token.offset);
  }

  /** Parses `attrPath "[" valFilter "]"` once the path token has been consumed and '[' is next. */
  private parseBracketFilter(pathToken: Token, depth: number): { path: string; filter: Filter } {
    checkAttributePath(pathToken.text, pathToken.offset, false, this.fail);
    const open = this.next();
    const inner = this.enter(depth, open);
    if (this.peek().kind === ']') this.fail('the value filter is empty', this.peek().offset);
    const filter = this.parseOr(inner, true);
    this.expect(']', "']'", open);
    return { path: pathToken.text, filter };
  }

  private parseComparison(subject: Token): { operator: CompareOperator | 'pr'; value: FilterValue } {
    const token = this.peek();
    if (token.kind !== 'word')
      this.fail(
        `expected a comparison operator after '${shorten(subject.text)}', found ${describe(token)}`,
        token.offset,
      );
    const operator = token.text.toLowerCase();
    if (operator !== 'pr' && !COMPARE_OPERATORS.has(operator))
      this.fail(`unknown comparison operator '${shorten(token.text)}'`, token.offset);
    this.countTerm(subject);
    this.next();
    if (operator === 'pr') return { operator, value: null };
    return { operator: operator as CompareOperator, value: this.parseValue(token) };
  }

  /** compValue of RFC 7644 figure 1: false / null / true / number / string, plus bare words when allowed. */
  private parseValue(operatorToken: Token): FilterValue {
    const token = this.next();
    if (token.kind === 'string') return token.text;
    if (token.kind !== 'word')
      this.fail(`expected a value after '${operatorToken.text}', found ${describe(token)}`, token.offset);
    const word = token.text;
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (isJsonNumber(word)) {
      const number = Number(word);
      if (!Number.isFinite(number)) this.fail(`the number '${shorten(word)}' is out of range`, token.offset);
      return number;
    }
    if (!this.options.unquotedValues)
      this.fail(`the value '${shorten(word)}' must be quoted, or be true, false, null or a number`, token.offset);
    return word;
  }
}

/**
 * Parses a `filter` query parameter or SearchRequest filter (RFC 7644 section 3.4.2.2). Throws
 * ScimError invalidFilter, with the offset of the problem, for any syntax error or exceeded safety limit.
 */
export function parseFilter(text: string, options: FilterParseOptions): Filter {
  const fail = failWith('filter', ScimError.invalidFilter);
  checkFilterInput(text, fail);
  return new Parser(tokenizeFilter(text, fail), options, fail).parseWholeFilter();
}

/**
 * Parses a PATCH operation's `path` (RFC 7644 section 3.5.2: `PATH = attrPath / valuePath [subAttr]`), e.g.
 * `members`, `name.givenName`, `urn:…:enterprise:2.0:User:department`, `emails[type eq "work"].value`.
 * Unquoted filter values are accepted unless `options` says otherwise, since Entra's docs show
 * `emails[type eq work].value`. Throws ScimError invalidPath.
 */
export function parsePatchPath(text: string, options: FilterParseOptions = LENIENT): PatchPath {
  const fail = failWith('path', ScimError.invalidPath);
  checkFilterInput(text, fail);
  return new Parser(tokenizeFilter(text, fail), options, fail).parseWholePath();
}

/** Where each item of an attribute list starts and ends, splitting on commas outside quotes and brackets. */
function splitAttributeList(text: string): { start: number; end: number }[] {
  const items: { start: number; end: number }[] = [];
  let start = 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '[') depth++;
    else if (char === ']') depth = Math.max(0, depth - 1);
    else if (char === ',' && depth === 0) {
      items.push({ start, end: i });
      start = i + 1;
    }
  }
  items.push({ start, end: text.length });
  return items;
}

/**
 * Parses the `attributes` or `excludedAttributes` query parameter (RFC 7644 sections 3.4.2.5 and 3.9): a
 * comma-separated list of attribute paths. Items may carry a value filter (`emails[type eq "work"]`, as
 * Microsoft's Postman collection sends); blank items are ignored. Throws ScimError invalidPath.
 */
export function parseAttributeList(text: string, options: FilterParseOptions = LENIENT): PatchPath[] {
  const fail = failWith('attribute list', ScimError.invalidPath);
  checkFilterInput(text, fail);
  const paths: PatchPath[] = [];
  for (const { start, end } of splitAttributeList(text)) {
    const item = text.slice(start, end);
    if (item.trim() === '') continue;
    const failInItem: FailAt = (message, offset) => fail(message, start + offset);
    paths.push(new Parser(tokenizeFilter(item, failInItem), options, failInItem).parseWholePath());
  }
  return paths;
}
