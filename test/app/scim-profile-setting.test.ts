/**
 * The SCIM profile is a setting: the endpoint reads `scimProfile` from the stored settings (at most every
 * PROFILE_CACHE_MS), so an admin can switch a Forge installation to strict RFC 7644 without a deploy.
 */
import path from 'node:path';
import { createApp, PROFILE_CACHE_MS } from '../../src/app/create-app';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../src/storage/local-kvs';
import { SettingsStore } from '../../src/sync/settings-store';

describe('SCIM profile from the settings', () => {
  it('is lenient by default and strict once the settings say so and the cache has expired', async () => {
    const service = createLocalKvsService({
      entities: loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml')),
    });
    const kvs = createLocalKvs(service);
    let clock = Date.parse('2026-11-23T10:00:00Z');
    const app = createApp({ kvs, logger: { error: () => undefined }, now: () => new Date(clock) });
    const { token } = await app.tokens.issue({ label: 'test' });
    const post = (userName: string) =>
      app.handleScim({
        method: 'POST',
        path: '/Users',
        query: {},
        headers: { authorization: [`Bearer ${token}`], 'content-type': ['application/scim+json'] },
        body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, nickNmae: 'typo' }),
        baseUrl: 'https://scim.test/scim/v2',
      });
    try {
      expect((await post('one@example.com')).status).toBe(201);
      const settings = new SettingsStore(kvs);
      await settings.save({ ...(await settings.get()), scimProfile: 'strict-rfc' });
      expect((await post('two@example.com')).status).toBe(201);
      clock += PROFILE_CACHE_MS;
      const strict = await post('three@example.com');
      expect(strict.status).toBe(400);
      expect(JSON.parse(strict.body ?? '{}')).toMatchObject({ status: '400' });
    } finally {
      await service.close();
    }
  });
});
