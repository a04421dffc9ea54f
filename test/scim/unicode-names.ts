/**
 * fast-check generators of names that stress Unicode handling: combining sequences and their precomposed forms,
 * control characters, bidirectional overrides and isolates, zero-width characters, astral characters and lone
 * surrogates, mixed with plain letters.
 */
import fc from 'fast-check';

/** Characters a unique name may not contain (src/scim/resource/name-text.ts). */
export const forbiddenPiece = fc.oneof(
  fc.integer({ min: 0x00, max: 0x1f }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'),
  fc.constantFrom('\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF'),
  fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF'),
);

/** Text pieces with several canonically equivalent spellings, in one spelling or another, and in either case. */
export const equivalentPiece = fc.constantFrom(
  'e\u0301',
  '\u00e9',
  'E\u0301',
  '\u00c9',
  'A\u030A',
  '\u00c5',
  '\u212B',
  'a\u030a',
  '\u00e5',
  '\u1100\u1161',
  '\uAC00',
  'o\u0308\u0304',
  '\u022B',
  '\u00f6\u0304',
  'n\u0303',
  '\u00f1',
);

/** Harmless pieces: letters, digits, punctuation IdPs use in names, an emoji, a Greek and an Arabic letter, U+FFFD. */
export const plainPiece = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9]{1,3}$/),
  fc.constantFrom('.', '@', '-', '_', ' ', '\u{1F680}', '\u03A3', '\u0645', '\uFFFD'),
);

/** A name of up to eight pieces, sometimes with a forbidden character in it. */
export const unicodeName = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: plainPiece },
      { weight: 3, arbitrary: equivalentPiece },
      { weight: 1, arbitrary: forbiddenPiece },
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((pieces) => pieces.join(''));

/** A name without forbidden characters. */
export const cleanUnicodeName = fc
  .array(fc.oneof(plainPiece, equivalentPiece), { minLength: 1, maxLength: 8 })
  .map((pieces) => pieces.join(''));

/** Spellings of the same name a client might send: as is, NFC, NFD, and upper- or lower-cased. */
export function respellings(name: string): string[] {
  return [name, name.normalize('NFC'), name.normalize('NFD'), name.toUpperCase(), name.toLowerCase().normalize('NFD')];
}
