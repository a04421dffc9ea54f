import { checkUniqueName, forbiddenCharacterIn, uniquenessKey } from '../../../src/scim/resource/name-text';
import { groupResourceType, userResourceType } from '../../../src/scim/schema/registry';
import { scimErrorOf } from './test-kit';

describe('uniquenessKey', () => {
  test.each([
    ['composed and decomposed é', 'Jos\u00e9', 'jose\u0301'],
    ['case', 'ALICE@example.com', 'alice@EXAMPLE.com'],
    ['Hangul syllable and jamo', '\uAC00', '\u1100\u1161'],
    ['Ångström sign and Å', '\u212B', '\u00e5'],
    ['dotted capital I', '\u0130', 'i\u0307'],
  ])('[security] %s are one name', (_label, a, b) => {
    expect(uniquenessKey(a)).toBe(uniquenessKey(b));
  });

  test.each([
    ['a compatibility ligature is not folded (NFC, not NFKC)', '\uFB01', 'fi'],
    ['different letters', 'alice', 'alicia'],
  ])('%s', (_label, a, b) => {
    expect(uniquenessKey(a)).not.toBe(uniquenessKey(b));
  });
});

describe('forbiddenCharacterIn', () => {
  test.each([
    ['NUL', 'a\u0000b', 'U+0000'],
    ['TAB', 'a\tb', 'U+0009'],
    ['LF', 'a\nb', 'U+000A'],
    ['CR', 'a\rb', 'U+000D'],
    ['DEL', 'a\u007Fb', 'U+007F'],
    ['C1 NEL', 'a\u0085b', 'U+0085'],
    ['LRE', 'a\u202Ab', 'U+202A'],
    ['RLO', 'admin\u202Etxt.exe', 'U+202E'],
    ['LRI', 'a\u2066b', 'U+2066'],
    ['PDI', 'a\u2069b', 'U+2069'],
    ['zero-width space', 'ad\u200Bmin', 'U+200B'],
    ['zero-width non-joiner', 'a\u200Cb', 'U+200C'],
    ['zero-width joiner', 'a\u200Db', 'U+200D'],
    ['word joiner', 'a\u2060b', 'U+2060'],
    ['BOM / zero-width no-break space', '\uFEFFadmin', 'U+FEFF'],
    ['a lone surrogate', 'a\uD800b', 'U+D800'],
  ])('[security] refuses %s', (_label, name, expected) => {
    expect(forbiddenCharacterIn(name)).toBe(expected);
  });

  test.each([
    ['ASCII', 'alice@example.com'],
    ['a combining accent', 'Jose\u0301'],
    ['Arabic', '\u0645\u062D\u0645\u062F'],
    ['an emoji (a surrogate pair)', 'team \u{1F680}'],
    ['spaces', 'Finance Analysts'],
    ['U+FFFD sent as such', 'a\uFFFDb'],
  ])('accepts %s', (_label, name) => {
    expect(forbiddenCharacterIn(name)).toBeUndefined();
  });
});

describe('checkUniqueName', () => {
  test('[security] a userName or group displayName with a forbidden character is a 400 invalidValue naming it', () => {
    const user = scimErrorOf(() => checkUniqueName({ userName: 'a\r\nb' }, userResourceType));
    expect(user).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(user.detail).toContain('userName');
    expect(user.detail).toContain('U+000D');
    expect(scimErrorOf(() => checkUniqueName({ displayName: 'x\u202Ey' }, groupResourceType)).scimType).toBe(
      'invalidValue',
    );
  });

  test('only the unique name is checked: a user displayName is free text', () => {
    expect(() => checkUniqueName({ userName: 'a', displayName: 'line\nbreak' }, userResourceType)).not.toThrow();
  });

  test('a name stored before the rule is not refused while it stays unchanged', () => {
    expect(() =>
      checkUniqueName({ userName: 'old\u0000name', active: false }, userResourceType, { userName: 'old\u0000name' }),
    ).not.toThrow();
    expect(() =>
      checkUniqueName({ userName: 'new\u0000name' }, userResourceType, { userName: 'old\u0000name' }),
    ).toThrow();
  });
});
