/** The admin page's Markdown reader, as data tables, and over every IdP guide in docs/idp. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  parseInline,
  parseMarkdown,
  plainText,
  substitute,
  type Block,
  type Inline,
} from '../../static/admin/src/markdown/markdown';

const text = (value: string): Inline => ({ kind: 'text', text: value });

describe('parseInline', () => {
  it.each<[string, Inline[]]>([
    ['plain', [text('plain')]],
    ['a **bold** word', [text('a '), { kind: 'strong', children: [text('bold')] }, text(' word')]],
    [
      'an *emphasised* and _also_ word',
      [
        text('an '),
        { kind: 'em', children: [text('emphasised')] },
        text(' and '),
        { kind: 'em', children: [text('also')] },
        text(' word'),
      ],
    ],
    ['`code **not bold**`', [{ kind: 'code', text: 'code **not bold**' }]],
    ['``a ` b``', [{ kind: 'code', text: 'a ` b' }]],
    ['snake_case_name stays', [text('snake_case_name stays')]],
    ['{{SCIM_BASE_URL}} in text', [text('{{SCIM_BASE_URL}} in text')]],
    [
      'see [the docs](https://example.com/a_b) now',
      [text('see '), { kind: 'link', href: 'https://example.com/a_b', children: [text('the docs')] }, text(' now')],
    ],
    ['[relative](okta.md)', [text('relative')]],
    ['[bad](javascript:alert(1))', [text('bad'), text(')')]],
    ['<https://example.com>', [{ kind: 'link', href: 'https://example.com', children: [text('https://example.com')] }]],
    ['\\*not em\\*', [text('*not em*')]],
    ['2 * 3 * 4', [text('2 * 3 * 4')]],
    ['**Provisioning > To App**', [{ kind: 'strong', children: [text('Provisioning > To App')] }]],
    ['**bold with `code`**', [{ kind: 'strong', children: [text('bold with '), { kind: 'code', text: 'code' }] }]],
  ])('%s', (source, expected) => {
    expect(parseInline(source)).toEqual(expected);
  });

  it('substitutes placeholders in text, code and link targets', () => {
    const variables = { SCIM_BASE_URL: 'https://x.example/scim/v2', TOKEN_HINT: 'Generate one below.' };
    expect(parseInline('URL `{{SCIM_BASE_URL}}`. {{TOKEN_HINT}} [open]({{SCIM_BASE_URL}})', variables)).toEqual([
      text('URL '),
      { kind: 'code', text: 'https://x.example/scim/v2' },
      text('. Generate one below. '),
      { kind: 'link', href: 'https://x.example/scim/v2', children: [text('open')] },
    ]);
  });
});

describe('substitute', () => {
  it('leaves unknown placeholders as written', () => {
    expect(substitute('{{A}} {{ B }} {{C}}', { A: '1', B: '2' })).toBe('1 2 {{C}}');
  });
});

describe('parseMarkdown', () => {
  it.each<[string, string, Block[]]>([
    [
      'headings',
      '# Title\n\n## Part *one*',
      [
        { kind: 'heading', level: 1, content: [text('Title')] },
        { kind: 'heading', level: 2, content: [text('Part '), { kind: 'em', children: [text('one')] }] },
      ],
    ],
    [
      'paragraphs joined across lines',
      'one\ntwo\n\nthree',
      [
        { kind: 'paragraph', content: [text('one two')] },
        { kind: 'paragraph', content: [text('three')] },
      ],
    ],
    [
      'an ordered list with a nested list',
      '1. first\n   - a\n   - b\n2. second',
      [
        {
          kind: 'list',
          ordered: true,
          start: 1,
          items: [
            [
              { kind: 'paragraph', content: [text('first')] },
              {
                kind: 'list',
                ordered: false,
                start: 1,
                items: [[{ kind: 'paragraph', content: [text('a')] }], [{ kind: 'paragraph', content: [text('b')] }]],
              },
            ],
            [{ kind: 'paragraph', content: [text('second')] }],
          ],
        },
      ],
    ],
    [
      'a list item continued on the next line',
      '- one\n  more\n- two',
      [
        {
          kind: 'list',
          ordered: false,
          start: 1,
          items: [
            [{ kind: 'paragraph', content: [text('one more')] }],
            [{ kind: 'paragraph', content: [text('two')] }],
          ],
        },
      ],
    ],
    [
      'an ordered list starting at 3',
      '3. c\n4. d',
      [
        {
          kind: 'list',
          ordered: true,
          start: 3,
          items: [[{ kind: 'paragraph', content: [text('c')] }], [{ kind: 'paragraph', content: [text('d')] }]],
        },
      ],
    ],
    [
      'a list then a paragraph',
      '- a\n\nafter',
      [
        { kind: 'list', ordered: false, start: 1, items: [[{ kind: 'paragraph', content: [text('a')] }]] },
        { kind: 'paragraph', content: [text('after')] },
      ],
    ],
    [
      'fenced code keeps its lines',
      '```json\n{\n  "a": 1\n}\n```',
      [{ kind: 'code', language: 'json', text: '{\n  "a": 1\n}' }],
    ],
    [
      'a table with alignment and escaped pipes',
      '| A | B |\n| :-- | --: |\n| `x|y` | a \\| b |',
      [
        {
          kind: 'table',
          align: ['left', 'right'],
          header: [[text('A')], [text('B')]],
          rows: [[[{ kind: 'code', text: 'x|y' }], [text('a | b')]]],
        },
      ],
    ],
    ['a quote', '> note\n> more', [{ kind: 'quote', blocks: [{ kind: 'paragraph', content: [text('note more')] }] }]],
    [
      'a rule',
      'a\n\n---\n\nb',
      [{ kind: 'paragraph', content: [text('a')] }, { kind: 'rule' }, { kind: 'paragraph', content: [text('b')] }],
    ],
  ])('%s', (_name, source, expected) => {
    expect(parseMarkdown(source)).toEqual(expected);
  });
});

/** Every text leaf of a document, to look for Markdown syntax the reader left unparsed. */
function leaves(blocks: readonly Block[]): string[] {
  const out: string[] = [];
  const inline = (content: readonly Inline[]): void => {
    for (const node of content) {
      if (node.kind === 'text') out.push(node.text);
      else if (node.kind !== 'code') inline(node.children);
    }
  };
  for (const block of blocks) {
    if (block.kind === 'heading' || block.kind === 'paragraph') inline(block.content);
    else if (block.kind === 'list') block.items.forEach((item) => out.push(...leaves(item)));
    else if (block.kind === 'quote') out.push(...leaves(block.blocks));
    else if (block.kind === 'table') [block.header, ...block.rows].forEach((row) => row.forEach(inline));
  }
  return out;
}

