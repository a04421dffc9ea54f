/**
 * The consumer of the `scim-sync` queue: reads a job and hands it to the dispatcher. A body it cannot read is
 * logged (ids only, never the body) and acknowledged, because a thrown error makes Forge redeliver the event
 * for up to 24 hours (DAC /runtime-reference/async-events-api) and it would fail the same way every time.
 */
import { InvocationError, InvocationErrorCode } from '@forge/events';
import { parseSyncJob, type JobOutcome, type JobQueue, type SyncJob } from '../sync/jobs';

/** The fields of a Forge async event the worker reads (@forge/events AsyncEvent). */
export interface SyncEvent {
  readonly body?: unknown;
  readonly jobId?: string;
  readonly eventId?: string;
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

/** Handles one event; returns a retry request when the job must come back later (an upstream rate limit). */
export async function handleSyncEvent(event: SyncEvent | undefined, deps: SyncWorkerDeps): Promise<JobOutcome> {
  const job = parseSyncJob(event?.body);
  if (!job) {
    deps.warn(`${SYNC_EVENT_IGNORED_CODE} job=${event?.jobId ?? '-'} event=${event?.eventId ?? '-'}: not a sync job this version can read`);
    return undefined;
  }
  return deps.handle(job);
}

/**
 * The `scim-sync` consumer function: a job the dispatcher asks to come back later (Atlassian rate-limited it)
 * returns an InvocationError with that wait, which Forge caps at 900 s; anything else returns nothing. Forge and
 * the local runtime call the same function.
 */
export function makeSyncWorker(deps: SyncWorkerDeps): (event: SyncEvent | undefined) => Promise<InvocationError | undefined> {
  return async (event) => {
    const outcome = await handleSyncEvent(event, deps);
    return outcome ? new InvocationError({ retryAfter: outcome.retryAfterSeconds, retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED }) : undefined;
  };
}

/**
 * The scheduled reconcile: it only queues a reconcile job, whose consumer has up to 900 s and the queue's
 * retries, so the trigger itself never runs long. Returns 204, which satisfies both readings of the docs on
 * scheduled-trigger return values (DAC /events-reference/scheduled-trigger).
 */
export function makeReconcile(queue: () => JobQueue): () => Promise<{ statusCode: 204 }> {
  return async () => {
    await queue().push([{ v: 1, type: 'reconcile' }]);
    return { statusCode: 204 };
  };
}
