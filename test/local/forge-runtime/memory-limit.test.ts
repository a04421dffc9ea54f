/**
 * The local Forge runtime's memory limit in enforce mode. Memory is sampled in the process, not isolated per
 * invocation (src/local/forge-runtime/invocations.ts), so garbage left by earlier work that the collector frees
 * meanwhile can hide tens of MB (Jest reuses a worker for several files, so heavy suites may have run before this one
 * under a loaded CI): the invocation holds 720 MiB, 200 MiB past Forge's 512 MB.
 */
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VirtualClock } from '../../../emulators/virtual-clock';
import { ForgeRuntime } from '../../../src/local/forge-runtime';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../../../src/storage/local-kvs';

/** Runs V8's collector now (V8's `gc`, exposed for this process at run time), so earlier garbage is not an invocation's. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

it('fails an invocation that grows the heap past 512 MB at its next platform call, and refuses that call', async () => {
  const clock = new VirtualClock({ autoAdvance: true });
  const runtime = new ForgeRuntime({ mode: 'enforce', clock, latency: { kvsMs: 30, remoteMs: 250, deliveryMs: 1000 } });
  const service = createLocalKvsService({
    entities: loadEntityDefinitions(path.resolve(__dirname, '../../../manifest.yml')),
    clock: () => clock.now(),
  });
  const kvs = createLocalKvs({ fetch: runtime.storage(service.fetch) });
  collectGarbage();
  const outcome = runtime.resolver('memory', async () => {
    const held = Buffer.alloc(720 * 1024 * 1024, 1);
    await kvs.set('after-allocation', true);
    // Still in use after the call, so the collector cannot free it before the runtime looks.
    return held.length;
  });
  await expect(outcome).rejects.toMatchObject({ code: 'FUNCTION_OUT_OF_MEMORY' });
  expect(await createLocalKvs(service).get('after-allocation')).toBeUndefined();
  expect(runtime.violations.has('invocation-memory')).toBe(true);
});
