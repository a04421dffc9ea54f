/**
 * One invocation of a pull: the requests it keeps back and spends per step, and what it keeps in memory between
 * phases (the source, the assembled picture, the snapshots), each read at most once and only when a phase needs it.
 */
import type { DirectoryStore } from '../../directory/directory-store';
import type { SnapshotCache } from './pull-apply';
import type { ExistingResource } from './pull-plan';
import type { PulledDirectory, PullReader } from './pull-reader';
import type { PullRun, PullRunnerDeps } from './pull-run';
import type { RunStage } from './pull-stage';
import { batchedReads, USER_BUCKETS, type UserSnapshotEntry } from './pull-store';

/** Requests kept back for saving progress at the end of an invocation. */
export const RESERVE = 14;
/** Most user snapshot buckets one invocation changes (each a write when it saves). */
export const MAX_BUCKETS_PER_INVOCATION = 4;
/** Most directory resources read when matching the first pull against what SCIM left. */
const MAX_EXISTING = 200_000;

/** What one invocation keeps in memory between phases, so an unchanged pull reads the staged records and the snapshot once. */
export interface InvocationContext {
  readonly stage: RunStage;
  readonly snapshot: SnapshotCache;
  reader?: PullReader;
  picture?: PulledDirectory;
  users?: Map<string, UserSnapshotEntry>;
  groups?: ExistingResource[];
  /** Whether no pull has finished yet, once asked. */
  first?: boolean;
}

/** Requests one group's planning may take (its member set read and written). */
export const GROUP_PLAN_COST = 6;

/**
 * Requests a planning phase needs before its first decision: every staged chunk and snapshot bucket not yet in memory (read in batches, pull-store.ts),
 * and on the first pull after a switch a scan of the directory (roughly one request per 25 resources).
 */
export function loadCost(run: PullRun, context: InvocationContext): number {
  const staged =
    context.picture === undefined
      ? Object.entries(run.staged)
          .filter(([kind]) => kind !== 'p1' && kind !== 'p2')
          .reduce((sum, [, n]) => sum + batchedReads(n), 0)
      : 0;
  // The directory's groups are scanned only on the first pull (known once this invocation has asked).
  const scan = run.phase === 'plan-groups' && context.groups === undefined && context.first !== false ? 8 : 0;
  return staged + (context.users === undefined ? batchedReads(USER_BUCKETS) : 0) + 4 + scan;
}

/** The source's reader, built once an invocation. */
export async function sourceOf(deps: PullRunnerDeps, context: InvocationContext): Promise<PullReader> {
  context.reader ??= await deps.reader();
  return context.reader;
}

/** The directory the source describes, assembled from the staged records once an invocation. */
export async function pictureOf(deps: PullRunnerDeps, context: InvocationContext): Promise<PulledDirectory> {
  context.picture ??= await (await sourceOf(deps, context)).assemble(context.stage);
  return context.picture;
}

/** The user snapshot (by source id: directory id, fingerprint, whether active), read once an invocation. */
export async function usersOf(
  deps: PullRunnerDeps,
  context: InvocationContext,
): Promise<Map<string, UserSnapshotEntry>> {
  context.users ??= await deps.pullStore.userSnapshot();
  return context.users;
}

/** Every directory resource of a kind, for matching the first pull against what SCIM left. */
export async function existingResources(store: DirectoryStore, kind: 'User' | 'Group'): Promise<ExistingResource[]> {
  const out: ExistingResource[] = [];
  for await (const batch of store.scan(kind, MAX_EXISTING))
    for (const item of batch) out.push({ id: item.id, resource: item.resource });
  return out;
}

/** Whether no pull has finished yet (no snapshot): asked once an invocation. */
export async function firstPull(deps: PullRunnerDeps, context: InvocationContext): Promise<boolean> {
  context.first ??= (await deps.pullStore.get('snap:meta')) === undefined;
  return context.first;
}