describe('the IdP guides in docs/idp', () => {
  const dir = path.resolve(__dirname, '../../docs/idp');
  const guides = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.md')) : [];

  it('are there', () => {
    expect(guides).toEqual(
      expect.arrayContaining([
        'okta.md',
        'entra-id.md',
        'onelogin.md',
        'jumpcloud.md',
        'google-workspace.md',
        'other.md',
      ]),
    );
  });

  it.each(guides)('%s parses with no Markdown syntax left in its text and every placeholder substituted', (name) => {
    const source = fs.readFileSync(path.join(dir, name), 'utf8');
    const blocks = parseMarkdown(source, {
      SCIM_BASE_URL: 'https://base.example/scim/v2',
      TOKEN_HINT: 'Generate a token on this page.',
    });
    expect(blocks[0]).toMatchObject({ kind: 'heading', level: 1 });
    const all = leaves(blocks).join('\n');
    expect(all).not.toMatch(/\*\*|`|\{\{|\]\(|^#/m);
    expect(JSON.stringify(blocks)).not.toContain('{{');
    if (source.includes('|')) expect(blocks.some((block) => block.kind === 'table')).toBe(true);
    const title = blocks[0];
    expect(title?.kind === 'heading' ? plainText(title.content) : '').not.toBe('');
  });
});
