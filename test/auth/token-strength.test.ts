/** The strength rule for tokens from the environment: 32 characters and an estimated 128 bits. */
import { randomBytes } from 'node:crypto';
import { estimateTokenBits, MIN_TOKEN_BITS, weakTokenProblem } from '../../src/auth/token-strength';

describe('token strength', () => {
  it.each([
    ['a single character', 'a'],
    ['31 random base64 characters', randomBytes(32).toString('base64').slice(0, 31)],
    ['a repeated word', 'passwordpasswordpasswordpassword'],
    ['one character 64 times', 'x'.repeat(64)],
    ['128 random bits in 32 hex digits (estimated lower)', '0ef447c1d65e09605ed9ace34bc264ed'],
  ])('refuses %s, saying how to make one', (_what, token) => {
    expect(weakTokenProblem('SCIM_BEARER_TOKEN', token)).toMatch(
      /^SCIM_BEARER_TOKEN is too weak: \d+ characters?, about \d+ bits of entropy; it needs at least 32 characters and 128 bits .* Make one with: openssl rand -base64 32$/,
    );
  });

  it.each([
    ['openssl rand -base64 32', () => randomBytes(32).toString('base64')],
    ['openssl rand -hex 32', () => randomBytes(32).toString('hex')],
    ['a generated SCIM token', () => `scim_${randomBytes(32).toString('base64url')}`],
  ])('accepts %s', (_what, make) => {
    for (let i = 0; i < 50; i += 1) {
      const token = make();
      expect([token, weakTokenProblem('ADMIN_KEY', token)]).toEqual([token, undefined]);
      expect(estimateTokenBits(token)).toBeGreaterThanOrEqual(MIN_TOKEN_BITS);
    }
  });

  it('can estimate a UUID under 128 bits (122 random bits): use generated tokens', () => {
    expect(estimateTokenBits('e2e-00000000-0000-4000-8000-000000000000')).toBeLessThan(MIN_TOKEN_BITS);
  });

  it('estimates length × the smaller of log2(classes) and the Shannon entropy per character', () => {
    expect(estimateTokenBits('')).toBe(0);
    expect(estimateTokenBits('ab'.repeat(16))).toBeCloseTo(32 * 1);
    expect(estimateTokenBits('0123456789'.repeat(4))).toBeCloseTo(40 * Math.log2(10));
  });
});
