/** Bearer tokens: hashed at rest, verified against live tokens only, rotated with an overlap. */
import { BearerTokens, MAX_ACTIVE_TOKENS } from '../../src/auth/bearer-tokens';
import { MemorySecrets } from '../support/memory-secrets';

describe('BearerTokens', () => {
  let secrets: MemorySecrets;
  let nowMs: number;
  let tokens: BearerTokens;

  beforeEach(() => {
    secrets = new MemorySecrets();
    nowMs = Date.parse('2026-11-23T10:00:00Z');
    tokens = new BearerTokens(secrets, () => new Date(nowMs));
  });

  it('issues a token that verifies, stores only its hash and shows a suffix', async () => {
    const { token, summary } = await tokens.issue({ label: 'Okta' });
    expect(token).toMatch(/^scim_[A-Za-z0-9_-]{43}$/);
    expect(await tokens.verify(token)).toBe(true);
    expect(await tokens.verify(`${token}x`)).toBe(false);
    expect(await tokens.verify(undefined)).toBe(false);
    expect(await tokens.verify('')).toBe(false);
    expect(summary.suffix).toBe(token.slice(-4));
    expect(JSON.stringify([...secrets.values.values()])).not.toContain(token);
    expect(await tokens.list()).toEqual([expect.objectContaining({ label: 'Okta', suffix: token.slice(-4) })]);
    expect((await tokens.list())[0]).not.toHaveProperty('hash');
  });

  it('stops accepting a token at its expiry', async () => {
    const { token } = await tokens.issue({ expiresAt: new Date(nowMs + 60_000) });
    expect(await tokens.verify(token)).toBe(true);
    nowMs += 61_000;
    expect(await tokens.verify(token)).toBe(false);
    expect(await tokens.list()).toEqual([]);
  });

  it('rotates: old and new are both valid until the overlap ends, then only the new one', async () => {
    const old = await tokens.issue();
    const rotated = await tokens.rotate(3600);
    expect(await tokens.verify(old.token)).toBe(true);
    expect(await tokens.verify(rotated.token)).toBe(true);
    expect((await tokens.list()).find((t) => t.id === old.summary.id)?.expiresAt).toBe(
      new Date(nowMs + 3600_000).toISOString(),
    );
    nowMs += 3601_000;
    expect(await tokens.verify(old.token)).toBe(false);
    expect(await tokens.verify(rotated.token)).toBe(true);
  });

  it(`keeps at most ${MAX_ACTIVE_TOKENS} valid tokens and revokes at once`, async () => {
    const first = await tokens.issue();
    await tokens.issue();
    await expect(tokens.issue()).rejects.toThrow(/At most 2 tokens/);
    expect(await tokens.revoke(first.summary.id)).toBe(true);
    expect(await tokens.verify(first.token)).toBe(false);
    expect(await tokens.revoke(first.summary.id)).toBe(false);
    await expect(tokens.issue()).resolves.toBeDefined();
  });

  it('adopts a chosen token once', async () => {
    const a = await tokens.adopt('my-local-token');
    const b = await tokens.adopt('my-local-token');
    expect(a).toMatchObject({ status: 'adopted' });
    expect(b).toMatchObject({ status: 'present' });
    if (a.status !== 'adopted' || b.status !== 'present') throw new Error('unexpected outcome');
    expect(a.summary.id).toBe(b.summary.id);
    expect(await tokens.verify('my-local-token')).toBe(true);
    expect(await tokens.list()).toHaveLength(1);
  });

  it('never adopts again a chosen token that was revoked, and remembers only its hash', async () => {
    const adopted = await tokens.adopt('env-token-revoked-on-the-page');
    if (adopted.status !== 'adopted') throw new Error('not adopted');
    await tokens.revoke(adopted.summary.id);
    nowMs += 86_400_000;
    expect(await tokens.adopt('env-token-revoked-on-the-page')).toEqual({
      status: 'retired',
      retired: expect.objectContaining({ reason: 'revoked', suffix: 'page', at: '2026-11-23T10:00:00.000Z' }),
    });
    expect(await tokens.verify('env-token-revoked-on-the-page')).toBe(false);
    expect(await tokens.list()).toEqual([]);
    expect(JSON.stringify([...secrets.values.values()])).not.toContain('env-token-revoked-on-the-page');
  });

  it('never adopts again a chosen token that was rotated out, once its overlap ended', async () => {
    await tokens.adopt('env-token-rotated-out');
    const rotated = await tokens.rotate(3600);
    expect(await tokens.adopt('env-token-rotated-out')).toMatchObject({ status: 'present' });
    nowMs += 3601_000;
    expect(await tokens.adopt('env-token-rotated-out')).toMatchObject({
      status: 'retired',
      retired: { reason: 'rotated' },
    });
    expect(await tokens.verify('env-token-rotated-out')).toBe(false);
    expect(await tokens.verify(rotated.token)).toBe(true);
  });

  it('stores nothing and revokes nothing when a chosen token meets two valid ones', async () => {
    const first = await tokens.issue();
    const second = await tokens.issue();
    const outcome = await tokens.adopt('env-token-over-the-limit');
    expect(outcome).toEqual({
      status: 'over-limit',
      suffix: 'imit',
      live: [expect.objectContaining({ id: first.summary.id }), expect.objectContaining({ id: second.summary.id })],
    });
    expect(await tokens.verify('env-token-over-the-limit')).toBe(false);
    expect(await tokens.verify(first.token)).toBe(true);
    expect(await tokens.verify(second.token)).toBe(true);
    await tokens.revoke(first.summary.id);
    expect(await tokens.adopt('env-token-over-the-limit')).toMatchObject({ status: 'adopted' });
  });

  it('refuses to rotate while two tokens are valid instead of ending one at once', async () => {
    const old = await tokens.issue();
    const rotated = await tokens.rotate(3600);
    await expect(tokens.rotate(3600)).rejects.toMatchObject({
      name: 'BearerTokenError',
      code: 'limit',
      message: expect.stringMatching(
        new RegExp(
          `2 tokens are valid already: …${old.summary.suffix}.*valid until.*and …${rotated.summary.suffix}.*revoke the one your identity provider no longer uses, then rotate`,
        ),
      ),
    });
    expect(await tokens.verify(old.token)).toBe(true);
    expect(await tokens.verify(rotated.token)).toBe(true);
    expect(await tokens.list()).toHaveLength(2);
    await tokens.revoke(old.summary.id);
    await expect(tokens.rotate(3600)).resolves.toBeDefined();
  });

  it('sees a revocation made through another instance once its short cache expires', async () => {
    const { token, summary } = await tokens.issue();
    const cached = new BearerTokens(secrets, () => new Date(nowMs), 50);
    expect(await cached.verify(token)).toBe(true);
    await tokens.revoke(summary.id);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await cached.verify(token)).toBe(false);
  });
});
