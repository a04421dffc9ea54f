/**
 * What an access review flags (issue 17, "Flags"): leavers (deactivated or deleted in the IdP) who still hold
 * access, workspace members with no IdP identity (orphans), grants made by hand on targets the rules manage, and
 * the app's grants changed by hand (drift, which the reconcile repairs); and the cross-check of the computed
 * levels against Bitbucket's own effective listing. Pure, over the computed entries and the inputs.
 */
import type { AccessEntry, AccessLevel, AccessPath, ReviewInputs, TargetRef } from './access-model';
import { levelRank, targetKeyOf } from './access-model';
import type { ComputedAccess } from './effective-access';
import type { LeaverFlag, OrphanFlag, HandMadeFlag, DriftFlag, CrossCheck } from '../shared/review-types';

/** The admin page's data (src/shared/review-types.ts), re-exported for the review's modules. */
export type { LeaverFlag, OrphanFlag, HandMadeFlag, DriftFlag, CrossCheck } from '../shared/review-types';

/** Every flag of a review. */
export interface ReviewFlags {
  readonly leavers: readonly LeaverFlag[];
  readonly orphans: readonly OrphanFlag[];
  readonly handMade: readonly HandMadeFlag[];
  readonly drift: readonly DriftFlag[];
  readonly crossCheck?: CrossCheck;
}

const MAX_MISMATCHES = 100;

function describe(path: AccessPath, target: TargetRef): string {
  const where = path.project !== undefined ? ` (project ${path.project})` : '';
  const group = path.groupSlug !== undefined ? ` ${path.groupSlug}` : '';
  return `${path.kind}${group} on ${target.type} ${target.id}${where}`;
}

function leavers(computed: ComputedAccess, inputs: ReviewInputs): LeaverFlag[] {
  const byAccount = new Map<string, AccessEntry[]>();
  for (const entry of computed.entries) {
    const list = byAccount.get(entry.accountId);
    if (list === undefined) byAccount.set(entry.accountId, [entry]);
    else list.push(entry);
  }
  const out: LeaverFlag[] = [];
  for (const person of computed.people) {
    const identity = person.identity;
    if (identity === undefined || identity.status === 'active') continue;
    let paths = 0;
    const other = new Set<string>();
    for (const entry of byAccount.get(person.accountId) ?? []) {
      for (const path of entry.paths) {
        if (path.kind === 'public') continue;
        paths += 1;
        if (path.kind !== 'project-user' && path.kind !== 'repository-user') other.add(describe(path, entry.target));
      }
    }
    if (paths === 0) continue;
    const directGrants = inputs.userGrants
      .filter((g) => g.accountId === person.accountId)
      .map((g) => ({ target: g.target, level: g.level }));
    out.push({
      accountId: person.accountId,
      displayName: person.displayName,
      identity,
      paths,
      directGrants,
      otherPaths: [...other].sort(),
    });
  }
  return out;
}

function orphans(computed: ComputedAccess): OrphanFlag[] {
  return computed.people
    .filter((p) => p.member && p.identity === undefined)
    .map((p) => ({ accountId: p.accountId, displayName: p.displayName, admin: p.admin }));
}

/** Targets the rules manage: those the rules ask a grant on, and those the app holds a grant on. */
function managedTargets(inputs: ReviewInputs): Set<string> {
  const managed = new Set(inputs.ruleGrants.map((r) => targetKeyOf(r.target)));
  for (const key of Object.keys(inputs.applied)) managed.add(key);
  return managed;
}

function handMade(inputs: ReviewInputs): HandMadeFlag[] {
  const managed = managedTargets(inputs);
  const groups = new Map(inputs.groups.map((g) => [g.slug, g]));
  const out: HandMadeFlag[] = [];
  for (const grant of inputs.groupGrants) {
    const key = targetKeyOf(grant.target);
    if (!managed.has(key)) continue;
    const madeByApp = groups.get(grant.groupSlug)?.madeByApp === true;
    // The app's own group with a grant the app's record holds is the app's (or drift), not hand-made.
    if (madeByApp && inputs.applied[key]?.[grant.groupSlug] !== undefined) continue;
    out.push({
      target: grant.target,
      principal: { type: 'group', slug: grant.groupSlug, madeByApp },
      level: grant.level,
    });
  }
  for (const grant of inputs.userGrants) {
    if (managed.has(targetKeyOf(grant.target)))
      out.push({ target: grant.target, principal: { type: 'user', accountId: grant.accountId }, level: grant.level });
  }
  return out;
}

function drift(inputs: ReviewInputs): DriftFlag[] {
  const actual = new Map(inputs.groupGrants.map((g) => [`${targetKeyOf(g.target)}|${g.groupSlug}`, g.level]));
  const exists = new Set([
    ...inputs.projects.map((p) => `project:${p.key}`),
    ...inputs.repositories.map((r) => `repository:${r.slug}`),
  ]);
  const out: DriftFlag[] = [];
  for (const key of Object.keys(inputs.applied).sort()) {
    // A deleted project or repository took the app's grants with it: nothing to repair.
    if (!exists.has(key)) continue;
    const at = key.indexOf(':');
    const target: TargetRef = {
      type: key.slice(0, at) === 'project' ? 'project' : 'repository',
      id: key.slice(at + 1),
    };
    for (const [slug, level] of Object.entries(inputs.applied[key] ?? {}).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      const now = actual.get(`${key}|${slug}`);
      if (now === level) continue;
      out.push(
        now === undefined
          ? { target, groupSlug: slug, applied: level }
          : { target, groupSlug: slug, applied: level, actual: now },
      );
    }
  }
  return out;
}

function crossCheck(computed: ComputedAccess, effective: NonNullable<ReviewInputs['effective']>): CrossCheck {
  const ours = new Map<string, AccessLevel>();
  for (const entry of computed.entries) {
    if (entry.target.type !== 'repository') continue;
    let best: AccessLevel | undefined;
    for (const path of entry.paths) {
      if (path.kind === 'public') continue;
      // Paths on a repository already carry repository levels (a project's create-repo arrives as write).
      if (best === undefined || levelRank('repository', path.level) > levelRank('repository', best)) best = path.level;
    }
    if (best !== undefined) ours.set(`${entry.target.id}|${entry.accountId}`, best);
  }
  const listed = new Map(effective.map((e) => [`${e.repository}|${e.accountId}`, e.level]));
  const keys = [...new Set([...ours.keys(), ...listed.keys()])].sort();
  const mismatches: CrossCheck['mismatches'][number][] = [];
  let mismatched = 0;
  for (const key of keys) {
    const mine = ours.get(key);
    const theirs = listed.get(key);
    if (mine === theirs) continue;
    mismatched += 1;
    if (mismatches.length >= MAX_MISMATCHES) continue;
    const [repository = '', accountId = ''] = key.split('|');
    mismatches.push({
      repository,
      accountId,
      ...(mine !== undefined ? { computed: mine } : {}),
      ...(theirs !== undefined ? { listed: theirs } : {}),
    });
  }
  return { compared: keys.length, mismatched, mismatches };
}

/** Computes every flag (and the cross-check when the inputs carry the effective listing). */
export function flagAccess(computed: ComputedAccess, inputs: ReviewInputs): ReviewFlags {
  return {
    leavers: leavers(computed, inputs),
    orphans: orphans(computed),
    handMade: handMade(inputs),
    drift: drift(inputs),
    ...(inputs.effective !== undefined ? { crossCheck: crossCheck(computed, inputs.effective) } : {}),
  };
}
