/**
 * A web-trigger write that changes 1,000 members of a group, as the IdP model of bench:forge sends them
 * (bench/forge-cycle.ts), fits one Forge invocation: the runtime in enforce mode fails it past 100 outbound requests
 * (KVS requests count as outbound, src/local/forge-runtime/limits.ts).
 */
import path from 'node:path';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { createApp } from '../../../src/app/create-app';
import { makeScimWebTrigger } from '../../../src/forge/scim-web-trigger';
import { DEFAULT_LATENCY, ForgeRuntime } from '../../../src/local/forge-runtime';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../../src/storage/local-kvs';
import { scimTriggerRequest } from '../../support/forge-requests';
import { patchOp } from '../../support/scim-bodies';

jest.setTimeout(120_000);

it('adds and removes 1,000 members in one web-trigger invocation each, within 100 requests, and refuses more', async () => {
  const clock = new VirtualClock({ autoAdvance: true });
  const runtime = new ForgeRuntime({ mode: 'enforce', clock, latency: DEFAULT_LATENCY });
  const service = createLocalKvsService({
    entities: loadEntityDefinitions(path.resolve(__dirname, '../../../manifest.yml')),
    clock: () => clock.now(),
  });
  const kvs = createLocalKvs({ fetch: runtime.storage(service.fetch) });
  const app = createApp({
    kvs,
    logger: { error: () => undefined },
    now: () => new Date(clock.now()),
    sleep: (ms) => runtime.appClock.sleep(ms),
  });
  const ids: string[] = [];
  for (let i = 0; i < 1001; i += 1)
    ids.push((await app.store.create('User', { userName: `member${i}@example.com`, active: true })).id);
  const group = await app.store.create('Group', { displayName: 'Everyone' });
  const { token } = await app.tokens.issue({ label: 'large' });
  const trigger = runtime.webTrigger(
    makeScimWebTrigger({ getApp: async () => app, getBaseUrl: async () => 'https://large.invalid/scim/v2' }),
  );
  // Like an IdP, the test comes back after the Retry-After of a write the intake gate held (src/app/intake-gate.ts).
  const patch = async (operation: object) => {
    for (;;) {
      const response = await trigger(
        scimTriggerRequest(token, 'PATCH', `/Groups/${group.id}`, patchOp(operation), {
          excludedAttributes: ['members'],
        }),
        {},
      );
      if (response.statusCode !== 429) return response;
      await clock.sleep(Number(response.headers?.['retry-after']?.[0] ?? 1) * 1000);
    }
  };
  const members = async () => {
    let count = 0;
    for await (const page of app.store.members(group.id)) count += page.length;
    return count;
  };

  const thousand = ids.slice(0, 1000).map((value) => ({ value }));
  const added = await patch({ op: 'add', path: 'members', value: thousand });
  expect(added.statusCode).toBe(200);
  const afterAdd = runtime.stats().invocations.maxOutboundRequests;
  expect(await members()).toBe(1000);
  // A replace on a group of more than 1,000 members cannot be bounded: refused whole, nothing written.
  expect((await patch({ op: 'add', path: 'members', value: [{ value: ids[1000] }] })).statusCode).toBe(200);
  const replaced = await patch({ op: 'replace', path: 'members', value: [{ value: ids[0] }] });
  expect(replaced.statusCode).toBe(400);
  expect(JSON.parse(String(replaced.body))).toMatchObject({
    scimType: 'tooMany',
    detail: expect.stringContaining('at most 1000 group members'),
  });
  expect(await members()).toBe(1001);
  const removed = await patch({ op: 'remove', path: 'members', value: thousand });
  expect(removed.statusCode).toBe(200);
  expect(await members()).toBe(1);
  // More than 1,000 named members in one request are refused whole, before anything is written.
  const tooMany = await patch({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) });
  expect(tooMany.statusCode).toBe(400);
  expect(await members()).toBe(1);
  console.log(
    `most requests in one PATCH invocation: ${afterAdd} (add), ${runtime.stats().invocations.maxOutboundRequests} (either)`,
  );
  expect(runtime.violations.byLimit()).toEqual({});
  expect(runtime.stats().invocations.maxOutboundRequests).toBeLessThanOrEqual(100);
  // The sync sees the final membership: the group's outbox entry carries its latest version.
  const stored = await app.store.get('Group', group.id);
  let entry: { version: number } | undefined;
  let cursor: string | undefined;
  do {
    const page = await app.store.pendingChanges(100, cursor);
    entry ??= page.entries.find((candidate) => candidate.resourceKey === `Group.${group.id}`);
    cursor = page.cursor;
  } while (cursor && !entry);
  expect(entry?.version).toBe(stored?.version);
  runtime.stop();
  await service.close();
});
