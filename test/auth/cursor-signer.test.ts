/** The cursor signer: HMAC-SHA256 tokens under one installation secret, generated once and kept in secret storage. */
import path from 'node:path';
import { CURSOR_KEY_SECRET, hmacSigner, installationSigner, type CursorKeySecrets } from '../../src/auth/cursor-signer';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../src/storage/local-kvs';

const key = (fill: number): Buffer => Buffer.alloc(32, fill);

describe('hmacSigner', () => {
  const signer = hmacSigner(key(1));

  it('recovers what it signed, and nothing from a token it did not sign', () => {
    const token = signer.sign('{"o":3}');
    expect(signer.verify(token)).toBe('{"o":3}');
    expect(hmacSigner(key(2)).verify(token)).toBeUndefined();
    const [payload, mac] = token.split('.');
    const altered = Buffer.from('{"o":9007199254740991}').toString('base64url');
    expect(signer.verify(`${altered}.${mac}`)).toBeUndefined();
    expect(signer.verify(payload ?? '')).toBeUndefined();
    expect(signer.verify(`${token}.x`)).toBeUndefined();
    expect(signer.verify(`${payload}.${(mac ?? '').slice(1)}`)).toBeUndefined();
    expect(signer.verify('')).toBeUndefined();
  });

  it('refuses a short key', () => {
    expect(() => hmacSigner(Buffer.alloc(16))).toThrow();
  });
});

describe('installationSigner', () => {
  class MemorySecrets implements CursorKeySecrets {
    readonly values = new Map<string, unknown>();
    reads = 0;
    failNextRead = false;
    async getSecret<T>(name: string): Promise<T | undefined> {
      this.reads += 1;
      if (this.failNextRead) {
        this.failNextRead = false;
        throw new Error('storage unavailable');
      }
      return this.values.get(name) as T | undefined;
    }
    async setSecret<T>(name: string, value: T, options: { keyPolicy: 'FAIL_IF_EXISTS' }): Promise<void> {
      if (options.keyPolicy === 'FAIL_IF_EXISTS' && this.values.has(name)) throw new Error('KEY_CONFLICT');
      this.values.set(name, value);
    }
  }

  it('generates 256 random bits once, keeps them in secret storage and reads them once per instance', async () => {
    const secrets = new MemorySecrets();
    const first = installationSigner(secrets);
    const token = (await first()).sign('x');
    expect(Buffer.from(String(secrets.values.get(CURSOR_KEY_SECRET)), 'base64')).toHaveLength(32);
    const reads = secrets.reads;
    await first();
    expect(secrets.reads).toBe(reads);
    // Another function instance, later: same key, so it verifies what the first signed.
    expect((await installationSigner(secrets)()).verify(token)).toBe('x');
  });

  it('an instance that loses the race to store a key uses the key that won', async () => {
    const secrets = new MemorySecrets();
    const winner = installationSigner(secrets, () => key(7));
    const loser = installationSigner(
      {
        getSecret: async <T>(name: string) =>
          secrets.reads++ === 0 ? undefined : (secrets.values.get(name) as T | undefined),
        setSecret: (name, value, options) => secrets.setSecret(name, value, options),
      },
      () => key(8),
    );
    const token = (await winner()).sign('y');
    expect((await loser()).verify(token)).toBe('y');
  });

  it('does not keep a failed load', async () => {
    const secrets = new MemorySecrets();
    secrets.failNextRead = true;
    const signer = installationSigner(secrets);
    await expect(signer()).rejects.toThrow('storage unavailable');
    await expect(signer()).resolves.toBeDefined();
  });

  it('works on the @forge/kvs API over the local store, and two instances agree', async () => {
    const service = createLocalKvsService({
      entities: loadEntityDefinitions(path.resolve(__dirname, '../../manifest.yml')),
    });
    try {
      const [a, b] = await Promise.all([
        installationSigner(createLocalKvs(service))(),
        installationSigner(createLocalKvs(service))(),
      ]);
      expect(b.verify(a.sign('z'))).toBe('z');
    } finally {
      await service.close();
    }
  });
});
