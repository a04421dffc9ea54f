/**
 * The local host's schedules, as Forge's scheduled triggers (manifest.yml `scheduledTrigger`): the reconcile (Forge:
 * hourly) and the five-minute trigger, which runs the pull schedule, the access review's step and the sync sweep in
 * one scheduled invocation of the local runtime, as `five-minute-fn` does on Forge (src/forge/five-minute.ts): the
 * jobs share its outbound requests, its time and its queue pushes there as they do on Forge.
 */
import type { AppParts } from '../app/create-app';
import type { SyncParts } from '../app/create-sync';
import { fiveMinuteSteps, makeFiveMinute, type ScheduledHandler } from '../forge/five-minute';
import type { ForgeJobQueue } from '../forge/forge-job-queue';
import { makeReviewStep } from '../forge/review-step';
import { makeReconcile, makeSyncSweep } from '../forge/sync-worker';
import { reviewParts } from '../review/create-review';
import type { ScimLogger } from '../scim/error-response';
import type { ForgeRuntime } from './forge-runtime';
import type { LocalHostOptions } from './local-host-types';

/** What the schedules run on. */
export interface LocalScheduleParts {
  readonly runtime: ForgeRuntime;
  readonly queue: ForgeJobQueue;
  readonly app: AppParts;
  readonly sync: SyncParts;
  readonly logger: ScimLogger;
  /** The pull's schedule (src/local/local-google.ts), the five-minute trigger's first job. */
  readonly pullSchedule: ScheduledHandler;
}

/** Starts the schedules (an interval of 0 switches one off); `stop` clears them. */
export function startLocalSchedules(
  parts: LocalScheduleParts,
  options: Pick<LocalHostOptions, 'reconcileIntervalMs' | 'fiveMinuteIntervalMs'>,
): { stop(): void } {
  const { runtime, queue, app, sync, logger } = parts;
  const reconcileEvery = options.reconcileIntervalMs ?? 3600_000;
  const reconcile = makeReconcile(() => queue);
  const reconcileTimer =
    reconcileEvery > 0
      ? setInterval(() => void runtime.scheduled('reconcile', reconcile).catch(() => undefined), reconcileEvery)
      : undefined;
  reconcileTimer?.unref();
  const fiveMinuteEvery = options.fiveMinuteIntervalMs ?? 300_000;
  const reviewStep = makeReviewStep(
    async () => reviewParts(app, sync),
    (line) => logger.error('REVIEW-E500', line, {}),
  );
  const syncSweep = makeSyncSweep(async () => sync.dispatcher);
  const fiveMinute = makeFiveMinute(
    fiveMinuteSteps({ pullSchedule: parts.pullSchedule, reviewStep, syncSweep }),
    (line) => logger.error('FIVE-MINUTE-E500', line, {}),
  );
  const fiveMinuteTimer =
    fiveMinuteEvery > 0
      ? setInterval(() => void runtime.scheduled('five-minute', fiveMinute).catch(() => undefined), fiveMinuteEvery)
      : undefined;
  fiveMinuteTimer?.unref();
  return {
    stop() {
      if (reconcileTimer) clearInterval(reconcileTimer);
      if (fiveMinuteTimer) clearInterval(fiveMinuteTimer);
    },
  };
}
