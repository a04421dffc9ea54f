/**
 * The drains' watermark (src/sync/drain-watermark.ts): which outbox entries drains queued already, in a value that
 * stays one 10 KB unit for the entries of a drain's lag window, and a watermark an older version wrote still honoured.
 */
import type { PendingChange } from '../../src/directory/directory-store';
import { advanceWatermark, drainStart } from '../../src/sync/drain-watermark';
import { makeKvs, type KvsFixture } from '../../rigs/local-kvs-fixture';

let fixture: KvsFixture;
beforeEach(() => {
  fixture = makeKvs();
});
afterEach(() => fixture.service.close());

const iso = (ms: number): string => new Date(ms).toISOString();
const entry = (resourceKey: string, version: number, atMs: number): PendingChange => ({
  resourceKey,
  version,
  enqueuedAt: iso(atMs),
});

it('remembers the entries a drain queued, not the same key enqueued again, and a sweep ignores it', async () => {
  const now = fixture.clock.ms;
  const queued = [entry('User.a', 1, now - 3000), entry('Group.g', -5, now - 2000)];
  await advanceWatermark(fixture.kvs, await drainStart(fixture.kvs, false), queued, false, now);
  const start = await drainStart(fixture.kvs, false);
  expect(queued.map(start.queued)).toEqual([true, true]);
  // A new version, or the same version enqueued again at a new time, is new work.
  expect(start.queued(entry('User.a', 2, now - 3000))).toBe(false);
  expect(start.queued(entry('Group.g', -5, now - 1000))).toBe(false);
  expect(start.after < iso(now - 3000)).toBe(true);
  const sweep = await drainStart(fixture.kvs, true);
  expect(sweep.after).toBe('');
  expect(queued.map(sweep.queued)).toEqual([false, false]);
});

it('keeps what earlier drains queued within its lag, and forgets what is older', async () => {
  const now = fixture.clock.ms;
  const old = entry('User.old', 1, now - 200_000);
  const recent = entry('User.recent', 1, now - 30_000);
  await advanceWatermark(fixture.kvs, await drainStart(fixture.kvs, false), [old, recent], false, now - 100_000);
  const later = entry('User.later', 1, now - 1000);
  await advanceWatermark(fixture.kvs, await drainStart(fixture.kvs, false), [later], false, now);
  const start = await drainStart(fixture.kvs, false);
  // The watermark lags the drain by a minute: the entry of 200 s ago is behind it, the other two are remembered.
  expect(start.after > old.enqueuedAt).toBe(true);
  expect([recent, later].map(start.queued)).toEqual([true, true]);
});

it('writes the 500 entries of a busy lag window in one 10 KB unit (their whole names took five)', async () => {
  const now = fixture.clock.ms;
  const pending = Array.from({ length: 500 }, (_, i) =>
    entry(
      `User.${String(i).padStart(4, '0')}-5f0c2a7e-93d1-4c1e-8a57-0b6f3e2d9c41`,
      1_000_000 + i,
      now - 50_000 + i * 100,
    ),
  );
  const start = await drainStart(fixture.kvs, false);
  await advanceWatermark(fixture.kvs, start, pending, false, now);
  const stored = await fixture.kvs.get('dispatch:watermark');
  expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThan(10_000);
  expect(pending.every((await drainStart(fixture.kvs, false)).queued)).toBe(true);
});

it('honours a watermark in the older form, with whole names, and carries it on in the compact one', async () => {
  const now = fixture.clock.ms;
  const a = entry('User.a', 7, now - 5000);
  await fixture.kvs.set('dispatch:watermark', {
    at: iso(now - 10_000),
    queued: [`${a.enqueuedAt}|${a.resourceKey}@${a.version}`],
  });
  expect((await drainStart(fixture.kvs, false)).queued(a)).toBe(true);
  const b = entry('User.b', 1, now - 1000);
  await advanceWatermark(fixture.kvs, await drainStart(fixture.kvs, false), [b], false, now);
  const start = await drainStart(fixture.kvs, false);
  expect([a, b].map(start.queued)).toEqual([true, true]);
  expect(start.queued(entry('User.a', 8, now - 5000))).toBe(false);
  expect(await fixture.kvs.get('dispatch:watermark')).not.toHaveProperty('queued');
});
