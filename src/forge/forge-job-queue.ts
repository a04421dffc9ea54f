/** The job queue port on Forge async events (@forge/events): at most 50 events per push, delays of 0..900 s. */
import { Queue, type PushEvent } from '@forge/events';
import type { JobQueue, SyncJob } from '../sync/jobs';

/** The queue key in manifest.yml (`consumer.queue`). */
export const SYNC_QUEUE_KEY = 'scim-sync';

/** The part of @forge/events' `Queue` this adapter uses; the local runtime gives one with Forge's limits. */
export interface EventQueue {
  push(events: PushEvent[]): Promise<{ jobId: string }>;
}

/** Pushes sync jobs onto the `scim-sync` queue. */
export class ForgeJobQueue implements JobQueue {
  constructor(private readonly queue: EventQueue = new Queue({ key: SYNC_QUEUE_KEY })) {}

  async push(jobs: readonly SyncJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    const delayInSeconds = Math.max(0, Math.min(900, options.delaySeconds ?? 0));
    for (let i = 0; i < jobs.length; i += 50) {
      await this.queue.push(jobs.slice(i, i + 50).map((job) => ({ body: { ...job } as Record<string, unknown>, delayInSeconds })));
    }
  }
}
