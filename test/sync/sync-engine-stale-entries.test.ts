/**
 * A job skips an entry whose resource is no longer pending at the entry's version (src/sync/sync-engine.ts): the
 * queue delivered it again after a job had done it, or a newer entry of the resource is pending and its own job will
 * do it. Either way planning it again would only repeat the Admin API's reads. Runs the engine over the in-process
 * emulators and a local KVS, counting every request that reaches them.
 */
import type { SyncParts } from '../../src/app/create-sync';
import type { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import type { EngineAuditEntry } from '../../src/sync/engine-ports';
import type { SyncEntry } from '../../src/sync/jobs';
import type { SyncEngine } from '../../src/sync/sync-engine';
import { emulatedSync, engineOf, pendingEntries } from '../support/emulated-sync';
import { kvsPerTest } from '../support/kvs-per-test';

describe('sync engine: entries no longer pending', () => {
  const fixture = kvsPerTest();
  let store: KvsDirectoryStore;
  let sync: SyncParts;
  let audit: EngineAuditEntry[];
  let calls: number;

  beforeEach(async () => {
    audit = [];
    calls = 0;
    ({ store, sync } = await emulatedSync(fixture, {
      fetch: (toEmulators) => async (url, init) => {
        calls += 1;
        return toEmulators(url, init);
      },
    }));
  });

  const engine = (): SyncEngine => engineOf({ store, sync }, fixture, audit);

  const pending = (): Promise<SyncEntry[]> => pendingEntries(store);

  it('does nothing for an entry delivered again after a job acknowledged it', async () => {
    await store.create('Group', { displayName: 'Engineering' });
    const entries = await pending();
    await engine().process(entries);
    expect(await pending()).toEqual([]);
    const before = { calls, audit: audit.length };
    await engine().process(entries);
    expect({ calls, audit: audit.length }).toEqual(before);
  });

  it('leaves an entry superseded by a newer one to the newer entry’s job', async () => {
    const group = await store.create('Group', { displayName: 'Engineering' });
    const [stale] = await pending();
    await store.enqueue([`Group.${group.id}`]);
    const [fresh] = await pending();
    expect(fresh?.version).not.toBe(stale?.version);
    await engine().process(stale ? [stale] : []);
    expect(audit).toEqual([]);
    expect(await pending()).toEqual([fresh]);
    await engine().process(fresh ? [fresh] : []);
    expect(audit).toContainEqual(expect.objectContaining({ action: 'create-group', outcome: 'applied' }));
    expect(await pending()).toEqual([]);
  });
});
