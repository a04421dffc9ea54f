/**
 * What changed between two reviews ("what changed since the last review"): per person and target, access gained,
 * access lost, and access whose level or paths changed (a new path, a path gone, another level or origin). Pure.
 */
import type { AccessEntry, AccessPath } from './access-model';
import { targetKeyOf } from './access-model';
import type { AccessReview } from './review-core';
import type { AccessChange } from '../shared/review-types';

/** The admin page's data (src/shared/review-types.ts), re-exported for the review's modules. */
export type { AccessChange } from '../shared/review-types';

function keyOf(entry: AccessEntry): string {
  return `${targetKeyOf(entry.target)}|${entry.accountId}`;
}

function pathsEqual(a: readonly AccessPath[], b: readonly AccessPath[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every change from `before` to `after`, ordered by target, then person. */
export function diffReviews(before: AccessReview, after: AccessReview): AccessChange[] {
  const old = new Map(before.entries.map((e) => [keyOf(e), e]));
  const now = new Map(after.entries.map((e) => [keyOf(e), e]));
  const keys = [...new Set([...old.keys(), ...now.keys()])].sort();
  const out: AccessChange[] = [];
  for (const key of keys) {
    const a = old.get(key);
    const b = now.get(key);
    if (a !== undefined && b !== undefined) {
      if (a.level === b.level && pathsEqual(a.paths, b.paths)) continue;
      out.push({
        change: 'changed',
        accountId: a.accountId,
        target: a.target,
        before: { level: a.level, paths: a.paths },
        after: { level: b.level, paths: b.paths },
      });
    } else if (a !== undefined) {
      out.push({
        change: 'removed',
        accountId: a.accountId,
        target: a.target,
        before: { level: a.level, paths: a.paths },
      });
    } else if (b !== undefined) {
      out.push({
        change: 'added',
        accountId: b.accountId,
        target: b.target,
        after: { level: b.level, paths: b.paths },
      });
    }
  }
  return out;
}
