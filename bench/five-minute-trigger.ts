/**
 * The five-minute scheduled trigger on a benchmark's rig, as Forge runs `five-minute-fn` (src/forge/five-minute.ts):
 * one scheduled invocation every five virtual minutes running the pull schedule, the access review's step and the
 * sync sweep, built from the same handlers. The benchmark configures no directory source and starts no review, so
 * the first two read their state and end, and the sweep resumes what a sync lineage that spent its queue pushes left
 * (src/sync/lineage-budget.ts). Used by bench/forge-cycle.ts.
 */
import type { AppParts } from '../src/app/create-app';
import type { SyncParts } from '../src/app/create-sync';
import { fiveMinuteSteps, makeFiveMinute } from '../src/forge/five-minute';
import { makePullSchedule, pullQueue } from '../src/forge/pull-worker';
import { makeReviewStep } from '../src/forge/review-step';
import { makeSyncSweep } from '../src/forge/sync-worker';
import { reviewParts } from '../src/review/create-review';
import { createPull, PULL_QUEUE_KEY } from '../src/sources/create-pull';
import { CHAINED_KICK_BUDGET } from '../src/sync/lineage-budget';
import type { TargetFetch } from '../src/targets/http/target-fetch';
import type { ForgeRig } from './forge-rig';

/** The trigger's interval (manifest.yml `five-minute`: fiveMinute). */
const FIVE_MINUTES_MS = 5 * 60_000;

/** A running trigger: how often it ran, the steps that failed (as makeFiveMinute logs them), and its stop. */
export interface BenchFiveMinute {
  runs(): number;
  readonly failures: readonly string[];
  stop(): void;
}

/** Starts the trigger on `rig`'s runtime and clock for the app and sync the benchmark built. */
export function startFiveMinuteTrigger(
  rig: Pick<ForgeRig, 'clock' | 'runtime' | 'kvs'>,
  parts: { readonly app: AppParts; readonly sync: SyncParts; readonly fetch: TargetFetch },
): BenchFiveMinute {
  const { clock, runtime } = rig;
  const { app, sync } = parts;
  // As the local host builds it (src/local/local-google.ts), without a Google account: its schedule finds no source.
  const pull = createPull({
    kvs: rig.kvs,
    store: app.store,
    fetch: parts.fetch,
    clock: runtime.appClock,
    now: () => new Date(clock.now()),
    queue: pullQueue(runtime.queue(PULL_QUEUE_KEY)),
    breaker: sync.breaker,
    syncSettings: () => sync.settings.get(),
    afterWrites: () => sync.dispatcher.kick(CHAINED_KICK_BUDGET),
    auditLog: app.auditLog,
  });
  const failures: string[] = [];
  const warn = (line: string): void => void failures.push(line);
  const fiveMinute = makeFiveMinute(
    fiveMinuteSteps({
      pullSchedule: makePullSchedule(async () => pull),
      reviewStep: makeReviewStep(async () => reviewParts(app, sync), warn),
      syncSweep: makeSyncSweep(async () => sync.dispatcher),
    }),
    warn,
  );
  let active = true;
  let runs = 0;
  void (async () => {
    for (;;) {
      await clock.sleep(FIVE_MINUTES_MS);
      if (!active) return;
      runs += 1;
      await runtime.scheduled('five-minute', fiveMinute).catch((error: unknown) => warn(String(error)));
    }
  })();
  return {
    runs: () => runs,
    failures,
    stop() {
      active = false;
    },
  };
}
