/**
 * The pull's Forge entry points: the `directory-pull` queue consumer (one bounded invocation of the run in
 * progress; the composition queues the next) and the five-minute scheduled trigger that starts a pull when the
 * admin's schedule says one is due. Both only hand over to src/sources/create-pull.ts; Forge and the local runtime
 * call the same functions.
 */
import { Queue, type PushEvent } from '@forge/events';
import type { PullParts, PullQueue } from '../sources/create-pull';
import { PULL_QUEUE_KEY } from '../sources/create-pull';

/** The part of @forge/events' `Queue` the pull pushes to. */
export interface PullEventQueue {
  push(events: PushEvent[]): Promise<{ jobId: string }>;
}

/** The pull queue on @forge/events (or the local runtime's look-alike): one event per invocation, delays of 0..900 s. */
export function pullQueue(queue: PullEventQueue = new Queue({ key: PULL_QUEUE_KEY })): PullQueue {
  return async (delaySeconds) => {
    await queue.push([
      { body: { v: 1, type: 'pull' }, delayInSeconds: Math.max(0, Math.min(900, Math.round(delaySeconds))) },
    ]);
  };
}

/** The `directory-pull` consumer: any event advances the run in progress; there is nothing in its body to misread. */
export function makePullWorker(getPull: () => Promise<PullParts>): (event: unknown) => Promise<void> {
  return async () => {
    await (await getPull()).handle();
  };
}

/** The pull schedule, run every five minutes by the five-minute trigger (src/forge/five-minute.ts); 204 satisfies both readings of its return value. */
export function makePullSchedule(getPull: () => Promise<PullParts>): () => Promise<{ statusCode: 204 }> {
  return async () => {
    await (await getPull()).tick();
    return { statusCode: 204 };
  };
}
