/**
 * A finished review as stored: its time, scope, figures and flags' counts, the cross-check, and where its input
 * records are; and the review recomputed from those records when the admin page asks for a view, export or diff
 * (cached per function instance, since a stored review never changes).
 */
import type { ReviewInputs } from './access-model';
import type { AccessReview } from './review-core';
import { reviewAccess } from './review-core';
import type { ReviewRecord } from './review-records';
import { inputsFromRecords } from './review-records';
import type { SnapshotMeta } from '../shared/review-types';

/** The admin page's data (src/shared/review-types.ts), re-exported for the review's modules. */
export type { SnapshotMeta } from '../shared/review-types';

/** A loaded review: its inputs and the review computed from them. */
export interface LoadedReview {
  readonly meta: SnapshotMeta;
  readonly inputs: ReviewInputs;
  readonly review: AccessReview;
}

const cache = new Map<string, LoadedReview>();
/** Reviews kept computed in memory (two: a diff needs both sides). */
const CACHED = 2;

/** Loads and computes a stored review, from the cache when this instance computed it already. */
export async function loadReview(
  meta: SnapshotMeta,
  records: (meta: SnapshotMeta) => AsyncIterable<ReviewRecord>,
): Promise<LoadedReview> {
  const cached = cache.get(meta.id);
  if (cached !== undefined) return cached;
  const all: ReviewRecord[] = [];
  for await (const record of records(meta)) all.push(record);
  const inputs = inputsFromRecords(all);
  const loaded = { meta, inputs, review: reviewAccess(inputs) };
  cache.set(meta.id, loaded);
  while (cache.size > CACHED) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return loaded;
}
