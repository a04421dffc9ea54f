/**
 * How the engine records a resource whose sync fails (src/sync/sync-error.ts): a fault in the app itself (a
 * TypeError thrown while a change is applied) is recorded failed with its whole chain of causes and is not retried,
 * and the batch goes on with the next resource; Atlassian answering 5xx is recorded failed and retried later, and a
 * 429 hands the whole job back for later, as before. Runs the engine over the in-process emulators and a local KVS.
 */
import { slugifyGroupName } from '../../emulators';
import { stringResponse } from '../../emulators/emulator-fetch';
import type { SyncParts } from '../../src/app/create-sync';
import type { KvsDirectoryStore } from '../../src/storage/kvs-directory-store';
import type { EngineAuditEntry, SyncEngineDeps } from '../../src/sync/engine-ports';
import type { SyncEntry } from '../../src/sync/jobs';
import type { SyncEngine } from '../../src/sync/sync-engine';
import type { TargetFetchResponse } from '../../src/targets/http/target-fetch';
import { emulatedSync, engineOf, pendingEntries } from '../support/emulated-sync';
import { kvsPerTest } from '../support/kvs-per-test';

describe('sync engine: failures', () => {
  const fixture = kvsPerTest();
  let store: KvsDirectoryStore;
  let sync: SyncParts;
  let audit: EngineAuditEntry[];
  /** Answers a request instead of the emulators when it returns a response (a test's fault). */
  let fault: ((url: string, method: string) => TargetFetchResponse | undefined) | undefined;

  beforeEach(async () => {
    fault = undefined;
    audit = [];
    ({ store, sync } = await emulatedSync(fixture, {
      fetch: (toEmulators) => async (url, init) => fault?.(url, init.method) ?? toEmulators(url, init),
    }));
  });

  /** An engine over the composition's links, settings and targets, with `naming` replaced where a test says. */
  const engine = (naming?: Partial<SyncEngineDeps['naming']>): SyncEngine =>
    engineOf({ store, sync }, fixture, audit, naming);

  /** Every pending outbox entry, oldest first. */
  const pending = (): Promise<SyncEntry[]> => pendingEntries(store);

  const isGroupCreate = (url: string, method: string): boolean =>
    method === 'POST' && new URL(url).pathname.endsWith('/groups');

  it('records a programming error failed with its chain, does not retry it, and goes on with the next resource', async () => {
    const broken = (await store.create('Group', { displayName: 'Broken' })).id;
    const fine = (await store.create('Group', { displayName: 'Fine' })).id;
    const bug = new TypeError("Cannot read properties of undefined (reading 'slug')", {
      cause: new RangeError('slug table index 7 out of range'),
    });
    const report = await engine({
      groupSlug: (name) => {
        if (name === 'scim-broken') throw bug;
        return slugifyGroupName(name);
      },
    }).process(await pending());

    expect(report).toMatchObject({ failed: 1, retryAfterSeconds: undefined });
    const link = await sync.links.get(`Group.${broken}`);
    expect(link).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError:
        "A fault in the app stopped this change; it is not retried ← TypeError: Cannot read properties of undefined (reading 'slug') ← RangeError: slug table index 7 out of range",
    });
    expect(link?.nextRetryAt).toBeUndefined();
    expect(audit).toContainEqual(
      expect.objectContaining({ resourceKey: `Group.${broken}`, outcome: 'failed', detail: link?.lastError }),
    );
    // Not retried: its outbox entry is acknowledged (the admin's retry or a reconcile enqueues it again).
    expect((await pending()).map((e) => e.key)).not.toContain(`Group.${broken}`);
    // The batch went on: the other group was created (its members follow once every new group of a batch is
    // created, src/sync/group-sync.ts), and the next job finds it synced.
    expect(await sync.links.get(`Group.${fine}`)).toMatchObject({ orgGroupName: 'scim-fine' });
    await engine().process(await pending());
    expect(await sync.links.get(`Group.${fine}`)).toMatchObject({ state: 'synced', orgGroupName: 'scim-fine' });
  });

  it('keeps a failure stored before a programming error from showing a retry time', async () => {
    const id = (await store.create('Group', { displayName: 'Broken' })).id;
    fault = (url, method) => (isGroupCreate(url, method) ? stringResponse(503, {}, '') : undefined);
    await engine().process(await pending());
    expect((await sync.links.get(`Group.${id}`))?.nextRetryAt).toBeDefined();

    fault = undefined;
    await store.enqueue([`Group.${id}`]);
    await engine({
      groupSlug: () => {
        throw new TypeError('groupSlug is not a function');
      },
    }).process(await pending());
    const link = await sync.links.get(`Group.${id}`);
    expect(link).toMatchObject({
      state: 'failed',
      attempts: 2,
      lastError: expect.stringContaining('TypeError: groupSlug is not a function'),
    });
    expect(link?.nextRetryAt).toBeUndefined();
  });

  it('retries a resource Atlassian answered 5xx for, with the answer in lastError', async () => {
    const id = (await store.create('Group', { displayName: 'Engineering' })).id;
    fault = (url, method) =>
      isGroupCreate(url, method)
        ? stringResponse(503, { 'content-type': 'application/json' }, '{"message":"Service Unavailable"}')
        : undefined;
    const report = await engine().process(await pending());

    expect(report).toMatchObject({ failed: 1 });
    const link = await sync.links.get(`Group.${id}`);
    expect(link).toMatchObject({ state: 'failed', attempts: 1, lastError: expect.stringContaining('answered 503') });
    expect(Date.parse(link?.nextRetryAt ?? '')).toBe(fixture.clock.ms + 60_000);
    // Retried: the entry stays in the outbox, and the next job creates the group once Atlassian answers again.
    expect((await pending()).map((e) => e.key)).toEqual([`Group.${id}`]);
    fault = undefined;
    await engine().process(await pending());
    expect(await sync.links.get(`Group.${id}`)).toMatchObject({ state: 'synced', orgGroupName: 'scim-engineering' });
  });

  it('hands the job back when Atlassian answers 429, leaving the resource in the outbox', async () => {
    const id = (await store.create('Group', { displayName: 'Engineering' })).id;
    fault = (url, method) =>
      isGroupCreate(url, method) ? stringResponse(429, { 'retry-after': '3600' }, '') : undefined;
    const report = await engine().process(await pending());

    expect(report).toMatchObject({ failed: 0, retryAfterSeconds: 3600 });
    expect((await sync.links.get(`Group.${id}`))?.state).not.toBe('failed');
    expect((await pending()).map((e) => e.key)).toEqual([`Group.${id}`]);
  });
});
