/**
 * What the IdP's commonest writes read from storage through the SCIM web trigger: at 15 requests a second an IdP
 * spends Forge's 4,000 read units a minute by itself at 4.4 units a request, so each read is pinned here. A member
 * PATCH of 50 reads the intake gate's bucket (src/app/intake-gate.ts), the group once and the members' kind markers
 * in two batches (it read 8 times before the audit took what the handler read, the store built on the handler's read
 * and new members were written unread); a user's PATCH reads the user once (it read 4 times).
 */
import path from 'node:path';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { createApp } from '../../../src/app/create-app';
import { makeScimWebTrigger } from '../../../src/forge/scim-web-trigger';
import { DEFAULT_LATENCY, ForgeRuntime } from '../../../src/local/forge-runtime';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../../src/storage/local-kvs';
import { scimTriggerRequest } from '../../support/forge-requests';
import { deactivation, patchOp } from '../../support/scim-bodies';

it('reads the gate, the group and two batches of markers for a PATCH adding 50 members, and a user once for its PATCH', async () => {
  const clock = new VirtualClock({ autoAdvance: true });
  const runtime = new ForgeRuntime({ mode: 'enforce', clock, latency: DEFAULT_LATENCY });
  let reads: string[] | undefined;
  const service = createLocalKvsService({
    entities: loadEntityDefinitions(path.resolve(__dirname, '../../../manifest.yml')),
    clock: () => clock.now(),
    onCost: (endpoint, cost) => {
      if (reads && cost.readUnits > 0) reads.push(`${endpoint.replace('/api/v1/', '')} ${cost.readUnits}`);
    },
  });
  const app = createApp({
    kvs: createLocalKvs({ fetch: runtime.storage(service.fetch) }),
    logger: { error: () => undefined },
    now: () => new Date(clock.now()),
    sleep: (ms) => runtime.appClock.sleep(ms),
  });
  const ids: string[] = [];
  for (let i = 0; i < 50; i += 1)
    ids.push((await app.store.create('User', { userName: `member${i}@example.com`, active: true })).id);
  const group = await app.store.create('Group', { displayName: 'Team' });
  const { token } = await app.tokens.issue({ label: 'reads' });
  const trigger = runtime.webTrigger(
    makeScimWebTrigger({ getApp: async () => app, getBaseUrl: async () => 'https://reads.invalid/scim/v2' }),
  );
  const readsOf = async (method: string, userPath: string, body: unknown): Promise<string[]> => {
    reads = [];
    const response = await trigger(scimTriggerRequest(token, method, userPath, body), {});
    expect(response.statusCode).toBe(204);
    const seen = reads;
    reads = undefined;
    return seen;
  };

  // The first write reads the settings, source and Diagnostics verdicts it then keeps a while (src/app/create-app.ts).
  await readsOf('PATCH', `/Users/${ids[1]}`, deactivation());
  const added = await readsOf(
    'PATCH',
    `/Groups/${group.id}`,
    patchOp({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }),
  );
  // The intake gate's bucket (src/app/intake-gate.ts), the group, and the markers.
  expect(added).toEqual(['get 1', 'entity/get 1', 'batch/get 1', 'batch/get 1']);
  const deactivated = await readsOf('PATCH', `/Users/${ids[0]}`, deactivation());
  expect(deactivated).toEqual(['entity/get 1']);

  let count = 0;
  for await (const page of app.store.members(group.id)) count += page.length;
  expect(count).toBe(50);
  expect((await app.store.get('User', ids[0] ?? ''))?.resource.active).toBe(false);
  // The audit still says what the PATCH changed without reading it again.
  const { entries } = await app.auditLog.query({ limit: 5 });
  expect(JSON.stringify(entries)).toContain('active: true -> false');
  expect(runtime.violations.byLimit()).toEqual({});
  runtime.stop();
  await service.close();
});
