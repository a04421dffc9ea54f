/** Secrets at rest in a data directory: sealed with AES-256-GCM under a key kept outside it, in the log and the snapshot. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createLocalKvs,
  createLocalKvsService,
  DataKeyError,
  defaultDataKeyFile,
  type LocalKvsService,
} from '../../../src/storage/local-kvs';
import { encodeRecord } from '../../../src/storage/local-kvs/data-directory';
import { loadOrCreateDataKey } from '../../../src/storage/local-kvs/data-key';
import { SecretCipher } from '../../../src/storage/local-kvs/secret-cipher';
import { leakedSecrets } from '../../support/secret-forms';

const SECRETS = {
  orgApiKey: 'ATCTT3xFfGN0-at-rest-org-api-key-7Hq2',
  apiToken: 'ATATT3x-at-rest-bitbucket-token-Zp4w',
  adminKey: 'at-rest-admin-key-9c1f7e0b2d4a6c8e',
};

let root: string;
let dataDir: string;
let keyFile: string;
const open: LocalKvsService[] = [];

function start(options: { dataKeyFile?: string; compactAfterBytes?: number } = {}): LocalKvsService {
  const service = createLocalKvsService({ entities: [], dataDir, dataKeyFile: keyFile, ...options });
  open.push(service);
  return service;
}

async function stop(service: LocalKvsService): Promise<void> {
  await service.close();
  open.splice(open.indexOf(service), 1);
}

/** Every secret found in any file of the data directory. */
function leaksIn(directory: string): string[] {
  return fs
    .readdirSync(directory)
    .flatMap((name) =>
      leakedSecrets(fs.readFileSync(path.join(directory, name)), SECRETS).map((leak) => `${name}: ${leak}`),
    );
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kvs-at-rest-'));
  dataDir = path.join(root, 'data');
  keyFile = path.join(root, 'config', 'data.key');
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((service) => service.close()));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('secrets at rest', () => {
  it('finds a secret in clear, in hex and inside base64 at any alignment (the checker itself)', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const blob = Buffer.from(`${prefix}${SECRETS.apiToken}tail`);
      expect(leakedSecrets(blob.toString('base64'), SECRETS)).toHaveLength(1);
      expect(leakedSecrets(blob.toString('base64url'), SECRETS)).toHaveLength(1);
      expect(leakedSecrets(blob.toString('hex'), SECRETS)).toHaveLength(1);
    }
    expect(leakedSecrets('nothing here', SECRETS)).toEqual([]);
  });

  it('seals every secret in the log and the snapshot, and reads them back after a restart', async () => {
    const first = start({ compactAfterBytes: 2048 });
    const kvs = createLocalKvs(first);
    await kvs.setSecret('credentials:org-api-key', { value: SECRETS.orgApiKey, updatedAt: '2026-01-01T00:00:00Z' });
    await kvs.setSecret('local:admin-key', SECRETS.adminKey);
    await kvs.set('plain', 'visible');
    expect(leaksIn(dataDir)).toEqual([]);
    expect(fs.readFileSync(path.join(dataDir, 'wal-1.log'), 'utf8')).toContain('visible');
    // Enough writes to compact into a snapshot, then a secret in the new log.
    for (let i = 0; i < 40; i += 1) await kvs.set(`filler-${i}`, 'x'.repeat(100));
    await kvs.setSecret('credentials:bitbucket-api-token', { value: SECRETS.apiToken });
    expect(fs.existsSync(path.join(dataDir, 'snapshot.jsonl'))).toBe(true);
    expect(leaksIn(dataDir)).toEqual([]);
    await stop(first);

    const again = createLocalKvs(start());
    expect(await again.getSecret('credentials:org-api-key')).toEqual({
      value: SECRETS.orgApiKey,
      updatedAt: '2026-01-01T00:00:00Z',
    });
    expect(await again.getSecret('local:admin-key')).toBe(SECRETS.adminKey);
    expect(await again.getSecret('credentials:bitbucket-api-token')).toEqual({ value: SECRETS.apiToken });
  });

  it('refuses a key that did not seal the directory, and leaves no key file made for it behind', async () => {
    const first = start();
    await createLocalKvs(first).setSecret('local:admin-key', SECRETS.adminKey);
    await stop(first);
    const otherKey = path.join(root, 'elsewhere', 'data.key');
    expect(() => start({ dataKeyFile: otherKey })).toThrow(DataKeyError);
    expect(() => start({ dataKeyFile: otherKey })).toThrow(
      /encrypted with data key [0-9a-f]{16}, but the key file holds key [0-9a-f]{16}: point DATA_KEY_FILE/,
    );
    expect(fs.existsSync(otherKey)).toBe(false);
    // The lock was released: the right key still opens it.
    expect(await createLocalKvs(start()).getSecret('local:admin-key')).toBe(SECRETS.adminKey);
  });

  it('refuses a sealed value that was altered or moved to another key', () => {
    const cipher = new SecretCipher(Buffer.alloc(32, 7));
    const sealed = cipher.seal('secret', 'a', SECRETS.apiToken);
    expect(cipher.open('secret', 'a', sealed)).toBe(SECRETS.apiToken);
    expect(() => cipher.open('secret', 'b', sealed)).toThrow(/altered/);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] as string, 'base64url');
    body[0] = (body[0] as number) ^ 0x01;
    expect(() => cipher.open('secret', 'a', [...parts.slice(0, 3), body.toString('base64url')].join('.'))).toThrow(
      DataKeyError,
    );
  });

  it('rewrites secrets an earlier version left in clear as soon as the directory is opened', async () => {
    fs.mkdirSync(dataDir, { recursive: true });
    const clear = encodeRecord([
      {
        t: 'put',
        ns: 'secret',
        key: 'credentials:org-api-key',
        item: { value: { value: SECRETS.orgApiKey }, createdAt: 1, updatedAt: 1 },
      },
      { t: 'put', ns: 'kv', key: 'local:admin-key', item: { value: SECRETS.adminKey, createdAt: 1, updatedAt: 1 } },
    ]);
    fs.writeFileSync(path.join(dataDir, 'wal-1.log'), clear);
    const service = start();
    // The admin key under its old plain key is the local host's to move (local-secrets.ts); the secret is sealed here.
    const remaining = leaksIn(dataDir);
    expect(remaining.filter((leak) => leak.includes('orgApiKey'))).toEqual([]);
    expect(fs.readdirSync(dataDir)).not.toContain('wal-1.log');
    expect(await createLocalKvs(service).getSecret('credentials:org-api-key')).toEqual({ value: SECRETS.orgApiKey });
  });

  it('keeps the key outside the data directory, 0600 in a 0700 directory, and refuses one others can read', () => {
    expect(defaultDataKeyFile({ XDG_CONFIG_HOME: '/cfg', HOME: '/home/a' })).toBe('/cfg/bitbucket-scim-sync/data.key');
    expect(defaultDataKeyFile({ DATA_KEY_FILE: '/keys/k', XDG_CONFIG_HOME: '/cfg' })).toBe('/keys/k');
    expect(defaultDataKeyFile({})).toBe(path.join(os.homedir(), '.config', 'bitbucket-scim-sync', 'data.key'));
    const created = loadOrCreateDataKey(keyFile);
    expect(created.created).toBe(true);
    expect((fs.statSync(keyFile).mode & 0o777).toString(8)).toBe('600');
    expect((fs.statSync(path.dirname(keyFile)).mode & 0o777).toString(8)).toBe('700');
    expect(loadOrCreateDataKey(keyFile)).toMatchObject({ created: false, id: created.id });
    expect(() => start({ dataKeyFile: path.join(dataDir, 'data.key') })).toThrow(/inside the data directory/);
    fs.chmodSync(keyFile, 0o644);
    expect(() => loadOrCreateDataKey(keyFile)).toThrow(/chmod 600/);
  });
});
