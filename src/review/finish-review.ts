/**
 * The last step of a review: computes it from everything the run read (with the permission record and the rules' grants
 * read now), stores it as a snapshot, closes the run and drops the effective listing's log.
 */
import type { AppKnowledge } from './app-knowledge';
import { reviewAccess, summarize } from './review-core';
import type { ReviewRecord } from './review-records';
import { inputsFromRecords, ruleRecord } from './review-records';
import type { RunState } from './review-run';
import type { SnapshotMeta } from './review-snapshot';
import type { ReviewStore } from './review-store';
import { ruleGrantsOf } from './rule-origins';

/** What finishing a review uses. */
export interface FinishDeps {
  readonly store: ReviewStore;
  readonly knowledge: AppKnowledge;
  readonly now: () => Date;
}

/** Computes the review from everything read, stores it as a snapshot and closes the run. */
export async function finishReview(start: RunState, deps: FinishDeps): Promise<SnapshotMeta> {
  const store = deps.store;
  const records: ReviewRecord[] = [];
  for await (const record of store.records(start.id, 'inputs', start.logs.inputs)) records.push(record);
  const partial = inputsFromRecords(records);
  const [permission, rules] = await Promise.all([deps.knowledge.permissions(), deps.knowledge.rules()]);
  const groups = Object.entries(start.appGroups).map(([groupSlug, g]) => ({ displayName: g.displayName, groupSlug }));
  const final: ReviewRecord[] = [
    ['applied', permission.applied],
    ...ruleGrantsOf(rules, groups, partial.projects, partial.repositories).map(ruleRecord),
  ];
  const run = await store.append(start, { inputs: final });
  const effective: ReviewRecord[] = [];
  for await (const record of store.records(run.id, 'eff', run.logs.eff)) effective.push(record);
  const inputs = inputsFromRecords([...records, ...final, ...effective]);
  const review = reviewAccess(inputs);
  const finishedAt = deps.now().toISOString();
  const meta: SnapshotMeta = {
    id: run.id,
    scope: run.scope,
    startedAt: run.startedAt,
    finishedAt,
    ...(run.startedBy !== undefined ? { startedBy: run.startedBy } : {}),
    inputs: run.logs.inputs,
    summary: summarize(review, inputs),
    ...(review.flags.crossCheck !== undefined ? { crossCheck: review.flags.crossCheck } : {}),
    ...(run.crossCheckSkipped !== undefined ? { crossCheckSkipped: run.crossCheckSkipped } : {}),
    requests: {
      bitbucket: run.counts.bitbucketRequests,
      lowerBound: run.counts.lowerBound,
      admin: run.counts.adminRequests,
      steps: run.counts.steps,
    },
  };
  const { waiting: _waiting, ...closed } = run;
  await store.addSnapshot(meta, { ...closed, status: 'done', finishedAt });
  await store.deleteLog(run.id, 'eff', run.logs.eff);
  return meta;
}
