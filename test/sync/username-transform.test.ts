/** The username transform: whole-string matching, $n and $$ replacements, save-time validation, and no stalls. */
import fc from 'fast-check';
import {
  compileTransform,
  MAX_PREVIEW_SAMPLES,
  MAX_TRANSFORM_LENGTH,
  previewTransform,
  TransformValidationError,
  transformUserName,
  validateTransform,
} from '../../src/sync/username-transform';

describe('transformUserName', () => {
  const cases: { name: string; pattern: string; replacement: string; input: string; output: string }[] = [
    { name: 'strips the domain', pattern: '(.*)@.*', replacement: '$1', input: 'ada@corp.example', output: 'ada' },
    {
      name: 'rewrites a domain',
      pattern: '(.*)@corp\\.example',
      replacement: '$1@example.com',
      input: 'ada@corp.example',
      output: 'ada@example.com',
    },
    {
      name: 'leaves a non-matching name unchanged',
      pattern: '(.*)@corp\\.example',
      replacement: '$1@example.com',
      input: 'ada@other.example',
      output: 'ada@other.example',
    },
    {
      name: 'needs the whole name to match, not a part',
      pattern: 'ada',
      replacement: 'grace',
      input: 'ada.lovelace',
      output: 'ada.lovelace',
    },
    {
      name: 'swaps groups',
      pattern: '([a-z]+)\\.([a-z]+)',
      replacement: '$2.$1',
      input: 'ada.lovelace',
      output: 'lovelace.ada',
    },
    { name: 'writes a literal dollar for $$', pattern: '(.*)', replacement: '$$$1', input: 'ada', output: '$ada' },
    {
      name: 'reads one digit only: $10 is group 1 then 0',
      pattern: '(a)',
      replacement: '$10',
      input: 'a',
      output: 'a0',
    },
    {
      name: 'gives an empty string for an unmatched group',
      pattern: '(a)|(b)',
      replacement: '[$1][$2]',
      input: 'b',
      output: '[][b]',
    },
    {
      name: 'honours inline flags',
      pattern: '(?i)(.*)@CORP\\.EXAMPLE',
      replacement: '$1',
      input: 'Ada@corp.example',
      output: 'Ada',
    },
    {
      name: 'handles non-ASCII names',
      pattern: '(.*)@.*',
      replacement: '$1',
      input: 'zoë@corp.example',
      output: 'zoë',
    },
    {
      name: 'accepts an alternation whose longer branch is needed for a whole match',
      pattern: '(a|ab)',
      replacement: '<$1>',
      input: 'ab',
      output: '<ab>',
    },
  ];
  it.each(cases)('$name', ({ pattern, replacement, input, output }) => {
    expect(transformUserName(compileTransform({ pattern, replacement }), input)).toBe(output);
  });

  it('returns the name unchanged without a transform', () => {
    expect(transformUserName(null, 'Ada@corp.example')).toBe('Ada@corp.example');
  });
});

describe('validateTransform', () => {
  const cases: {
    name: string;
    pattern: string;
    replacement: string;
    field: 'pattern' | 'replacement';
    message: RegExp;
  }[] = [
    { name: 'an empty pattern', pattern: '', replacement: '$1', field: 'pattern', message: /non-empty/ },
    {
      name: 'a pattern over the length limit',
      pattern: 'a'.repeat(MAX_TRANSFORM_LENGTH + 1),
      replacement: '',
      field: 'pattern',
      message: /at most 500 characters/,
    },
    {
      name: 'an unclosed group',
      pattern: '(.*@',
      replacement: '',
      field: 'pattern',
      message: /not a valid RE2 regular expression: missing closing \)/,
    },
    {
      name: 'a backreference (not linear-time)',
      pattern: '(a)\\1',
      replacement: '',
      field: 'pattern',
      message: /invalid escape sequence/,
    },
    {
      name: 'a lookahead (not linear-time)',
      pattern: '(?=a)a',
      replacement: '',
      field: 'pattern',
      message: /unsupported Perl syntax/,
    },
    {
      name: 'an oversized repetition',
      pattern: '(a{1000}){1000}',
      replacement: '',
      field: 'pattern',
      message: /invalid repeat count/,
    },
    {
      name: 'a pattern whose program is too large',
      pattern: '.{1000}.{1000}.{1000}',
      replacement: '',
      field: 'pattern',
      message: /too complex/,
    },
    {
      name: 'a reference to a missing group',
      pattern: '(.*)@.*',
      replacement: '$2',
      field: 'replacement',
      message: /refers to group \$2, but the pattern has only 1 group$/,
    },
    {
      name: 'a reference with no groups at all',
      pattern: '.*',
      replacement: '$1',
      field: 'replacement',
      message: /no groups/,
    },
    {
      name: 'a lone dollar',
      pattern: '(.*)',
      replacement: '$1$',
      field: 'replacement',
      message: /position 3 .* \$\$ for a literal dollar/,
    },
    {
      name: 'a JavaScript named reference',
      pattern: '(?P<user>.*)',
      replacement: '${user}',
      field: 'replacement',
      message: /not followed by 1-9/,
    },
    { name: '$0', pattern: '(.*)', replacement: '$0', field: 'replacement', message: /not followed by 1-9/ },
    {
      name: 'a replacement over the length limit',
      pattern: '(.*)',
      replacement: 'x'.repeat(MAX_TRANSFORM_LENGTH + 1),
      field: 'replacement',
      message: /at most 500/,
    },
  ];
  it.each(cases)('rejects $name', ({ pattern, replacement, field, message }) => {
    const issues = validateTransform({ pattern, replacement });
    expect(issues).toEqual([expect.objectContaining({ field })]);
    expect(issues[0]?.message).toMatch(message);
    expect(() => compileTransform({ pattern, replacement })).toThrow(TransformValidationError);
  });

  it('reports problems in both fields at once', () => {
    expect(validateTransform({ pattern: '(', replacement: '$' }).map((i) => i.field)).toEqual([
      'pattern',
      'replacement',
    ]);
  });

  it('accepts a valid transform', () => {
    expect(validateTransform({ pattern: '(.*)@.*', replacement: '$1' })).toEqual([]);
  });
});

