/**
 * A small Markdown reader for the IdP set-up guides (docs/idp/*.md): headings, paragraphs, nested lists, fenced
 * code, block quotes, rules, tables, and inline code, bold, emphasis and links. It builds a tree that the page
 * renders as React elements (never as HTML strings), so a guide cannot inject markup, and it substitutes the
 * guides' placeholders (`{{SCIM_BASE_URL}}`, `{{TOKEN_HINT}}`) in text, code and link targets.
 */

/** A run of inline content. */
export type Inline =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'strong'; readonly children: readonly Inline[] }
  | { readonly kind: 'em'; readonly children: readonly Inline[] }
  | { readonly kind: 'link'; readonly href: string; readonly children: readonly Inline[] };

/** Column alignment of a table. */
export type Alignment = 'left' | 'center' | 'right' | undefined;

/** A block of a document. */
export type Block =
  | { readonly kind: 'heading'; readonly level: number; readonly content: readonly Inline[] }
  | { readonly kind: 'paragraph'; readonly content: readonly Inline[] }
  | {
      readonly kind: 'list';
      readonly ordered: boolean;
      readonly start: number;
      readonly items: readonly (readonly Block[])[];
    }
  | { readonly kind: 'code'; readonly language: string; readonly text: string }
  | { readonly kind: 'quote'; readonly blocks: readonly Block[] }
  | { readonly kind: 'rule' }
  | {
      readonly kind: 'table';
      readonly align: readonly Alignment[];
      readonly header: readonly (readonly Inline[])[];
      readonly rows: readonly (readonly (readonly Inline[])[])[];
    };

/** Placeholder names (without braces) and what replaces them. */
export type Variables = Readonly<Record<string, string>>;

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$/;
const QUOTE = /^ {0,3}>\s?(.*)$/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])(\s+|$)(.*)$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
const PLACEHOLDER = /\{\{\s*([A-Z0-9_]+)\s*\}\}/g;
const SAFE_HREF = /^(?:https?:|mailto:|#|\/|\.\/)/i;

/** Parses a document into blocks, replacing `{{NAME}}` placeholders found in `variables`. */
export function parseMarkdown(source: string, variables: Variables = {}): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').split('\n');
  return parseBlocks(lines, variables);
}

/** Replaces the placeholders `variables` names; unknown placeholders stay as written. */
export function substitute(text: string, variables: Variables): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => variables[name] ?? whole);
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === '';
}

function startsTable(lines: readonly string[], index: number): boolean {
  const line = lines[index];
  const next = lines[index + 1];
  return (
    line !== undefined && next !== undefined && line.includes('|') && TABLE_SEPARATOR.test(next) && next.includes('-')
  );
}

function startsBlock(lines: readonly string[], index: number): boolean {
  const line = lines[index] ?? '';
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    LIST_ITEM.test(line) ||
    startsTable(lines, index)
  );
}

function parseBlocks(lines: readonly string[], variables: Variables): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (isBlank(line)) {
      i += 1;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const [, indent = '', marker = '```', language = ''] = fence;
      const body: string[] = [];
      i += 1;
      while (i < lines.length && !(lines[i] ?? '').trimStart().startsWith(marker)) {
        const text = lines[i] ?? '';
        body.push(indentOf(text) >= indent.length ? text.slice(indent.length) : text.trimStart());
        i += 1;
      }
      i += 1;
      blocks.push({ kind: 'code', language, text: substitute(body.join('\n'), variables) });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({
        kind: 'heading',
        level: heading[1]?.length ?? 1,
        content: parseInline(heading[2] ?? '', variables),
      });
      i += 1;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ kind: 'rule' });
      i += 1;
      continue;
    }
    if (startsTable(lines, i)) {
      const header = splitRow(line);
      const align = splitRow(lines[i + 1] ?? '').map(alignmentOf);
      const rows: (readonly Inline[])[][] = [];
      i += 2;
      while (i < lines.length && !isBlank(lines[i]) && (lines[i] ?? '').includes('|')) {
        const cells = splitRow(lines[i] ?? '');
        rows.push(header.map((_, column) => parseInline(cells[column] ?? '', variables)));
        i += 1;
      }
      blocks.push({
        kind: 'table',
        align: header.map((_, column) => align[column]),
        header: header.map((cell) => parseInline(cell, variables)),
        rows,
      });
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && !isBlank(lines[i])) {
        const quoted = QUOTE.exec(lines[i] ?? '');
        if (!quoted && startsBlock(lines, i)) break;
        inner.push(quoted ? (quoted[1] ?? '') : (lines[i] ?? ''));
        i += 1;
      }
      blocks.push({ kind: 'quote', blocks: parseBlocks(inner, variables) });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const parsed = parseList(lines, i, variables);
      blocks.push(parsed.block);
      i = parsed.next;
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && (paragraph.length === 0 || !startsBlock(lines, i))) {
      paragraph.push((lines[i] ?? '').trim());
      i += 1;
    }
    blocks.push({ kind: 'paragraph', content: parseInline(paragraph.join(' '), variables) });
  }
  return blocks;
}

