/**
 * Storage over its per-installation quota, met through the local Forge runtime in enforce mode: the SCIM web
 * trigger answers 429 with Retry-After (not a 500), nothing half-written is left behind, and a sync consumer asks
 * the queue to come back in a minute instead of failing into quick redeliveries.
 */
import path from 'node:path';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { createApp } from '../../../src/app/create-app';
import { makeScimWebTrigger, type ForgeWebTriggerRequest } from '../../../src/forge/scim-web-trigger';
import { makeSyncWorker } from '../../../src/forge/sync-worker';
import { DEFAULT_LATENCY, ForgeRuntime } from '../../../src/local/forge-runtime';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../../src/storage/local-kvs';
import { scimTriggerRequest } from '../../support/forge-requests';

const MANIFEST = path.resolve(__dirname, '../../../manifest.yml');

function post(token: string, email: string): ForgeWebTriggerRequest {
  return scimTriggerRequest(token, 'POST', '/Users', { userName: email, emails: [{ value: email, primary: true }] });
}

async function rig(writeUnitsPerMinute: number) {
  const clock = new VirtualClock({ autoAdvance: true });
  const runtime = new ForgeRuntime({
    mode: 'enforce',
    clock,
    latency: DEFAULT_LATENCY,
    storageCountsAsOutbound: false,
  });
  const service = createLocalKvsService({
    entities: loadEntityDefinitions(MANIFEST),
    clock: () => clock.now(),
    quotas: { writeUnitsPerMinute },
  });
  const kvs = createLocalKvs({ fetch: runtime.storage(service.fetch) });
  const app = createApp({ kvs, logger: { error: () => undefined }, now: () => new Date(clock.now()) });
  const { token } = await app.tokens.issue({ label: 'throttling' });
  const trigger = runtime.webTrigger(
    makeScimWebTrigger({ getApp: async () => app, getBaseUrl: async () => 'https://throttle.invalid/scim/v2' }),
  );
  return { clock, runtime, app, token, trigger };
}

describe('storage over its quota', () => {
  it('answers SCIM 429 with Retry-After, and takes the write a minute later', async () => {
    const { clock, app, token, trigger } = await rig(60);
    const statuses: number[] = [];
    let retryAfter: string[] | undefined;
    for (let i = 0; i < 40 && retryAfter === undefined; i += 1) {
      const response = await trigger(post(token, `user${i}@example.com`), {});
      statuses.push(response.statusCode);
      if (response.statusCode === 429) retryAfter = response.headers['retry-after'];
    }
    expect(statuses).toContain(201);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(Number(retryAfter?.[0])).toBeGreaterThanOrEqual(1);
    const refused = `user${statuses.length - 1}@example.com`;
    expect(await app.store.find('User', 'userName', refused)).toEqual([]);
    await clock.sleep(Number(retryAfter?.[0]) * 1000);
    expect((await trigger(post(token, refused), {})).statusCode).toBe(201);
  });

  it('makes a sync consumer ask for a retry in a minute', async () => {
    const { runtime } = await rig(60);
    const lines: string[] = [];
    const worker = makeSyncWorker({
      handle: async () => {
        const error = new Error('Rate limit exceeded') as Error & { code: string };
        error.code = 'RATE_LIMIT_EXCEEDED';
        throw error;
      },
      warn: (line) => lines.push(line),
    });
    const outcome = await runtime.resolver('consumer', () => worker({ body: { v: 1, type: 'drain' } }));
    expect(outcome).toEqual({
      _retry: true,
      retryOptions: { retryAfter: 60, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED' },
    });
    expect(lines.join('\n')).toContain('SYNC_STORAGE_THROTTLED');
  });
});
