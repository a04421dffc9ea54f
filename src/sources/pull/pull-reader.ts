/**
 * What a pull source implements (the seam for a Google, Graph or Okta pull): reading the IdP page by page into
 * staged chunks, resumable from a JSON cursor across invocations, and assembling the complete picture from what it
 * staged once every page was read. The pull (pull-runner.ts) plans and writes only after `read` said it is done.
 */
import type { PullFindings, SourceGroup, SourceUser } from '../directory-source';

/** Staged records of the current run, by kind (a reader's own letters). */
export interface Stage {
  /** Adds records of `kind`; a full chunk is written at once, the rest at the latest when the invocation saves its progress. */
  append(kind: string, items: readonly unknown[]): Promise<void>;
  /** Every record of `kind` staged so far in this run, in order. */
  all<T>(kind: string): Promise<T[]>;
}

/** The complete picture of a source. */
export interface PulledDirectory {
  readonly users: readonly SourceUser[];
  readonly groups: readonly SourceGroup[];
  readonly findings: PullFindings;
}

/** A pull source. */
export interface PullReader {
  /**
   * Reads on from `cursor` (undefined at the start) while `canCall` allows another remote call; returns the cursor to
   * resume from and whether every page of every selected source has now been read. Throws the source's error on a
   * failure; what was staged before it stays, and the same cursor resumes.
   */
  read(
    cursor: unknown,
    stage: Stage,
    canCall: () => boolean,
  ): Promise<{ readonly cursor: unknown; readonly done: boolean }>;
  /** The picture the staged records give (called only after `read` answered done). */
  assemble(stage: Stage): Promise<PulledDirectory>;
}
