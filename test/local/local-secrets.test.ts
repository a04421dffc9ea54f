/** The local host's own keys: generated once, kept in secret storage (sealed at rest), never as plain values. */
import path from 'node:path';
import {
  ADMIN_KEY_SECRET,
  EMULATOR_KEY_SECRET,
  LEGACY_ADMIN_KEY,
  localAdminKey,
  localEmulatorKey,
} from '../../src/local/local-secrets';
import type { ForgeKvs } from '../../src/storage/kvs-port';
import {
  createLocalKvs,
  createLocalKvsService,
  loadEntityDefinitions,
  type LocalKvsService,
} from '../../src/storage/local-kvs';

describe('local keys', () => {
  let service: LocalKvsService;
  let kvs: ForgeKvs;

  beforeEach(() => {
    service = createLocalKvsService({ entities: loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml')) });
    kvs = createLocalKvs(service);
  });

  afterEach(async () => {
    await service.close();
  });

  it('generates an admin key of 256 bits once and keeps it as a secret, not a plain value', async () => {
    const key = await localAdminKey(kvs);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await localAdminKey(kvs)).toBe(key);
    expect(await kvs.getSecret(ADMIN_KEY_SECRET)).toBe(key);
    expect(await kvs.get(LEGACY_ADMIN_KEY)).toBeUndefined();
    expect(await localAdminKey(kvs, 'given-by-ADMIN_KEY')).toBe('given-by-ADMIN_KEY');
  });

  it('moves an admin key an earlier version kept as a plain value into secret storage', async () => {
    await kvs.set(LEGACY_ADMIN_KEY, 'kept-in-clear-by-an-earlier-version');
    expect(await localAdminKey(kvs)).toBe('kept-in-clear-by-an-earlier-version');
    expect(await kvs.get(LEGACY_ADMIN_KEY)).toBeUndefined();
    expect(await kvs.getSecret(ADMIN_KEY_SECRET)).toBe('kept-in-clear-by-an-earlier-version');
  });

  it('keeps one emulator key as a secret', async () => {
    const key = await localEmulatorKey(kvs);
    expect(key).toMatch(/^emu_[A-Za-z0-9_-]{43}$/);
    expect(await localEmulatorKey(kvs)).toBe(key);
    expect(await kvs.getSecret(EMULATOR_KEY_SECRET)).toBe(key);
  });
});
