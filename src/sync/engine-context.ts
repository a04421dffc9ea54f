/**
 * What the engine's steps share: its collaborators, its clock and the state of the running batch. Jobs of several
 * lanes may run at once on one engine (one per invocation), so each batch keeps its own state in an
 * AsyncLocalStorage; outside a batch (appGroups for a preview) a step sees a fresh state that nothing keeps.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SyncEngineDeps } from './engine-ports';
import { JobLinkCache } from './job-link-cache';

/** What one batch keeps while it runs. */
export interface BatchState {
  /** Whether the batch put more work in the outbox. */
  enqueued: boolean;
  /** Resources this batch has started on (the budget may stop a batch only after its first). */
  started: number;
  readonly links: JobLinkCache;
  /** Groups of this batch waiting for member accounts the organization lost (their users are synced first): key -> count. */
  readonly waiting: Map<string, number>;
  /** Members each group of this batch listed when planned (kept on its link: src/sync/sync-links.ts memberCount). */
  readonly memberCounts: Map<string, number>;
  /** Whether this batch's permission run stopped for its budget with changes left. */
  permissionsLeft?: boolean;
  /** Groups this batch applied carried changes to (src/sync/plan-carry.ts): a fresh comparison follows them. */
  readonly carried: Set<string>;
}

/** The counts a batch's steps add to as they go: the BatchReport in the making. */
export interface BatchTally {
  applied: number;
  remoteWrites: number;
  failed: number;
  deferred: number;
  readonly leftover: string[];
  /** Seconds after which the batch's deferred work (a permission run waiting for groups) should be looked at again. */
  drainAfterSeconds?: number | undefined;
}

/** The engine's collaborators, its clock and the running batch's state, handed to each of its steps. */
export class EngineContext {
  /** The engine's clock. */
  readonly now: () => Date;
  private readonly batch = new AsyncLocalStorage<BatchState>();

  constructor(readonly deps: SyncEngineDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Runs `body` as one batch, with a state of its own. */
  run<T>(body: () => Promise<T>): Promise<T> {
    return this.batch.run(this.freshState(), body);
  }

  /** The running batch's state; outside a batch (appGroups for a preview), a fresh one that nothing keeps. */
  get state(): BatchState {
    return this.batch.getStore() ?? this.freshState();
  }

  /** The running batch's link cache (src/sync/job-link-cache.ts). */
  get links(): JobLinkCache {
    return this.state.links;
  }

  private freshState(): BatchState {
    return {
      enqueued: false,
      started: 0,
      links: new JobLinkCache(this.deps.links),
      waiting: new Map(),
      memberCounts: new Map(),
      carried: new Set(),
    };
  }
}
