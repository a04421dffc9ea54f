import { BbqlSyntaxError, matchesBbql, parseBbql, valuesComparedWith } from '../../../emulators/bitbucket/bbql';
import { applyFields } from '../../../emulators/bitbucket/partial-response';

const repo = {
  slug: 'api',
  is_private: true,
  size: 10,
  project: { key: 'PLAT' },
  tags: [{ name: 'a' }, { name: 'b' }],
  mainbranch: null,
};

describe('BBQL', () => {
  it.each([
    ['project.key = "PLAT"', true],
    ['project.key != "PLAT"', false],
    ['slug ~ "AP"', true],
    ['slug !~ "ap"', false],
    ['size > 5 AND size <= 10', true],
    ['is_private = false OR slug = "api"', true],
    ['(slug = "x" OR slug = "api") and is_private = true', true],
    ['project.key IN ("WEB", "PLAT")', true],
    ['project.key NOT IN ("WEB", "PLAT")', false],
    ['tags.name = "b"', true],
    ['mainbranch = null', true],
    ['missing = null', true],
  ])('%s → %s', (query, expected) => {
    expect(matchesBbql(parseBbql(query), repo)).toBe(expected);
  });

  it.each(['slug =', 'slug "x"', '(slug = "x"', 'slug IN "x"', 'slug = "unterminated', 'slug ! "x"'])(
    'rejects %s',
    (query) => {
      expect(() => parseBbql(query)).toThrow(BbqlSyntaxError);
    },
  );

  it('collects the values a field is compared with', () => {
    const node = parseBbql('user.email IN ("a@x", "b@x") OR user.email = "c@x" OR user.nickname = "d"');
    expect(valuesComparedWith(node, 'user.email')).toEqual(['a@x', 'b@x', 'c@x']);
  });
});

describe('partial responses (fields)', () => {
  const full = { values: [{ type: 'm', user: { id: 1, email: 'a@x' }, links: { self: { href: 'h' } } }], next: 'n' };

  it('hides the extra fields by default and adds them with +', () => {
    expect(applyFields(full, undefined, ['values.user.email'])).toEqual({
      values: [{ type: 'm', user: { id: 1 }, links: { self: { href: 'h' } } }],
      next: 'n',
    });
    expect(applyFields(full, '+values.user.email', ['values.user.email'])).toEqual(full);
  });

  it('removes with -, wildcards included, and keeps only listed fields otherwise', () => {
    expect(applyFields(full, '-values.links,-next', [])).toEqual({
      values: [{ type: 'm', user: { id: 1, email: 'a@x' } }],
    });
    expect(applyFields(full, '-values.links.*', [])).toEqual({
      values: [{ type: 'm', user: { id: 1, email: 'a@x' }, links: {} }],
      next: 'n',
    });
    expect(applyFields(full, 'values.user.email,next', ['values.user.email'])).toEqual({
      values: [{ user: { email: 'a@x' } }],
      next: 'n',
    });
  });
});