function parseList(lines: readonly string[], first: number, variables: Variables): { block: Block; next: number } {
  const opening = LIST_ITEM.exec(lines[first] ?? '');
  const ordered = /\d/.test(opening?.[2] ?? '');
  const start = ordered ? Number.parseInt(opening?.[2] ?? '1', 10) : 1;
  const items: Block[][] = [];
  let i = first;
  for (;;) {
    const match = LIST_ITEM.exec(lines[i] ?? '');
    if (!match || /\d/.test(match[2] ?? '') !== ordered) break;
    const [, indent = '', marker = '-', gap = ' ', rest = ''] = match;
    const contentColumn = indent.length + marker.length + Math.max(1, Math.min(gap.length, 4));
    const itemLines = [rest];
    i += 1;
    while (i < lines.length) {
      const line = lines[i] ?? '';
      if (isBlank(line)) {
        let ahead = i + 1;
        while (ahead < lines.length && isBlank(lines[ahead])) ahead += 1;
        if (ahead < lines.length && indentOf(lines[ahead] ?? '') >= contentColumn) {
          for (; i < ahead; i += 1) itemLines.push('');
          continue;
        }
        break;
      }
      if (indentOf(line) >= contentColumn) {
        itemLines.push(line.slice(contentColumn));
      } else if (startsBlock(lines, i)) {
        break;
      } else {
        itemLines.push(line.trim());
      }
      i += 1;
    }
    items.push(parseBlocks(itemLines, variables));
    let ahead = i;
    while (ahead < lines.length && isBlank(lines[ahead])) ahead += 1;
    const nextItem = LIST_ITEM.exec(lines[ahead] ?? '');
    if (!nextItem || indentOf(lines[ahead] ?? '') >= contentColumn || (nextItem[1] ?? '').length > indent.length + 3)
      break;
    i = ahead;
  }
  return { block: { kind: 'list', ordered, start, items }, next: i };
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  const cells: string[] = [];
  let current = '';
  let inCode = false;
  for (let i = 0; i < row.length; i += 1) {
    const char = row[i];
    if (char === '\\' && row[i + 1] === '|') {
      current += '|';
      i += 1;
    } else if (char === '`') {
      inCode = !inCode;
      current += char;
    } else if (char === '|' && !inCode) {
      cells.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  cells.push(current.trim());
  return cells;
}

function alignmentOf(cell: string): Alignment {
  const left = cell.startsWith(':');
  const right = cell.endsWith(':');
  if (left && right) return 'center';
  if (right) return 'right';
  if (left) return 'left';
  return undefined;
}

const LINK = /^\[((?:[^[\]]|\[[^\]]*\])*)\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/;
const AUTOLINK = /^<((?:https?:\/\/|mailto:)[^\s>]+)>/;
const ESCAPABLE = /[\\`*_{}[\]()#+\-.!|<>]/;

/** Parses inline Markdown. */
export function parseInline(source: string, variables: Variables = {}): Inline[] {
  const out: Inline[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') out.push({ kind: 'text', text: substitute(text, variables) });
    text = '';
  };
  let i = 0;
  while (i < source.length) {
    const char = source[i] ?? '';
    const rest = source.slice(i);
    if (char === '\\' && ESCAPABLE.test(source[i + 1] ?? '')) {
      text += source[i + 1];
      i += 2;
      continue;
    }
    if (char === '`') {
      const run = /^`+/.exec(rest)?.[0] ?? '`';
      const close = source.indexOf(run, i + run.length);
      if (close > 0) {
        flush();
        out.push({ kind: 'code', text: substitute(source.slice(i + run.length, close).trim(), variables) });
        i = close + run.length;
        continue;
      }
      text += run;
      i += run.length;
      continue;
    }
    if (char === '[') {
      const link = LINK.exec(rest);
      if (link) {
        flush();
        const href = substitute(link[2] ?? '', variables);
        const children = parseInline(link[1] ?? '', variables);
        if (SAFE_HREF.test(href)) out.push({ kind: 'link', href, children });
        else out.push(...children);
        i += link[0].length;
        continue;
      }
    }
    if (char === '<') {
      const auto = AUTOLINK.exec(rest);
      if (auto) {
        flush();
        const href = auto[1] ?? '';
        out.push({ kind: 'link', href, children: [{ kind: 'text', text: href.replace(/^mailto:/, '') }] });
        i += auto[0].length;
        continue;
      }
    }
    if (char === '*' || char === '_') {
      const double = source[i + 1] === char;
      const marker = double ? char + char : char;
      const opensWord = !/\s/.test(source[i + marker.length] ?? ' ');
      const afterWord = /[\p{L}\p{N}]/u.test(source[i - 1] ?? '');
      if (opensWord && !(char === '_' && afterWord)) {
        const close = findClosing(source, i + marker.length, marker);
        if (close > 0) {
          flush();
          const children = parseInline(source.slice(i + marker.length, close), variables);
          out.push(double ? { kind: 'strong', children } : { kind: 'em', children });
          i = close + marker.length;
          continue;
        }
      }
      text += marker;
      i += marker.length;
      continue;
    }
    text += char;
    i += 1;
  }
  flush();
  return out;
}

function findClosing(source: string, from: number, marker: string): number {
  let i = from;
  while (i < source.length) {
    const char = source[i];
    if (char === '\\') {
      i += 2;
      continue;
    }
    if (char === '`') {
      const close = source.indexOf('`', i + 1);
      i = close > 0 ? close + 1 : i + 1;
      continue;
    }
    if (source.startsWith(marker, i) && i > from && !/\s/.test(source[i - 1] ?? ' ')) {
      const after = source[i + marker.length] ?? ' ';
      const single = marker.length === 1 && source[i + 1] === marker;
      const intraword = marker.startsWith('_') && /[\p{L}\p{N}]/u.test(after);
      if (!single && !intraword) return i;
      if (single) {
        i += 2;
        continue;
      }
    }
    i += 1;
  }
  return -1;
}

/** The plain text of inline content (for labels and keys). */
export function plainText(content: readonly Inline[]): string {
  return content
    .map((node) => (node.kind === 'text' || node.kind === 'code' ? node.text : plainText(node.children)))
    .join('');
}
