/**
 * The IdP set-up guides under docs/idp are imported by the admin page at build time and shown by a tiny
 * Markdown renderer, so they must stay within the subset it understands: one `# Title` line first, `##`
 * sections, flat or once-nested lists, inline code, bold, simple tables and (in the index) links. No HTML,
 * images, footnotes or fenced code blocks. The page substitutes `{{SCIM_BASE_URL}}` and `{{TOKEN_HINT}}`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const DIR = path.resolve(__dirname, '../../docs/idp');
const GUIDES = ['okta.md', 'entra-id.md', 'onelogin.md', 'jumpcloud.md', 'google-workspace.md', 'other.md'] as const;
const ALL = [...GUIDES, 'README.md'] as const;
const PLACEHOLDERS = new Set(['SCIM_BASE_URL', 'TOKEN_HINT']);
const NEEDS_BASE_URL_EXCEPT = new Set(['google-workspace.md']);

function read(file: string): string {
  return fs.readFileSync(path.join(DIR, file), 'utf8');
}

/** Lines outside inline code spans, so that `a < b` inside backticks does not count as markup. */
function withoutInlineCode(text: string): string {
  return text.replace(/`[^`\n]*`/g, '``');
}

describe.each(ALL)('docs/idp/%s', (file) => {
  const exists = fs.existsSync(path.join(DIR, file));

  it('exists', () => {
    expect(exists).toBe(true);
  });

  const text = exists ? read(file) : '';
  const lines = text.split('\n');

  it('starts with a single "# " title line and has no other level-one heading', () => {
    expect(lines[0]).toMatch(/^# \S/);
    expect(lines.filter((line) => /^# /.test(line))).toHaveLength(1);
  });

  it('uses only ## headings below the title', () => {
    const headings = lines.slice(1).filter((line) => /^#{1,6}\s/.test(line));
    for (const heading of headings) expect(heading).toMatch(/^## \S/);
  });

  it('contains no raw HTML tags or comments', () => {
    const prose = withoutInlineCode(text);
    expect(prose).not.toMatch(/<\/?[A-Za-z][A-Za-z0-9-]*(\s[^>]*)?\/?>/);
    expect(prose).not.toMatch(/<!--/);
    // Angle brackets inside code are shown literally by the renderer, but keep them out of the guides
    // altogether so that no substitution or sanitiser can mistake them for markup.
    expect(text).not.toMatch(/<[A-Za-z/!]/);
  });

  it('uses no images, footnotes or fenced code blocks', () => {
    const prose = withoutInlineCode(text);
    expect(prose).not.toMatch(/!\[/);
    expect(prose).not.toMatch(/\[\^[^\]\s]+\]/);
    expect(text).not.toMatch(/^\s*(```|~~~)/m);
  });

  it('nests lists at most one level deep', () => {
    for (const line of lines) {
      const item = /^( *)(?:[-*+]|\d+\.) /.exec(line);
      if (item) expect((item[1] ?? '').length).toBeLessThanOrEqual(3);
    }
  });

  it('uses only the placeholders the page substitutes', () => {
    const used = [...text.matchAll(/\{\{([^}]*)\}\}/g)].map((match) => match[1] ?? '');
    for (const name of used) expect(PLACEHOLDERS.has(name)).toBe(true);
    // A single brace pair around a placeholder name is a typo the page would show verbatim.
    expect(text).not.toMatch(/(^|[^{])\{(SCIM_BASE_URL|TOKEN_HINT)\}/);
  });

  if ((GUIDES as readonly string[]).includes(file) && !NEEDS_BASE_URL_EXCEPT.has(file)) {
    it('shows the SCIM base URL and the token hint', () => {
      expect(text).toContain('{{SCIM_BASE_URL}}');
      expect(text).toContain('{{TOKEN_HINT}}');
    });
  }
});

describe('docs/idp/README.md', () => {
  const readme = fs.existsSync(path.join(DIR, 'README.md')) ? read('README.md') : '';
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');

  it.each(GUIDES)('links %s', (guide) => {
    expect(links).toContain(guide);
  });

  it('links only guides that exist', () => {
    for (const link of links) expect(fs.existsSync(path.join(DIR, link))).toBe(true);
  });
});
