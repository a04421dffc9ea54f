import type { CompareOperator, Filter, FilterValue, PatchPath, ValuePathFilter } from '../../../src/scim/filter/ast';
import { parseAttributeList, parseFilter, parsePatchPath } from '../../../src/scim/filter/parse-filter';
import { ScimError } from '../../../src/scim/errors';
import { thrownBy } from '../../support/outcomes';

const lenient = { unquotedValues: true };
const strict = { unquotedValues: false };

const cmp = (path: string, operator: CompareOperator, value: FilterValue): Filter => ({
  kind: 'compare',
  path,
  operator,
  value,
});
const pr = (path: string): Filter => ({ kind: 'present', path });
const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ kind: 'or', left, right });
const not = (filter: Filter): Filter => ({ kind: 'not', filter });
const vp = (path: string, filter: Filter, then?: ValuePathFilter['then']): Filter =>
  then ? { kind: 'valuePath', path, filter, then } : { kind: 'valuePath', path, filter };

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function expectScimError(action: () => unknown, scimType: 'invalidFilter' | 'invalidPath', offset?: number): ScimError {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(ScimError);
  const scimError = error as ScimError;
  expect(scimError.scimType).toBe(scimType);
  expect(scimError.status).toBe(400);
  if (offset !== undefined) expect(scimError.detail).toContain(`at offset ${offset}:`);
  return scimError;
}

