/**
 * The local host runs the five-minute trigger as Forge runs `five-minute-fn` (src/local/local-schedules.ts): one
 * scheduled invocation whose last job is the sync sweep, so outbox work that no kick announced (a lineage that spent
 * its queue pushes left it) is synced without any other trigger; with the trigger off it stays.
 */
import { startInProcessHost, type InProcessHost } from '../support/in-process-host';

const TOKEN = 'local-schedules-token';

let started: InProcessHost | undefined;
afterEach(async () => {
  await started?.stop();
  started = undefined;
});

/** Waits until the outbox is empty or `ms` have passed; says how many entries are pending then. */
async function pendingAfter(host: InProcessHost, ms: number): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const pending = (await host.host.app.store.pendingChanges(10)).entries.length;
    if (pending === 0 || Date.now() >= until) return pending;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a host, lets its start-up sweep settle, and puts one entry in the outbox with no kick. */
async function hostWithUnannouncedEntry(fiveMinuteIntervalMs: number): Promise<InProcessHost> {
  started = await startInProcessHost({ bearerToken: TOKEN, fiveMinuteIntervalMs });
  await started.host.runtime.idle();
  // A resource the directory does not hold: its job finds nothing to do and acknowledges the entry.
  await started.host.app.store.enqueue(['User.left-by-a-spent-lineage']);
  return started;
}

it('syncs outbox work no kick announced, through the five-minute scheduled invocation', async () => {
  const host = await hostWithUnannouncedEntry(200);
  const scheduledBefore = host.host.runtime.stats().invocations.invocations.scheduled ?? 0;
  expect(await pendingAfter(host, 10_000)).toBe(0);
  expect(host.host.runtime.stats().invocations.invocations.scheduled ?? 0).toBeGreaterThan(scheduledBefore);
});

it('leaves that work pending with the five-minute trigger switched off', async () => {
  const host = await hostWithUnannouncedEntry(0);
  expect(await pendingAfter(host, 1500)).toBe(1);
});
