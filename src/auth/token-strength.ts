/**
 * The strength a token from the environment must have (SCIM_BEARER_TOKEN, ADMIN_KEY): at least 32 characters and an
 * estimated 128 bits of entropy, the strength of the tokens the app issues itself (NIST SP 800-63B section 5.1.1.2
 * asks for 112 bits of a look-up secret; 128 leaves a margin). A string does not carry its entropy, so it is
 * estimated, erring low: length × the smaller of log2(the size of the character classes it uses: lower case 26,
 * upper case 26, digits 10, anything else 33) and its Shannon entropy per character. `openssl rand -base64 32`
 * (44 characters, about 210 bits by this estimate) passes; `openssl rand -hex 16`, 128 random bits written in
 * 32 hex digits, is estimated lower and refused: use `-hex 32`.
 */

/** The fewest characters accepted. */
export const MIN_TOKEN_LENGTH = 32;
/** The fewest estimated bits of entropy accepted. */
export const MIN_TOKEN_BITS = 128;
/** How to make a token that passes. */
export const MAKE_TOKEN_HINT = 'openssl rand -base64 32';

const CLASSES: ReadonlyArray<{ readonly test: RegExp; readonly size: number }> = [
  { test: /[a-z]/, size: 26 },
  { test: /[A-Z]/, size: 26 },
  { test: /[0-9]/, size: 10 },
  { test: /[^a-zA-Z0-9]/, size: 33 },
];

/** The estimated entropy of `token` in bits (see the module's rule). */
export function estimateTokenBits(token: string): number {
  const characters = [...token];
  if (characters.length === 0) return 0;
  const pool = CLASSES.filter((c) => c.test.test(token)).reduce((sum, c) => sum + c.size, 0);
  const counts = new Map<string, number>();
  for (const character of characters) counts.set(character, (counts.get(character) ?? 0) + 1);
  let shannon = 0;
  for (const count of counts.values()) {
    const p = count / characters.length;
    shannon -= p * Math.log2(p);
  }
  return characters.length * Math.min(Math.log2(pool), shannon);
}

/** Why `token` (named `name` in the message) is too weak, with how to make one; undefined when it is strong enough. */
export function weakTokenProblem(name: string, token: string): string | undefined {
  const length = [...token].length;
  const bits = estimateTokenBits(token);
  if (length >= MIN_TOKEN_LENGTH && bits >= MIN_TOKEN_BITS) return undefined;
  return (
    `${name} is too weak: ${length} character${length === 1 ? '' : 's'}, about ${Math.floor(bits)} bits of entropy; ` +
    `it needs at least ${MIN_TOKEN_LENGTH} characters and ${MIN_TOKEN_BITS} bits (estimated as length × the smaller of ` +
    `log2 of the character classes used and the Shannon entropy per character). Make one with: ${MAKE_TOKEN_HINT}`
  );
}