describe('parseFilter: valid filters (both profiles unless noted)', () => {
  const cases: { text: string; expected: Filter; lenientOnly?: boolean }[] = [
    { text: 'userName eq "bjensen"', expected: cmp('userName', 'eq', 'bjensen') },
    { text: 'Username Eq "john"', expected: cmp('Username', 'eq', 'john') },
    { text: 'USERNAME EQ "john"', expected: cmp('USERNAME', 'eq', 'john') },
    { text: 'title pr', expected: pr('title') },
    { text: 'title PR', expected: pr('title') },
    { text: 'userName ne "a"', expected: cmp('userName', 'ne', 'a') },
    { text: 'userName co "a"', expected: cmp('userName', 'co', 'a') },
    { text: 'userName sw "J"', expected: cmp('userName', 'sw', 'J') },
    { text: 'userName ew "n"', expected: cmp('userName', 'ew', 'n') },
    {
      text: 'meta.lastModified gt "2011-05-13T04:42:34Z"',
      expected: cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z'),
    },
    {
      text: 'meta.lastModified GE "2011-05-13T04:42:34Z"',
      expected: cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z'),
    },
    {
      text: 'meta.lastModified lt "2011-05-13T04:42:34Z"',
      expected: cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z'),
    },
    {
      text: 'meta.lastModified Le "2011-05-13T04:42:34Z"',
      expected: cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z'),
    },
    { text: 'active eq true', expected: cmp('active', 'eq', true) },
    { text: 'active eq false', expected: cmp('active', 'eq', false) },
    { text: 'title eq null', expected: cmp('title', 'eq', null) },
    { text: 'level gt 42', expected: cmp('level', 'gt', 42) },
    { text: 'level gt -1.5e3', expected: cmp('level', 'gt', -1500) },
    { text: 'level eq 0', expected: cmp('level', 'eq', 0) },
    { text: 'level eq 0.25E+1', expected: cmp('level', 'eq', 2.5) },
    { text: 'title eq ""', expected: cmp('title', 'eq', '') },
    { text: String.raw`displayName eq "say \"hi\""`, expected: cmp('displayName', 'eq', 'say "hi"') },
    { text: String.raw`displayName eq "back\\slash"`, expected: cmp('displayName', 'eq', 'back\\slash') },
    { text: String.raw`displayName eq "\u00e9t\u00C9 \/ \n\t"`, expected: cmp('displayName', 'eq', 'étÉ / \n\t') },
    { text: String.raw`displayName eq "\ud83d\ude00"`, expected: cmp('displayName', 'eq', '\u{1F600}') },
    { text: 'displayName eq "(a and b) or [c]"', expected: cmp('displayName', 'eq', '(a and b) or [c]') },
    {
      text: `displayName sw "O'Brien" or not (title pr)`,
      expected: or(cmp('displayName', 'sw', "O'Brien"), not(pr('title'))),
    },
    { text: 'displayName eq "日本語"', expected: cmp('displayName', 'eq', '日本語') },
    { text: '   userName   eq   "a"   ', expected: cmp('userName', 'eq', 'a') },
    { text: 'userName eq "a b"', expected: cmp('userName', 'eq', 'a b') },
    // Precedence: and binds tighter than or; both associate to the left.
    { text: 'a pr and b pr or c pr', expected: or(and(pr('a'), pr('b')), pr('c')) },
    { text: 'a pr or b pr and c pr', expected: or(pr('a'), and(pr('b'), pr('c'))) },
    { text: 'a pr AND b pr OR c pr And d pr', expected: or(and(pr('a'), pr('b')), and(pr('c'), pr('d'))) },
    { text: 'a pr and b pr and c pr', expected: and(and(pr('a'), pr('b')), pr('c')) },
    { text: 'a pr or b pr or c pr', expected: or(or(pr('a'), pr('b')), pr('c')) },
    { text: '(a pr or b pr) and c pr', expected: and(or(pr('a'), pr('b')), pr('c')) },
    { text: 'a pr and (b pr or c pr)', expected: and(pr('a'), or(pr('b'), pr('c'))) },
    { text: '((a pr))', expected: pr('a') },
    { text: '(((a pr) and ((b pr))) or (c pr))', expected: or(and(pr('a'), pr('b')), pr('c')) },
    { text: 'not(a pr)', expected: not(pr('a')) },
    { text: 'not (a pr)', expected: not(pr('a')) },
    { text: 'NOT (a pr or b pr)', expected: not(or(pr('a'), pr('b'))) },
    { text: 'a pr and not(b pr)', expected: and(pr('a'), not(pr('b'))) },
    { text: 'not(not(a pr))', expected: not(not(pr('a'))) },
    {
      text: 'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      expected: and(
        cmp('userType', 'eq', 'Employee'),
        or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')),
      ),
    },
    // Value paths (RFC 7644 section 3.4.2.2) and the Entra form with a trailing sub-attribute comparison.
    {
      text: 'emails[type eq "work" and value co "@example.com"]',
      expected: vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
    },
    {
      text: 'emails[type eq "work"].value eq "x@y"',
      expected: vp('emails', cmp('type', 'eq', 'work'), { subAttribute: 'value', operator: 'eq', value: 'x@y' }),
    },
    {
      text: 'emails[type eq "work"].value pr',
      expected: vp('emails', cmp('type', 'eq', 'work'), { subAttribute: 'value', operator: 'pr', value: null }),
    },
    {
      text: 'emails[type eq "work"].Value EW ".com"',
      expected: vp('emails', cmp('type', 'eq', 'work'), { subAttribute: 'Value', operator: 'ew', value: '.com' }),
    },
    { text: 'emails[not(type eq "work")]', expected: vp('emails', not(cmp('type', 'eq', 'work'))) },
    {
      text: 'emails[(type eq "a" or type eq "b") and primary eq true]',
      expected: vp('emails', and(or(cmp('type', 'eq', 'a'), cmp('type', 'eq', 'b')), cmp('primary', 'eq', true))),
    },
    {
      text: 'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      expected: and(
        cmp('userType', 'eq', 'Employee'),
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
      ),
    },
    { text: 'not(members[value eq "abc"])', expected: not(vp('members', cmp('value', 'eq', 'abc'))) },
    { text: 'members.$ref pr', expected: pr('members.$ref') },
    // URN-qualified paths: the URN itself contains dots (2.0), so the attribute starts after its last colon.
    { text: `${CORE_USER}:userName eq "a"`, expected: cmp(`${CORE_USER}:userName`, 'eq', 'a') },
    { text: `${ENTERPRISE}:manager.value eq "m"`, expected: cmp(`${ENTERPRISE}:manager.value`, 'eq', 'm') },
    { text: `${ENTERPRISE}:department pr`, expected: pr(`${ENTERPRISE}:department`) },
    { text: `${CORE_USER}:emails[type eq "work"]`, expected: vp(`${CORE_USER}:emails`, cmp('type', 'eq', 'work')) },
    {
      text: 'schemas eq "urn:ietf:params:scim:schemas:core:2.0:User"',
      expected: cmp('schemas', 'eq', 'urn:ietf:params:scim:schemas:core:2.0:User'),
    },
    // Identity-provider filters.
    { text: 'DisplayName eq "BobIsAmazing"', expected: cmp('DisplayName', 'eq', 'BobIsAmazing') },
    { text: 'userName eq "a@B.com"', expected: cmp('userName', 'eq', 'a@B.com') },
    { text: 'id eq "1" and manager eq "2"', expected: and(cmp('id', 'eq', '1'), cmp('manager', 'eq', '2')) },
    { text: 'externalId eq jyoung', expected: cmp('externalId', 'eq', 'jyoung'), lenientOnly: true },
    { text: 'userName sw O', expected: cmp('userName', 'sw', 'O'), lenientOnly: true },
    {
      text: 'meta.Created gt 2015-10-10T14:38:21.8617979-07:00',
      expected: cmp('meta.Created', 'gt', '2015-10-10T14:38:21.8617979-07:00'),
      lenientOnly: true,
    },
    {
      text: 'name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)',
      expected: and(
        cmp('name.FamilyName', 'eq', 'Employee'),
        or(cmp('emails.Value', 'co', 'example.com'), cmp('emails.Value', 'co', 'example.org')),
      ),
      lenientOnly: true,
    },
    {
      text: 'emails[type eq work].value eq a@b.c',
      expected: vp('emails', cmp('type', 'eq', 'work'), { subAttribute: 'value', operator: 'eq', value: 'a@b.c' }),
      lenientOnly: true,
    },
    // Bare words that are JSON literals keep their JSON meaning; anything else is a string.
    { text: 'externalId eq 12345', expected: cmp('externalId', 'eq', 12345) },
    { text: 'active eq True', expected: cmp('active', 'eq', 'True'), lenientOnly: true },
    { text: 'externalId eq 007', expected: cmp('externalId', 'eq', '007'), lenientOnly: true },
    { text: 'title eq and', expected: cmp('title', 'eq', 'and'), lenientOnly: true },
  ];

  it.each(cases)('$text', ({ text, expected, lenientOnly }) => {
    expect(parseFilter(text, lenient)).toEqual(expected);
    if (lenientOnly) expectScimError(() => parseFilter(text, strict), 'invalidFilter');
    else expect(parseFilter(text, strict)).toEqual(expected);
  });
});

