/** Test helper: prints filter ASTs back to RFC 7644 filter text, in several spellings the parser must all accept. */
import type { Filter, FilterValue } from '../../../src/scim/filter/ast';

/** How printed text is spelled; every style must parse back to the same tree. */
export interface PrintStyle {
  /** `AND`, `OR`, `NOT`, `EQ` instead of lower case. */
  readonly upperCaseKeywords: boolean;
  /** `not (` instead of `not(`. */
  readonly spaceAfterNot: boolean;
  /** The separator between tokens: one or more spaces. */
  readonly gap: string;
  /** Write every non-ASCII character of strings as a \uXXXX escape. */
  readonly escapeNonAscii: boolean;
  /** Leave simple word-like strings unquoted (only for parsers with unquoted values enabled). */
  readonly bareStrings: boolean;
}

/** The plain RFC spelling. */
export const plainStyle: PrintStyle = {
  upperCaseKeywords: false,
  spaceAfterNot: true,
  gap: ' ',
  escapeNonAscii: false,
  bareStrings: false,
};

function escapeUnit(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A JSON string literal that never contains a raw control character (JSON.stringify leaves DEL raw). */
export function quoteString(value: string, escapeNonAscii: boolean): string {
  let out = '';
  for (const char of JSON.stringify(value)) {
    const code = char.charCodeAt(0);
    if (code === 0x7f || (escapeNonAscii && code > 0x7e)) {
      for (let i = 0; i < char.length; i++) out += escapeUnit(char.charCodeAt(i));
    } else out += char;
  }
  return out;
}

function isBareWord(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9@._:-]*$/.test(value) && !['true', 'false', 'null'].includes(value);
}

function printValue(value: FilterValue, style: PrintStyle): string {
  if (typeof value === 'string')
    return style.bareStrings && isBareWord(value) ? value : quoteString(value, style.escapeNonAscii);
  return JSON.stringify(value);
}

function keyword(word: string, style: PrintStyle): string {
  return style.upperCaseKeywords ? word.toUpperCase() : word;
}

function wrap(child: Filter, parent: 'and' | 'or', side: 'left' | 'right', style: PrintStyle): string {
  const text = printFilter(child, style);
  const isLogical = child.kind === 'and' || child.kind === 'or';
  const needsParentheses =
    isLogical && !(child.kind === parent && side === 'left') && !(parent === 'or' && child.kind === 'and');
  return needsParentheses ? `(${text})` : text;
}

/** Prints a filter so that parsing the text gives back the same tree (and/or associate to the left). */
export function printFilter(filter: Filter, style: PrintStyle = plainStyle): string {
  const gap = style.gap;
  switch (filter.kind) {
    case 'compare':
      return `${filter.path}${gap}${keyword(filter.operator, style)}${gap}${printValue(filter.value, style)}`;
    case 'present':
      return `${filter.path}${gap}${keyword('pr', style)}`;
    case 'and':
    case 'or':
      return `${wrap(filter.left, filter.kind, 'left', style)}${gap}${keyword(filter.kind, style)}${gap}${wrap(filter.right, filter.kind, 'right', style)}`;
    case 'not':
      return `${keyword('not', style)}${style.spaceAfterNot ? gap : ''}(${printFilter(filter.filter, style)})`;
    case 'valuePath': {
      const head = `${filter.path}[${printFilter(filter.filter, style)}]`;
      const then = filter.then;
      if (!then) return head;
      const tail =
        then.operator === 'pr'
          ? keyword('pr', style)
          : `${keyword(then.operator, style)}${gap}${printValue(then.value, style)}`;
      return `${head}.${then.subAttribute}${gap}${tail}`;
    }
  }
}
