/**
 * The sync's Forge entry points: the consumer of the `scim-sync` queue, which reads a job and hands it to the
 * dispatcher, the scheduled reconcile, and the sync sweep the five-minute trigger runs. A body the consumer cannot
 * read is logged (ids only, never the body) and acknowledged, because a thrown error makes Forge redeliver the event
 * for up to 24 hours (DAC /runtime-reference/async-events-api) and it would fail the same way every time.
 */
import { InvocationError, InvocationErrorCode } from '@forge/events';
import { DirectoryError } from '../directory/directory-store';
import { isStorageThrottled, THROTTLED_RETRY_AFTER_SECONDS } from '../storage/kvs-port';
import type { Dispatcher } from '../sync/dispatcher';
import { parseSyncJob, type JobOutcome, type JobQueue, type SyncJob } from '../sync/jobs';
import { ORIGIN_PUSH_BUDGET, withBudget } from '../sync/lineage-budget';

/** The fields of a Forge async event the worker reads (@forge/events AsyncEvent). */
export interface SyncEvent {
  readonly body?: unknown;
  readonly jobId?: string;
  readonly eventId?: string;
  /** Present on a redelivery (after a retry request, a thrown error or a platform stop), counting from 1. */
  readonly retryContext?: { readonly retryCount?: number };
}

/** The log code of an event the worker could not read and dropped; stable so that alerts can match it. */
export const SYNC_EVENT_IGNORED_CODE = 'SYNC_EVENT_IGNORED';

/** What the worker needs from its host. */
export interface SyncWorkerDeps {
  /** Runs a job (the dispatcher). */
  readonly handle: (job: SyncJob) => Promise<JobOutcome>;
  /** Writes one log line. */
  readonly warn: (line: string) => void;
}

/**
 * Handles one event; returns a retry request when the job must come back later (an upstream rate limit). A
 * redelivered job runs with no pushes left to its lineage (src/sync/lineage-budget.ts): its first delivery may have
 * pushed its follow-ups already, and pushing them again would spend the lineage's budget twice.
 */
export async function handleSyncEvent(event: SyncEvent | undefined, deps: SyncWorkerDeps): Promise<JobOutcome> {
  const job = parseSyncJob(event?.body);
  if (!job) {
    deps.warn(
      `${SYNC_EVENT_IGNORED_CODE} job=${event?.jobId ?? '-'} event=${event?.eventId ?? '-'}: not a sync job this version can read`,
    );
    return undefined;
  }
  const redelivered = (event?.retryContext?.retryCount ?? 0) >= 1;
  return deps.handle(redelivered ? withBudget(job, 0) : job);
}

/**
 * The `scim-sync` consumer function: a job the dispatcher asks to come back later (Atlassian rate-limited it)
 * returns an InvocationError with that wait, which Forge caps at 900 s; anything else returns nothing. Forge and
 * the local runtime call the same function.
 */
export function makeSyncWorker(
  deps: SyncWorkerDeps,
): (event: SyncEvent | undefined) => Promise<InvocationError | undefined> {
  return async (event) => {
    let outcome: JobOutcome;
    try {
      outcome = await handleSyncEvent(event, deps);
    } catch (error) {
      // Storage over its per-minute quota: come back when it has room, instead of the platform's quick retries.
      if (!throttledStorage(error)) throw error;
      deps.warn(
        `SYNC_STORAGE_THROTTLED job=${event?.jobId ?? '-'} event=${event?.eventId ?? '-'}: retrying in ${THROTTLED_RETRY_AFTER_SECONDS} s`,
      );
      outcome = { retryAfterSeconds: THROTTLED_RETRY_AFTER_SECONDS };
    }
    return outcome
      ? new InvocationError({
          retryAfter: outcome.retryAfterSeconds,
          retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED,
        })
      : undefined;
  };
}

/** Whether `error`, or an error it was caused by, is storage refusing a request over the installation's quota. */
function throttledStorage(error: unknown): boolean {
  for (
    let current = error, depth = 0;
    current !== undefined && depth < 8;
    current = (current as { cause?: unknown }).cause, depth += 1
  ) {
    if ((current instanceof DirectoryError && current.kind === 'throttled') || isStorageThrottled(current)) return true;
  }
  return false;
}

/**
 * The scheduled reconcile: it only queues a reconcile job, whose consumer has up to 900 s and the queue's
 * retries, so the trigger itself never runs long. Returns 204, which satisfies both readings of the docs on
 * scheduled-trigger return values (DAC /events-reference/scheduled-trigger).
 */
export function makeReconcile(queue: () => JobQueue): () => Promise<{ statusCode: 204 }> {
  return async () => {
    // A scheduled trigger is an origin: the reconcile's lineage has its budget less this push.
    await queue().push([withBudget({ v: 1, type: 'reconcile' }, ORIGIN_PUSH_BUDGET - 1)]);
    return { statusCode: 204 };
  };
}

/**
 * The sync sweep, the third job of the five-minute trigger (`five-minute-fn`, src/forge/five-minute.ts): a fresh
 * origin that resumes what a lineage which spent its budget of pushes left in the outbox (Dispatcher.resume); with
 * nothing pending it reads one page and ends. 204, as the reconcile (DAC /events-reference/scheduled-trigger).
 */
export function makeSyncSweep(
  dispatcher: () => Promise<Pick<Dispatcher, 'resume'>>,
): () => Promise<{ statusCode: 204 }> {
  return async () => {
    await (await dispatcher()).resume();
    return { statusCode: 204 };
  };
}
