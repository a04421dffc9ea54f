/**
 * The lexer shared by filters (RFC 7644 section 3.4.2.2), PATCH paths (section 3.5.2) and attribute lists
 * (section 3.9). It reads each character once and uses no regular expressions, so its time is linear in the
 * input and no crafted input can make it backtrack.
 */

/** Longest input accepted, in UTF-16 code units; the libraries survey (docs/notes/libraries.md section 5) saw stalls far below this. */
export const MAX_FILTER_LENGTH = 4096;

/** Deepest nesting of parentheses, `not (…)` and value paths accepted. */
export const MAX_FILTER_DEPTH = 32;

/** Most comparisons (`attrPath op value` or `attrPath pr`) one input may hold. */
export const MAX_FILTER_TERMS = 200;

/** Reports a syntax error at a 0-based character offset; the caller decides which ScimError it becomes. */
export type FailAt = (message: string, offset: number) => never;

/** A lexical token. Words cover attribute paths, operators, keywords, numbers and bare (unquoted) values. */
export interface Token {
  readonly kind: 'word' | 'string' | '(' | ')' | '[' | ']' | 'end';
  /** The word as written, the decoded string value, or the punctuation itself ('' at the end). */
  readonly text: string;
  /** 0-based offset of the token's first character in the input. */
  readonly offset: number;
  /** True when at least one space separates this token from the previous one. */
  readonly spaceBefore: boolean;
}

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Rejects inputs that are too long or carry ASCII control characters. Control characters are refused anywhere,
 * even inside quoted strings: no IdP sends them, and they are what made other parsers backtrack.
 */
export function checkFilterInput(text: string, fail: FailAt): void {
  if (text.length > MAX_FILTER_LENGTH) {
    fail(`input is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted`, MAX_FILTER_LENGTH);
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) {
      fail(`control character U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed`, i);
    }
  }
}

function isWordBreak(code: number): boolean {
  return code === SPACE || code === QUOTE || code === 0x28 || code === 0x29 || code === 0x5b || code === 0x5d;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Reads a JSON string (RFC 8259 section 7) whose opening quote is at `start`; returns its value and the offset after it. */
function readString(text: string, start: number, fail: FailAt): { value: string; end: number } {
  const parts: string[] = [];
  let segment = start + 1;
  let i = segment;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      parts.push(text.slice(segment, i));
      return { value: parts.join(''), end: i + 1 };
    }
    if (code !== BACKSLASH) {
      i++;
      continue;
    }
    parts.push(text.slice(segment, i));
    const escape = text.charAt(i + 1);
    if (escape === 'u') {
      let unit = 0;
      for (let k = 2; k < 6; k++) {
        const digit = hexValue(text.charCodeAt(i + k));
        if (digit < 0) fail('\\u must be followed by four hexadecimal digits', i);
        unit = unit * 16 + digit;
      }
      parts.push(String.fromCharCode(unit));
      i += 6;
    } else {
      if (escape === '') fail('unterminated string', start);
      const replacement = SIMPLE_ESCAPES[escape];
      if (replacement === undefined) fail(`invalid escape sequence \\${escape} in string`, i);
      parts.push(replacement);
      i += 2;
    }
    segment = i;
  }
  return fail('unterminated string', start);
}

/** Splits checked input (see checkFilterInput) into tokens, ending with one 'end' token. */
export function tokenizeFilter(text: string, fail: FailAt): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let spaceBefore = false;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === SPACE) {
      spaceBefore = true;
      i++;
      continue;
    }
    if (code === QUOTE) {
      const { value, end } = readString(text, i, fail);
      tokens.push({ kind: 'string', text: value, offset: i, spaceBefore });
      i = end;
    } else if (code === 0x28 || code === 0x29 || code === 0x5b || code === 0x5d) {
      const punctuation = text.charAt(i) as '(' | ')' | '[' | ']';
      tokens.push({ kind: punctuation, text: punctuation, offset: i, spaceBefore });
      i++;
    } else {
      const start = i;
      while (i < text.length && !isWordBreak(text.charCodeAt(i))) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), offset: start, spaceBefore });
    }
    spaceBefore = false;
  }
  tokens.push({ kind: 'end', text: '', offset: text.length, spaceBefore });
  return tokens;
}
