/** The job queue port on Forge async events (@forge/events): at most 50 events per push, delays of 0..900 s. */
import { Queue, type PushEvent } from '@forge/events';
import type { JobQueue, SyncJob } from '../sync/jobs';

/** The queue key in manifest.yml (`consumer.queue`). */
export const SYNC_QUEUE_KEY = 'scim-sync';

/** The part of @forge/events' `Queue` this adapter uses; the local runtime gives one with Forge's limits. */
export interface EventQueue {
  push(events: PushEvent[]): Promise<{ jobId: string }>;
}

/** Most events in one push (@forge/events `MAXIMUM_EVENTS`). */
const MAX_EVENTS_PER_PUSH = 50;
/**
 * Largest push, in bytes of `JSON.stringify(events)`: @forge/events refuses more than 200 KB
 * (`MAXIMUM_PAYLOAD_SIZE_KB`, measured as bytes / 1024); a little is kept in hand.
 */
const MAX_PUSH_BYTES = 195 * 1024;

/** Splits events into pushes of at most 50 events and MAX_PUSH_BYTES each, in order. */
export function packPushes(events: readonly PushEvent[]): PushEvent[][] {
  const pushes: PushEvent[][] = [];
  let current: PushEvent[] = [];
  let bytes = 2; // the array's brackets
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event)) + 1; // and its comma
    if (current.length > 0 && (current.length === MAX_EVENTS_PER_PUSH || bytes + size > MAX_PUSH_BYTES)) {
      pushes.push(current);
      current = [];
      bytes = 2;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) pushes.push(current);
  return pushes;
}

/**
 * The concurrency key of a job (DAC `/runtime-reference/async-events-api`, `concurrency: { key, limit }`; counters are
 * per installation): a sync job's lane runs one job at a time, and so do drains and reconciles together, so one
 * drain at a time reads the outbox.
 */
export function concurrencyOf(job: SyncJob): { key: string; limit: number } {
  return job.type === 'sync'
    ? { key: `${SYNC_QUEUE_KEY}-lane-${job.lane ?? 0}`, limit: 1 }
    : { key: `${SYNC_QUEUE_KEY}-drain`, limit: 1 };
}

/** Pushes sync jobs onto the `scim-sync` queue, split by count and by serialized size, each with its concurrency key. */
export class ForgeJobQueue implements JobQueue {
  constructor(private readonly queue: EventQueue = new Queue({ key: SYNC_QUEUE_KEY })) {}

  async push(jobs: readonly SyncJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    const delayInSeconds = Math.max(0, Math.min(900, options.delaySeconds ?? 0));
    const events = jobs.map((job) => ({
      body: { ...job } as Record<string, unknown>,
      delayInSeconds,
      concurrency: concurrencyOf(job),
    }));
    for (const push of packPushes(events)) await this.queue.push(push);
  }
}