describe('parseFilter: invalid filters give invalidFilter with the offset of the problem', () => {
  const cases: { text: string; offset: number; mentions: string; strictOnly?: boolean }[] = [
    { text: '', offset: 0, mentions: 'empty' },
    { text: '    ', offset: 0, mentions: 'empty' },
    { text: 'userName zz "a"', offset: 9, mentions: "unknown comparison operator 'zz'" },
    { text: 'userName eq "a', offset: 12, mentions: 'unterminated string' },
    { text: String.raw`userName eq "a\"`, offset: 12, mentions: 'unterminated string' },
    { text: 'emails[type eq "work"', offset: 21, mentions: "expected ']' to close the '[' at offset 6" },
    { text: '(userName eq "a"', offset: 16, mentions: "expected ')' to close the '(' at offset 0" },
    { text: 'not(userName eq "a" and (title pr)', offset: 34, mentions: "')'" },
    { text: 'userName eq "a")', offset: 15, mentions: "found ')'" },
    { text: 'userName eq', offset: 11, mentions: "expected a value after 'eq'" },
    { text: 'userName eq "a" and', offset: 19, mentions: 'expected an attribute path' },
    {
      text: 'userName eq "a" or or title pr',
      offset: 19,
      mentions: "expected an attribute path, '(' or 'not', found 'or'",
    },
    { text: '"a" eq userName', offset: 0, mentions: 'found the string "a"' },
    { text: 'userName', offset: 8, mentions: 'expected a comparison operator' },
    { text: 'userName eq "a" userName eq "b"', offset: 16, mentions: "expected 'and', 'or' or the end" },
    { text: 'userName pr "x"', offset: 12, mentions: "expected 'and', 'or'" },
    { text: 'userName eq a', offset: 12, mentions: 'must be quoted', strictOnly: true },
    { text: 'externalId eq jyoung', offset: 14, mentions: 'must be quoted', strictOnly: true },
    { text: 'meta.created gt 2015-10-10T14:38:21Z', offset: 16, mentions: 'must be quoted', strictOnly: true },
    { text: 'active eq True', offset: 10, mentions: 'must be quoted', strictOnly: true },
    { text: 'level eq 01', offset: 9, mentions: 'must be quoted', strictOnly: true },
    { text: 'level eq 1e999', offset: 9, mentions: 'out of range' },
    { text: 'userName eq "a\nb"', offset: 14, mentions: 'control character U+000A' },
    { text: 'userName eq "a"\tand title pr', offset: 15, mentions: 'control character U+0009' },
    { text: 'userName eq "\u0000"', offset: 13, mentions: 'U+0000' },
    { text: 'userName eq "a\u001f"', offset: 14, mentions: 'U+001F' },
    { text: 'userName eq "a\u007f"', offset: 14, mentions: 'U+007F' },
    { text: '\rtitle pr', offset: 0, mentions: 'U+000D' },
    { text: String.raw`userName eq "a\qb"`, offset: 14, mentions: 'invalid escape sequence \\q' },
    { text: String.raw`userName eq "\u12"`, offset: 13, mentions: '\\u must be followed by four hexadecimal digits' },
    { text: 'not userName eq "a"', offset: 4, mentions: "'not' must be followed by '('" },
    { text: 'not', offset: 3, mentions: "'not' must be followed by '('" },
    { text: '()', offset: 1, mentions: 'expected an attribute path' },
    { text: 'and', offset: 0, mentions: "found 'and'" },
    { text: 'title pr and OR b pr', offset: 13, mentions: "found 'OR'" },
    { text: 'emails[]', offset: 7, mentions: 'the value filter is empty' },
    { text: 'emails [type eq "work"]', offset: 7, mentions: "no space is allowed between an attribute and '['" },
    { text: 'emails[value[type eq "a"]]', offset: 12, mentions: 'cannot be nested' },
    { text: 'emails[type eq "work"][value eq "x"]', offset: 22, mentions: "found '['" },
    { text: 'emails[type eq "work"].value', offset: 28, mentions: "expected a comparison operator after '.value'" },
    { text: 'emails[type eq "work"] .value eq "x"', offset: 23, mentions: "found '.value'" },
    { text: 'emails[type eq "work"].value.display eq "x"', offset: 22, mentions: 'not a valid sub-attribute' },
    { text: 'name.givenName[value eq "x"] ', offset: 0, mentions: 'must follow an attribute, not the sub-attribute' },
    { text: 'a.b.c eq "x"', offset: 0, mentions: 'more than one sub-attribute' },
    { text: '1abc eq "x"', offset: 0, mentions: 'not a valid attribute path' },
    { text: 'name..givenName eq "x"', offset: 5, mentions: 'not a valid attribute path' },
    { text: 'user$name eq "x"', offset: 0, mentions: 'not a valid attribute path' },
    { text: 'urn:foo eq "x"', offset: 0, mentions: 'not a schema URN followed by an attribute name' },
    { text: `${CORE_USER}: eq "x"`, offset: CORE_USER.length + 1, mentions: 'not a valid attribute path' },
    { text: 'urn:ietf:par@ms:scim:User:userName eq "x"', offset: 12, mentions: "character '@' is not allowed" },
  ];

  it.each(cases)('$text', ({ text, offset, mentions, strictOnly }) => {
    const error = expectScimError(() => parseFilter(text, strict), 'invalidFilter', offset);
    expect(error.detail).toContain(mentions);
    if (strictOnly) expect(() => parseFilter(text, lenient)).not.toThrow();
    else expectScimError(() => parseFilter(text, lenient), 'invalidFilter', offset);
  });
});

