/** Token administration as the admin page's resolvers and the token CLI use it. */
import { TokenAdmin } from '../../src/admin/token-admin';
import { AdminError } from '../../src/admin/workspace-admin';
import { BearerTokenError, BearerTokens } from '../../src/auth/bearer-tokens';
import { MemorySecrets } from '../support/memory-secrets';

describe('TokenAdmin', () => {
  it('refuses a rotation while two tokens are valid, as invalid input naming them, and keeps both', async () => {
    const tokens = new BearerTokens(new MemorySecrets());
    const admin = new TokenAdmin(tokens);
    const first = await admin.issue({ label: 'Okta' });
    const second = await admin.rotate({ overlapHours: 24 });
    const refused = await admin.rotate({ overlapHours: 24 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AdminError);
    expect(refused).toMatchObject({
      reason: 'invalid-input',
      message: expect.stringContaining(`…${first.view.suffix}`),
    });
    expect((refused as AdminError).cause).toBeInstanceOf(BearerTokenError);
    expect((refused as AdminError).message).toContain(`…${second.view.suffix}`);
    expect((refused as AdminError).message).toContain(
      'revoke the one your identity provider no longer uses, then rotate',
    );
    expect(await tokens.verify(first.token)).toBe(true);
    expect(await tokens.verify(second.token)).toBe(true);
    expect((await admin.list()).map((t) => t.id)).toEqual([first.view.id, second.view.id]);
  });
});