describe('previewTransform', () => {
  it('shows each sample transformed, whether it matched and whether it looks like an email', () => {
    const preview = previewTransform(
      { usernameTransform: { pattern: '(.*)@corp\\.example', replacement: '$1@example.com' } },
      ['ada@corp.example', 'grace'],
    );
    expect(preview).toEqual({
      ok: true,
      omitted: 0,
      samples: [
        { input: 'ada@corp.example', output: 'ada@example.com', matched: true, looksLikeEmail: true },
        { input: 'grace', output: 'grace', matched: false, looksLikeEmail: false },
      ],
    });
  });

  it('passes samples through without a transform', () => {
    expect(previewTransform({ usernameTransform: null }, ['ada@example.com'])).toEqual({
      ok: true,
      omitted: 0,
      samples: [{ input: 'ada@example.com', output: 'ada@example.com', matched: false, looksLikeEmail: true }],
    });
  });

  it('returns the validation issues instead of results for an invalid transform', () => {
    expect(previewTransform({ usernameTransform: { pattern: '(', replacement: '' } }, ['a'])).toEqual({
      ok: false,
      issues: [expect.objectContaining({ field: 'pattern' })],
    });
  });

  it('evaluates a bounded number of samples and counts the rest', () => {
    const preview = previewTransform(
      { usernameTransform: null },
      Array.from({ length: MAX_PREVIEW_SAMPLES + 7 }, (_, i) => `u${i}`),
    );
    expect(preview.ok && preview.samples.length).toBe(MAX_PREVIEW_SAMPLES);
    expect(preview.ok && preview.omitted).toBe(7);
  });
});

describe('random patterns', () => {
  const piece = fc.constantFrom(
    'a',
    'b',
    '.',
    '*',
    '+',
    '?',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    '|',
    '^',
    '$',
    '\\',
    '-',
    ',',
    '1',
    '0',
    '9',
    '(?:',
    '(?i)',
    '(?P<n>',
    '{2,}',
    '{1000}',
    '\\d',
    '\\w',
    '\\1',
    '[^',
    ':alpha:',
    '\\p{L}',
    '(?=',
    '@',
    'é',
  );
  const pattern = fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join(''));
  const replacement = fc
    .array(fc.constantFrom('$', '1', '2', '9', 'x', '@', '$$', '{'), { maxLength: 8 })
    .map((p) => p.join(''));
  const input = fc.string({ maxLength: 300, unit: fc.constantFrom('a', 'b', '@', '.', '1', 'é', 'aaaaaaaaaa') });

  it('compile to a transform or fail with a validation error, and never hang while matching', () => {
    let compiled = 0;
    fc.assert(
      fc.property(pattern, replacement, fc.array(input, { maxLength: 5 }), (p, r, inputs) => {
        let transform;
        try {
          transform = compileTransform({ pattern: p, replacement: r });
        } catch (error) {
          expect(error).toBeInstanceOf(TransformValidationError);
          return;
        }
        compiled += 1;
        for (const name of inputs) expect(typeof transformUserName(transform, name)).toBe('string');
      }),
      { numRuns: 600, seed: 4242 },
    );
    // The generator must exercise matching too, not only rejection.
    expect(compiled).toBeGreaterThan(20);
  });

  it('match pathological backtracking patterns on long inputs', () => {
    const transform = compileTransform({ pattern: '(a+)+b|(a|aa)*c', replacement: '$1' });
    expect(transformUserName(transform, `${'a'.repeat(5000)}!`)).toBe(`${'a'.repeat(5000)}!`);
  });
});