describe('parseFilter: safety limits', () => {
  const nested = (depth: number, inner = 'a pr'): string => '('.repeat(depth) + inner + ')'.repeat(depth);
  const chain = (terms: number): string => Array.from({ length: terms }, () => 'a pr').join(' and ');

  it('accepts a filter of exactly 4096 characters and rejects 4097', () => {
    const atLimit = `userName eq "${'x'.repeat(4096 - 14)}"`;
    expect(atLimit).toHaveLength(4096);
    expect(parseFilter(atLimit, strict)).toEqual(cmp('userName', 'eq', 'x'.repeat(4082)));
    const error = expectScimError(() => parseFilter(`${atLimit} `, strict), 'invalidFilter', 4096);
    expect(error.detail).toContain('at most 4096');
  });

  it('accepts 32 levels of nesting and rejects 33, at the offending parenthesis', () => {
    expect(parseFilter(nested(32), strict)).toEqual(pr('a'));
    const error = expectScimError(() => parseFilter(nested(33), strict), 'invalidFilter', 32);
    expect(error.detail).toContain('deeper than 32');
  });

  it('counts not and value paths as nesting levels', () => {
    expect(parseFilter(`${'not('.repeat(32)}a pr${')'.repeat(32)}`, strict).kind).toBe('not');
    expectScimError(
      () => parseFilter(`${'not('.repeat(33)}a pr${')'.repeat(33)}`, strict),
      'invalidFilter',
      32 * 4 + 3,
    );
    expect(parseFilter(nested(31, 'emails[type pr]'), strict)).toEqual(vp('emails', pr('type')));
    expectScimError(() => parseFilter(nested(32, 'emails[type pr]'), strict), 'invalidFilter', 32 + 6);
  });

  it('accepts 200 comparisons and rejects 201, including those inside value paths', () => {
    expect(parseFilter(chain(200), strict).kind).toBe('and');
    expect(expectScimError(() => parseFilter(chain(201), strict), 'invalidFilter').detail).toContain(
      'more than 200 comparisons',
    );
    const inValuePaths = Array.from({ length: 67 }, () => 'x[a pr and b pr].c pr').join(' or ');
    expect(expectScimError(() => parseFilter(inValuePaths, strict), 'invalidFilter').detail).toContain(
      'more than 200 comparisons',
    );
  });

  it('rejects hostile inputs quickly and without a stack overflow', () => {
    const hostile = [
      nested(5000),
      nested(2000),
      `${'not('.repeat(1000)}a pr`,
      `${'emails['.repeat(500)}`,
      Array.from({ length: 10_000 }, (_, i) => `userName eq "${i}"`).join(' and '),
      Array.from({ length: 10_000 }, () => 'a pr').join(' and '),
      `userName eq "${'\n'.repeat(30)}`,
      `userName eq "${'\\'.repeat(4000)}`,
      `userName eq "${'\\"'.repeat(2000)}`,
      `${'9'.repeat(20_000)}x`,
      `level eq ${'9'.repeat(4000)}`,
    ];
    const started = performance.now();
    for (const text of hostile) {
      expectScimError(() => parseFilter(text, lenient), 'invalidFilter');
    }
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('parses and-ed or-pairs without expanding them', () => {
    const pairs = Array.from({ length: 60 }, (_, i) => `(a${i} pr or b${i} pr)`).join(' and ');
    const started = performance.now();
    const filter = parseFilter(pairs, strict);
    expect(performance.now() - started).toBeLessThan(500);
    expect(filter.kind).toBe('and');
    expect(filter.kind === 'and' && filter.right).toEqual(or(pr('a59'), pr('b59')));
  });

  it('reports a deep nesting as invalidFilter, not as a RangeError', () => {
    const error = thrownBy(() => parseFilter(nested(2000), lenient));
    expect(error).not.toBeInstanceOf(RangeError);
    expect((error as ScimError).detail).toContain('deeper than 32');
  });
});

describe('parsePatchPath', () => {
  const cases: { text: string; expected: PatchPath; lenientOnly?: boolean }[] = [
    { text: 'members', expected: { path: 'members' } },
    { text: '  members  ', expected: { path: 'members' } },
    { text: 'name.givenName', expected: { path: 'name.givenName' } },
    { text: 'Name.GivenName', expected: { path: 'Name.GivenName' } },
    { text: `${ENTERPRISE}:department`, expected: { path: `${ENTERPRISE}:department` } },
    { text: `${ENTERPRISE}:manager.value`, expected: { path: `${ENTERPRISE}:manager.value` } },
    { text: ENTERPRISE, expected: { path: ENTERPRISE } },
    {
      text: 'emails[type eq "work"].value',
      expected: { path: 'emails', filter: cmp('type', 'eq', 'work'), subAttribute: 'value' },
    },
    { text: 'members[value eq "abc"]', expected: { path: 'members', filter: cmp('value', 'eq', 'abc') } },
    {
      text: 'addresses[type eq "work"].streetAddress',
      expected: { path: 'addresses', filter: cmp('type', 'eq', 'work'), subAttribute: 'streetAddress' },
    },
    {
      text: 'emails[type eq "work" and primary eq true]',
      expected: { path: 'emails', filter: and(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true)) },
    },
    { text: 'members[value EQ "a]b"]', expected: { path: 'members', filter: cmp('value', 'eq', 'a]b') } },
    {
      text: `${CORE_USER}:emails[type eq "work"].value`,
      expected: { path: `${CORE_USER}:emails`, filter: cmp('type', 'eq', 'work'), subAttribute: 'value' },
    },
    {
      text: 'emails[type eq work].value',
      expected: { path: 'emails', filter: cmp('type', 'eq', 'work'), subAttribute: 'value' },
      lenientOnly: true,
    },
  ];

  it.each(cases)('$text', ({ text, expected, lenientOnly }) => {
    expect(parsePatchPath(text, lenient)).toEqual(expected);
    expect(parsePatchPath(text)).toEqual(expected);
    if (lenientOnly) expectScimError(() => parsePatchPath(text, strict), 'invalidPath');
    else expect(parsePatchPath(text, strict)).toEqual(expected);
  });

  const invalid: { text: string; offset: number }[] = [
    { text: '', offset: 0 },
    { text: '   ', offset: 3 },
    { text: 'members[value eq "x"', offset: 20 },
    { text: 'members]', offset: 7 },
    { text: 'members[]', offset: 8 },
    { text: 'emails[type eq "work"].', offset: 22 },
    { text: 'emails[type eq "work"]value', offset: 22 },
    { text: 'emails[type eq "work"] value', offset: 23 },
    { text: 'emails[type eq "work"].value.display', offset: 22 },
    { text: 'emails [type eq "work"]', offset: 7 },
    { text: 'emails[type zz "work"]', offset: 12 },
    { text: 'emails[type eq "work"] and title pr', offset: 23 },
    { text: 'members eq "x"', offset: 8 },
    { text: 'a b', offset: 2 },
    { text: 'name..givenName', offset: 5 },
    { text: '"members"', offset: 0 },
    { text: '__proto__.polluted', offset: 0 },
    { text: 'name.givenName[value eq "x"]', offset: 0 },
    { text: 'members\n', offset: 7 },
    { text: `members[value eq "${'x'.repeat(4096)}"]`, offset: 4096 },
  ];

  it.each(invalid)('rejects $text with invalidPath at offset $offset', ({ text, offset }) => {
    expectScimError(() => parsePatchPath(text, lenient), 'invalidPath', offset);
  });
});

describe('parseAttributeList', () => {
  const cases: { text: string; expected: PatchPath[] }[] = [
    { text: 'userName', expected: [{ path: 'userName' }] },
    { text: 'userName,name.givenName', expected: [{ path: 'userName' }, { path: 'name.givenName' }] },
    { text: ' userName , displayName ,, ', expected: [{ path: 'userName' }, { path: 'displayName' }] },
    { text: '', expected: [] },
    { text: ' , ,', expected: [] },
    { text: 'emails[type eq "work"]', expected: [{ path: 'emails', filter: cmp('type', 'eq', 'work') }] },
    {
      text: 'emails[type eq "a,b"],userName',
      expected: [{ path: 'emails', filter: cmp('type', 'eq', 'a,b') }, { path: 'userName' }],
    },
    {
      text: String.raw`emails[value eq "a\",b"],title`,
      expected: [{ path: 'emails', filter: cmp('value', 'eq', 'a",b') }, { path: 'title' }],
    },
    {
      text: 'emails[type eq a,b].value,id',
      expected: [{ path: 'emails', filter: cmp('type', 'eq', 'a,b'), subAttribute: 'value' }, { path: 'id' }],
    },
    {
      text: `${ENTERPRISE}:department,${CORE_USER}:userName`,
      expected: [{ path: `${ENTERPRISE}:department` }, { path: `${CORE_USER}:userName` }],
    },
  ];

  it.each(cases)('$text', ({ text, expected }) => {
    expect(parseAttributeList(text)).toEqual(expected);
  });

  it.each([
    { text: 'userName, 1bad', offset: 10 },
    { text: 'userName,emails[type eq "work"', offset: 30 },
    { text: 'title,emails[type eq work]', offset: 21, strict: true },
    { text: 'userName,\u0001', offset: 9 },
  ])('rejects $text with invalidPath at offset $offset', ({ text, offset, strict: strictProfile }) => {
    expectScimError(() => parseAttributeList(text, strictProfile ? strict : lenient), 'invalidPath', offset);
  });
});
