/** The guide's token sentence after a rotation names the new token, and the retiring one only with its end. */
import { BearerTokens } from '../../src/auth/bearer-tokens';
import { TokenAdmin } from '../../src/admin/token-admin';
import { tokenHintFor } from '../../static/admin/src/guides/token-hint';
import { kvsPerTest } from '../support/kvs-per-test';

describe('the guide after a rotation', () => {
  const fixture = kvsPerTest();

  it('names the newer token as the active one and the retiring one with the end of its overlap', async () => {
    const admin = new TokenAdmin(
      new BearerTokens(fixture.kvs, () => new Date(fixture.clock.ms)),
      () => new Date(fixture.clock.ms),
    );
    const first = await admin.issue({ label: 'Entra' });
    fixture.clock.ms += 60_000;
    const rotated = await admin.rotate({ overlapHours: 24 });
    expect(rotated.retiring?.map((t) => t.suffix)).toEqual([first.view.suffix]);
    const tokens = await admin.list();
    expect(tokens.find((t) => t.id === first.view.id)).toMatchObject({ retiring: true });
    expect(tokens.find((t) => t.id === rotated.view.id)?.retiring).toBeUndefined();

    // As the page shows it later (the new token no longer on screen): the list is oldest first.
    const hint = tokenHintFor(tokens, undefined);
    expect(hint).toContain(`A token ending in …${rotated.view.suffix} is active`);
    expect(hint).toContain(`The token ending in …${first.view.suffix} is being retired`);
    expect(hint).not.toContain(`A token ending in …${first.view.suffix} is active`);
    // Right after the rotation, with the new token on screen.
    expect(tokenHintFor(tokens, rotated)).toMatch(
      new RegExp(`ends in …${rotated.view.suffix}.*…${first.view.suffix} is being retired`),
    );
  });
});
