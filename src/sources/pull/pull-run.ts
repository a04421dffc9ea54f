/**
 * A pull's run between invocations: its record (`pull:run`), what an invocation reports, and what the runner needs
 * (the directory, the pull store, the source, the circuit breaker and the call budget).
 */
import type { DirectoryStore } from '../../directory/directory-store';
import type { PullFindings } from '../directory-source';
import { emptyApplyCounts, type ApplyCounts } from './pull-apply';
import type { PullReader } from './pull-reader';
import type { StagedChunks } from './pull-stage';
import type { PullStore } from './pull-store';
import type { PullPhase, PullMode, PullSummary } from '../../shared/source-types';

/** The state of a run between invocations (the `pull:run` record). */
export interface PullRun {
  readonly v: 1;
  readonly id: string;
  readonly mode: PullMode;
  readonly trigger: string;
  readonly config: string;
  readonly startedAt: string;
  updatedAt: string;
  phase: PullPhase;
  cursor?: unknown;
  /** Chunks staged by kind: the reader's, and the plans `p1` (users) and `p2` (groups). */
  staged: StagedChunks;
  /** Where applying stands in the current plan's chunks. */
  plan: { chunk: number; op: number };
  /** Where group planning stands: the next desired group, then the deletions; first-pull matches taken so far. */
  groupPlan: { index: number; deletes: boolean; matched: string[] };
  counts: ApplyCounts;
  usersRead: number;
  groupsRead: number;
  unchangedUsers: number;
  unchangedGroups: number;
  held: number;
  breakerReason?: string;
  findings?: PullFindings;
  sample: string[];
  invocations: number;
  /** The last failure; the run resumes after it. */
  error?: { readonly kind: string; readonly message: string; readonly at: string };
}

/** A new run's record, in its read phase with nothing read, planned or applied. */
export function newPullRun(id: string, mode: PullMode, trigger: string, config: string, at: string): PullRun {
  return {
    v: 1,
    id,
    mode,
    trigger,
    config,
    startedAt: at,
    updatedAt: at,
    phase: 'read',
    staged: {},
    plan: { chunk: 0, op: 0 },
    groupPlan: { index: 0, deletes: false, matched: [] },
    counts: emptyApplyCounts(),
    usersRead: 0,
    groupsRead: 0,
    unchangedUsers: 0,
    unchangedGroups: 0,
    held: 0,
    sample: [],
    invocations: 0,
  };
}

/** The circuit breaker as a pull asks it: may `requested` deactivations among `totalUsers` run now? */
export interface PullGate {
  /** True to let them all run; false holds them all (and, unless `dryRun`, trips the breaker with `reason`). */
  admit(
    requested: number,
    totalUsers: number,
    dryRun: boolean,
  ): Promise<{ readonly allowed: boolean; readonly reason?: string }>;
}

/** What an invocation achieved. */
export type PullStepResult =
  | { readonly state: 'idle' }
  | { readonly state: 'more' }
  | { readonly state: 'done'; readonly summary: PullSummary }
  | { readonly state: 'waiting'; readonly retryAfterSeconds: number; readonly error: string };

/** What the runner needs. */
export interface PullRunnerDeps {
  readonly store: DirectoryStore;
  readonly pullStore: PullStore;
  /** The source, built from the stored configuration (its client and selection). */
  readonly reader: () => Promise<PullReader>;
  readonly gate: PullGate;
  /** Whether `calls` more outbound requests fit in this invocation (src/sync/call-budget.ts budgetAllows). */
  readonly canCall: (calls: number) => boolean;
  /** After an invocation wrote the directory: the sync dispatcher's kick. */
  readonly afterWrites?: () => Promise<void>;
  readonly now?: () => Date;
}
