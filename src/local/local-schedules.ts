/**
 * The local host's schedules, as Forge's scheduled triggers: the reconcile (Forge: hourly) and the access review's
 * step (Forge: every five minutes), each run as a scheduled invocation of the local runtime.
 */
import type { AppParts } from '../app/create-app';
import type { SyncParts } from '../app/create-sync';
import type { ForgeJobQueue } from '../forge/forge-job-queue';
import { makeReviewStep } from '../forge/review-step';
import { makeReconcile } from '../forge/sync-worker';
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
}

/** Starts the schedules (an interval of 0 switches one off); `stop` clears them. */
export function startLocalSchedules(
  parts: LocalScheduleParts,
  options: Pick<LocalHostOptions, 'reconcileIntervalMs' | 'reviewStepIntervalMs'>,
): { stop(): void } {
  const { runtime, queue, app, sync, logger } = parts;
  const reconcileEvery = options.reconcileIntervalMs ?? 3600_000;
  const reconcile = makeReconcile(() => queue);
  const reconcileTimer =
    reconcileEvery > 0
      ? setInterval(() => void runtime.scheduled('reconcile', reconcile).catch(() => undefined), reconcileEvery)
      : undefined;
  reconcileTimer?.unref();
  const reviewEvery = options.reviewStepIntervalMs ?? 300_000;
  const reviewStep = makeReviewStep(
    async () => reviewParts(app, sync),
    (line) => logger.error('REVIEW-E500', line, {}),
  );
  const reviewTimer =
    reviewEvery > 0
      ? setInterval(() => void runtime.scheduled('review-step', reviewStep).catch(() => undefined), reviewEvery)
      : undefined;
  reviewTimer?.unref();
  return {
    stop() {
      if (reconcileTimer) clearInterval(reconcileTimer);
      if (reviewTimer) clearInterval(reviewTimer);
    },
  };
}
