/** Persistence of the local storage service in a data directory: restart, torn writes, compaction, locking, TTL. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WhereConditions } from '@forge/kvs/out/conditions';
import { MetadataField } from '@forge/kvs/out/interfaces/types';
import {
  createLocalKvs,
  createLocalKvsService,
  type EntityDefinition,
  type LocalKvsService,
} from '../../../src/storage/local-kvs';

const ENTITIES: EntityDefinition[] = [
  {
    name: 'member',
    attributes: { group: { type: 'string' }, user: { type: 'string' }, rank: { type: 'integer' } },
    indexes: [{ name: 'by-group', partition: ['group'], range: ['user'] }, 'rank'],
  },
];

let dataDir: string;
const open: LocalKvsService[] = [];

function start(options: { clock?: () => number; compactAfterBytes?: number; fsync?: boolean } = {}): LocalKvsService {
  const service = createLocalKvsService({ entities: ENTITIES, dataDir, ...options });
  open.push(service);
  return service;
}

async function stop(service: LocalKvsService): Promise<void> {
  await service.close();
  open.splice(open.indexOf(service), 1);
}

const logFiles = (): string[] => fs.readdirSync(dataDir).filter((name) => /^wal-\d+\.log$/.test(name));
const logPath = (): string => path.join(dataDir, logFiles()[0] as string);

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-kvs-persistence-'));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((service) => service.close()));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('local storage persistence', () => {
  it('keeps plain keys, secrets, entities, indexes and metadata across a restart', async () => {
    let now = Date.parse('2025-03-01T00:00:00Z');
    const first = start({ clock: () => now, fsync: true });
    const kvs = createLocalKvs(first);
    await kvs.set('plain', { a: [1, 2] });
    await kvs.setSecret('secret', 'shh');
    await kvs.set('gone', 1);
    await kvs.delete('gone');
    await kvs.batchSet(
      Array.from({ length: 5 }, (_, i) => ({
        key: `m${i}`,
        value: { group: 'g1', user: `u${4 - i}`, rank: i },
        entityName: 'member',
      })),
    );
    await kvs
      .transact()
      .set('m9', { group: 'g2', user: 'z', rank: 9 }, { entityName: 'member' })
      .delete('m0', { entityName: 'member' })
      .execute();
    now += 1000;
    await kvs.set('plain', { a: [3] });
    await stop(first);

    const second = start({ clock: () => now });
    expect(second.recovery).toEqual({ snapshotItems: 0, replayedRecords: 7, discardedBytes: 0 });
    const again = createLocalKvs(second);
    expect(await again.get('plain', { metadataFields: [MetadataField.CREATED_AT, MetadataField.UPDATED_AT] })).toEqual({
      key: 'plain',
      value: { a: [3] },
      createdAt: Date.parse('2025-03-01T00:00:00Z') / 1000,
      updatedAt: Date.parse('2025-03-01T00:00:01Z') / 1000,
    });
    expect(await again.getSecret('secret')).toBe('shh');
    expect(await again.get('secret')).toBeUndefined();
    expect(await again.get('gone')).toBeUndefined();
    const group = await again
      .entity('member')
      .query()
      .index('by-group', { partition: ['g1'] })
      .getMany();
    expect(group.results.map((r) => r.key)).toEqual(['m4', 'm3', 'm2', 'm1']);
    const ranked = await again.entity('member').query().index('rank').where(WhereConditions.greaterThan(3)).getMany();
    expect(ranked.results.map((r) => r.key)).toEqual(['m4', 'm9']);
  });

  it('creates the data directory 0700 and the log, snapshot and lock 0600', async () => {
    const root = dataDir;
    dataDir = path.join(root, 'new', 'data');
    const modeOf = (file: string): string => (fs.statSync(file).mode & 0o777).toString(8);
    const service = start({ compactAfterBytes: 512 });
    const kvs = createLocalKvs(service);
    for (let i = 0; i < 20; i += 1) await kvs.set(`k${i}`, 'x'.repeat(64));
    await kvs.setSecret('secret', 'shh');
    const names = fs.readdirSync(dataDir).sort();
    expect(names).toEqual(expect.arrayContaining(['LOCK', 'snapshot.jsonl']));
    expect(names.some((name) => /^wal-\d+\.log$/.test(name))).toBe(true);
    expect(modeOf(dataDir)).toBe('700');
    expect(Object.fromEntries(names.map((name) => [name, modeOf(path.join(dataDir, name))]))).toEqual(
      Object.fromEntries(names.map((name) => [name, '600'])),
    );
    await stop(service);
    dataDir = root;
  });

  it('tightens a data directory an earlier version left readable to others', async () => {
    const first = start();
    await createLocalKvs(first).set('a', 1);
    await stop(first);
    fs.chmodSync(dataDir, 0o755);
    for (const name of fs.readdirSync(dataDir)) fs.chmodSync(path.join(dataDir, name), 0o644);
    const second = start();
    expect((fs.statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
    for (const name of fs.readdirSync(dataDir))
      expect([name, (fs.statSync(path.join(dataDir, name)).mode & 0o777).toString(8)]).toEqual([name, '600']);
    expect(await createLocalKvs(second).get('a')).toBe(1);
  });

  it('ignores a torn final log line and keeps appending after it', async () => {
    const first = start();
    const kvs = createLocalKvs(first);
    await kvs.set('a', 1);
    await kvs.set('b', 2);
    await stop(first);
    const intact = fs.readFileSync(logPath());
    // A crash part-way through writing a third record.
    const torn = Buffer.from('97 0badf00d [{"t":"put","ns":"kv","key":"c"');
    fs.appendFileSync(logPath(), torn);

    const second = start();
    expect(second.recovery).toEqual({ snapshotItems: 0, replayedRecords: 2, discardedBytes: torn.length });
    expect(fs.readFileSync(logPath())).toEqual(intact);
    const again = createLocalKvs(second);
    expect(await again.get('a')).toBe(1);
    expect(await again.get('c')).toBeUndefined();
    await again.set('d', 4);
    await stop(second);

    const third = start();
    expect(await createLocalKvs(third).get('d')).toBe(4);
    expect(third.recovery?.discardedBytes).toBe(0);
  });

  it('discards a complete final line whose checksum does not match', async () => {
    const first = start();
    await createLocalKvs(first).set('a', 1);
    await createLocalKvs(first).set('b', 2);
    await stop(first);
    const data = fs.readFileSync(logPath());
    const lastLineStart = data.lastIndexOf(0x0a, data.length - 2) + 1;
    data[data.length - 3] = data[data.length - 3] === 0x32 ? 0x33 : 0x32;
    fs.writeFileSync(logPath(), data);

    const second = start();
    expect(second.recovery?.discardedBytes).toBe(data.length - lastLineStart);
    expect(await createLocalKvs(second).get('a')).toBe(1);
    expect(await createLocalKvs(second).get('b')).toBeUndefined();
  });

  it('refuses to open a log damaged before its last line', async () => {
    const first = start();
    await createLocalKvs(first).set('a', 1);
    await createLocalKvs(first).set('b', 2);
    await stop(first);
    const data = fs.readFileSync(logPath());
    data[5] = data[5] === 0x61 ? 0x62 : 0x61;
    fs.writeFileSync(logPath(), data);
    expect(() => start()).toThrow(/corrupt at byte 0/);
    // The failed open released its lock.
    fs.writeFileSync(logPath(), '');
    expect(() => start()).not.toThrow();
  });

  it('compacts the log into a snapshot past the threshold and keeps every item', async () => {
    const first = start({ compactAfterBytes: 4096 });
    const kvs = createLocalKvs(first);
    for (let i = 0; i < 200; i += 1) {
      await kvs.entity('member').set(`m${i}`, { group: `g${i % 3}`, user: `u${i}`, rank: i });
      if (i % 4 === 0) {
        await kvs.set(`k${i}`, 'x'.repeat(100));
      }
    }
    for (let i = 0; i < 200; i += 8) {
      await kvs.entity('member').delete(`m${i}`);
    }
    expect(fs.existsSync(path.join(dataDir, 'snapshot.jsonl'))).toBe(true);
    expect(logFiles()).toHaveLength(1);
    expect(Number(/\d+/.exec(logFiles()[0] as string)?.[0])).toBeGreaterThan(2);
    expect(fs.statSync(logPath()).size).toBeLessThanOrEqual(4096 + 1024);
    await stop(first);

    const second = start({ compactAfterBytes: 4096 });
    expect(second.recovery?.snapshotItems).toBeGreaterThan(0);
    const again = createLocalKvs(second);
    const members = [];
    let cursor: string | undefined;
    do {
      const q = again.entity('member').query().index('rank').limit(20);
      const page = await (cursor === undefined ? q : q.cursor(cursor)).getMany();
      members.push(...page.results.map((r) => r.key));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    const expected = Array.from({ length: 200 }, (_, i) => i)
      .filter((i) => i % 8 !== 0)
      .map((i) => `m${i}`);
    expect(members).toEqual(expected);
    expect(await again.get('k196')).toBe('x'.repeat(100));
  });

  it('recovers from a compaction interrupted before or after the snapshot rename', async () => {
    const first = start();
    const kvs = createLocalKvs(first);
    await kvs.set('a', 1);
    await stop(first);
    // Before the rename: a temporary snapshot and an empty newer log are left behind.
    fs.writeFileSync(path.join(dataDir, 'snapshot.jsonl.tmp'), 'partial');
    fs.writeFileSync(path.join(dataDir, 'wal-2.log'), '');
    const second = start();
    expect(await createLocalKvs(second).get('a')).toBe(1);
    expect(fs.readdirSync(dataDir).sort()).toEqual(['LOCK', 'wal-1.log']);
    await stop(second);

    // After the rename: the snapshot refers to generation 2 and the old log is stale.
    fs.writeFileSync(
      path.join(dataDir, 'snapshot.jsonl'),
      `${JSON.stringify({ format: 'local-kvs-snapshot', version: 1, generation: 2, items: 1 })}\n` +
        `${JSON.stringify(['kv', 'from-snapshot', { value: 's', createdAt: 0, updatedAt: 0 }])}\n`,
    );
    const third = start();
    const again = createLocalKvs(third);
    expect(await again.get('from-snapshot')).toBe('s');
    expect(await again.get('a')).toBeUndefined();
    expect(logFiles()).toEqual(['wal-2.log']);
  });

  it('refuses a snapshot whose item count does not match its header', async () => {
    fs.writeFileSync(
      path.join(dataDir, 'snapshot.jsonl'),
      `${JSON.stringify({ format: 'local-kvs-snapshot', version: 1, generation: 1, items: 2 })}\n` +
        `${JSON.stringify(['kv', 'only', { value: 1, createdAt: 0, updatedAt: 0 }])}\n`,
    );
    expect(() => start()).toThrow(/holds 1 items but its header says 2/);
  });

  it('drops items whose TTL passed while the store was closed', async () => {
    let now = Date.parse('2025-03-01T00:00:00Z');
    const first = start({ clock: () => now, compactAfterBytes: 1 });
    const kvs = createLocalKvs(first);
    await kvs.set('short', 1, { ttl: { value: 1, unit: 'MINUTES' } });
    await kvs.entity('member').set('brief', { group: 'g', user: 'u' }, { ttl: { value: 1, unit: 'MINUTES' } });
    await kvs.set('long', 2, { ttl: { value: 1, unit: 'DAYS' } });
    await stop(first);
    now += 60_000;
    const second = start({ clock: () => now, compactAfterBytes: 1 });
    const again = createLocalKvs(second);
    expect(await again.get('short')).toBeUndefined();
    expect(await again.get('long')).toBe(2);
    expect(
      (
        await again
          .entity('member')
          .query()
          .index('by-group', { partition: ['g'] })
          .getMany()
      ).results,
    ).toEqual([]);
    await again.set('trigger', 'a compaction');
    await stop(second);
    // The compaction after the restart left the expired items out of the snapshot altogether.
    expect(fs.readFileSync(path.join(dataDir, 'snapshot.jsonl'), 'utf8')).not.toContain('"brief"');
  });

  it('lets only one service open a data directory, and takes over the lock of a dead process', async () => {
    const first = start();
    expect(() => start()).toThrow(/locked by running process/);
    await stop(first);
    const second = start();
    await stop(second);
    expect(fs.existsSync(path.join(dataDir, 'LOCK'))).toBe(false);

    // A pid that cannot belong to a running process stands for a crashed owner.
    fs.writeFileSync(path.join(dataDir, 'LOCK'), '2147483646');
    const third = start();
    expect(fs.readFileSync(path.join(dataDir, 'LOCK'), 'utf8')).toBe(String(process.pid));
    await stop(third);
  });
});
