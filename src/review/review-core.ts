/**
 * The access review as one pure function of its inputs: the entries (who reaches what, how, at which level), the
 * people with their IdP status, and the flags; and the two views the admin page asks for, by target and by person.
 */
import type { AccessEntry, ReviewInputs, TargetRef } from './access-model';
import { targetKeyOf } from './access-model';
import { computeAccess, type ReviewPerson } from './effective-access';
import { flagAccess, type ReviewFlags } from './review-flags';
import type { ReviewSummary } from '../shared/review-types';

/** A computed review. */
export interface AccessReview {
  readonly entries: readonly AccessEntry[];
  readonly people: readonly ReviewPerson[];
  readonly flags: ReviewFlags;
}

/** The admin page's data (src/shared/review-types.ts), re-exported for the review's modules. */
export type { ReviewSummary } from '../shared/review-types';

/** Computes the review of `inputs`. */
export function reviewAccess(inputs: ReviewInputs): AccessReview {
  const computed = computeAccess(inputs);
  return { entries: computed.entries, people: computed.people, flags: flagAccess(computed, inputs) };
}

/** The summary figures of a review. */
export function summarize(
  review: AccessReview,
  inputs: Pick<ReviewInputs, 'repositories' | 'projects'>,
): ReviewSummary {
  const { flags } = review;
  return {
    repositories: inputs.repositories.length,
    projects: inputs.projects.length,
    people: review.people.length,
    entries: review.entries.length,
    leavers: flags.leavers.length,
    orphans: flags.orphans.length,
    handMade: flags.handMade.length,
    drift: flags.drift.length,
    ...(flags.crossCheck !== undefined ? { crossCheckMismatches: flags.crossCheck.mismatched } : {}),
  };
}

/** Everyone who reaches `target`, highest level first, then by account. */
export function accessTo(review: AccessReview, target: TargetRef): AccessEntry[] {
  const key = targetKeyOf(target);
  return review.entries.filter((e) => targetKeyOf(e.target) === key);
}

/** Everything `accountId` reaches. */
export function accessOf(review: AccessReview, accountId: string): AccessEntry[] {
  return review.entries.filter((e) => e.accountId === accountId);
}
