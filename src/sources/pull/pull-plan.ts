/**
 * What a complete pull must write to the directory: a pure comparison of the pulled picture with the snapshot of
 * what earlier pulls wrote (or, on the first pull after a switch of source, with the directory as SCIM left it,
 * matched by externalId, then by email for users and by name for groups). Equal fingerprints plan nothing, so an
 * unchanged pull writes nothing. Users who are suspended, archived or no longer selected are deactivated (never
 * deleted); whether those deactivations may run is the circuit breaker's decision, taken by the caller on their
 * count before any of them is written (`holdDeactivations`).
 */
import type { ScimObject } from '../../scim/resource/types';
import type { SourceGroup, SourceUser } from '../directory-source';
import { fingerprint, groupResource, membershipFingerprint, userResource } from './source-resources';
import type { GroupSnapshotEntry, UserSnapshotEntry } from './pull-store';

/** One planned directory write (or snapshot-only adoption). `s` is the source id, `d` the directory id. */
export type PullOp =
  | { readonly k: 'create-user'; readonly s: string; readonly u: SourceUser; readonly h: string; readonly a: 0 | 1 }
  | {
      readonly k: 'update-user';
      readonly s: string;
      readonly d: string;
      readonly u: SourceUser;
      readonly h: string;
      readonly a: 0 | 1;
      readonly deactivates: boolean;
    }
  | { readonly k: 'adopt-user'; readonly s: string; readonly d: string; readonly h: string; readonly a: 0 | 1 }
  | { readonly k: 'deactivate-user'; readonly s?: string; readonly d: string }
  | { readonly k: 'create-group'; readonly s: string; readonly r: ScimObject; readonly h: string }
  | { readonly k: 'update-group'; readonly s: string; readonly r: ScimObject; readonly h: string }
  | { readonly k: 'adopt-group'; readonly s: string; readonly d: string }
  | { readonly k: 'add-members'; readonly s: string; readonly ids: readonly string[] }
  | { readonly k: 'remove-members'; readonly s: string; readonly ids: readonly string[] }
  | {
      readonly k: 'group-done';
      readonly s: string;
      readonly h: string;
      readonly mh: string;
      readonly gen: string;
      readonly parts: number;
    }
  | { readonly k: 'delete-group'; readonly s?: string; readonly d: string };

/** A directory user or group as the first pull after a switch finds it. */
export interface ExistingResource {
  readonly id: string;
  readonly resource: ScimObject;
}

/** Members per add or remove operation: one updateGroup call stays well inside an invocation's 100 requests. */
export const MEMBERS_PER_OP = 50;

/** The user part of a plan. */
export interface UserPlan {
  readonly ops: PullOp[];
  /** How many of the ops take a user's access away (deactivations, suspensions). */
  readonly deactivations: number;
  readonly unchanged: number;
}

function activeOf(resource: ScimObject): boolean {
  return resource.active !== false;
}

function lower(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : '';
}

/**
 * Plans the users. `existing` is the directory's users, given only when there is no snapshot yet (the first pull
 * after choosing this source); they are matched by externalId (the source id), then by userName (the email).
 */
export function planUsers(
  users: readonly SourceUser[],
  snapshot: ReadonlyMap<string, UserSnapshotEntry>,
  existing: readonly ExistingResource[] | undefined,
): UserPlan {
  const ops: PullOp[] = [];
  let deactivations = 0;
  let unchanged = 0;
  const byExternalId = new Map<string, ExistingResource>();
  const byUserName = new Map<string, ExistingResource>();
  for (const item of existing ?? []) {
    if (typeof item.resource.externalId === 'string') byExternalId.set(item.resource.externalId, item);
    byUserName.set(lower(item.resource.userName), item);
  }
  const matched = new Set<string>();
  const seen = new Set<string>();
  for (const user of users) {
    seen.add(user.sourceId);
    const resource = userResource(user);
    const h = fingerprint(resource);
    const a = user.active ? 1 : 0;
    const known = snapshot.get(user.sourceId);
    if (known !== undefined) {
      if (known[1] === h) unchanged += 1;
      else {
        const deactivates = known[2] === 1 && !user.active;
        if (deactivates) deactivations += 1;
        ops.push({ k: 'update-user', s: user.sourceId, d: known[0], u: user, h, a, deactivates });
      }
      continue;
    }
    const found = byExternalId.get(user.sourceId) ?? byUserName.get(user.email.toLowerCase());
    if (found !== undefined && !matched.has(found.id)) {
      matched.add(found.id);
      if (fingerprint(found.resource) === h) ops.push({ k: 'adopt-user', s: user.sourceId, d: found.id, h, a });
      else {
        const deactivates = activeOf(found.resource) && !user.active;
        if (deactivates) deactivations += 1;
        ops.push({ k: 'update-user', s: user.sourceId, d: found.id, u: user, h, a, deactivates });
      }
      continue;
    }
    ops.push({ k: 'create-user', s: user.sourceId, u: user, h, a });
  }
  for (const [sourceId, entry] of snapshot) {
    if (seen.has(sourceId) || entry[2] === 0) continue;
    deactivations += 1;
    ops.push({ k: 'deactivate-user', s: sourceId, d: entry[0] });
  }
  for (const item of existing ?? []) {
    if (matched.has(item.id) || !activeOf(item.resource)) continue;
    deactivations += 1;
    ops.push({ k: 'deactivate-user', d: item.id });
  }
  return { ops, deactivations, unchanged };
}

/** The plan without the operations that take access away (the breaker holds them until an admin confirms). */
export function holdDeactivations(plan: UserPlan): UserPlan {
  const ops = plan.ops.filter((op) => op.k !== 'deactivate-user' && !(op.k === 'update-user' && op.deactivates));
  return { ops, deactivations: 0, unchanged: plan.unchanged };
}

/** A desired group with its members as directory user ids. */
export interface DesiredGroup {
  readonly source: SourceGroup;
  readonly memberIds: readonly string[];
}

/** One group's operations, and the member set to save under the run's generation (undefined when unchanged). */
export interface GroupPlan {
  readonly ops: PullOp[];
  readonly memberSet: readonly string[] | undefined;
}

function batches(ids: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += MEMBERS_PER_OP) out.push(ids.slice(i, i + MEMBERS_PER_OP));
  return out;
}

/**
 * Plans one group. `known` is its snapshot entry; without one, `match` is the directory group the first pull after a
 * switch adopts (matched by externalId, then displayName). `current` gives the group's present member ids. With
 * `keepMembers`, no member is removed (deactivations are held: people about to lose access keep their groups until
 * the admin confirms).
 */
export async function planGroup(
  { source, memberIds }: DesiredGroup,
  known: GroupSnapshotEntry | undefined,
  match: ExistingResource | undefined,
  current: (dirId: string) => Promise<readonly string[]>,
  generation: string,
  keepMembers: boolean,
): Promise<GroupPlan> {
  const ops: PullOp[] = [];
  const resource = groupResource(source);
  const h = fingerprint(resource);
  const mh = membershipFingerprint(memberIds);
  let dirId: string | undefined = known?.[0];
  let resourceChanged: boolean;
  if (known !== undefined) {
    if (known[1] === h && known[2] === mh) return { ops, memberSet: undefined };
    resourceChanged = known[1] !== h;
  } else if (match !== undefined) {
    dirId = match.id;
    ops.push({ k: 'adopt-group', s: source.sourceId, d: match.id });
    resourceChanged = fingerprint(match.resource) !== h;
  } else {
    ops.push({ k: 'create-group', s: source.sourceId, r: resource, h });
    resourceChanged = false;
  }
  if (resourceChanged) ops.push({ k: 'update-group', s: source.sourceId, r: resource, h });
  const before = dirId === undefined ? [] : await current(dirId);
  const wanted = new Set(memberIds);
  const present = new Set(before);
  for (const ids of batches(memberIds.filter((id) => !present.has(id))))
    ops.push({ k: 'add-members', s: source.sourceId, ids });
  if (!keepMembers)
    for (const ids of batches(before.filter((id) => !wanted.has(id))))
      ops.push({ k: 'remove-members', s: source.sourceId, ids });
  const memberSet = keepMembers ? [...new Set([...memberIds, ...before])] : [...memberIds];
  ops.push({ k: 'group-done', s: source.sourceId, h, mh: membershipFingerprint(memberSet), gen: generation, parts: 0 });
  return { ops, memberSet };
}

/** Deletes a group the source no longer names: its members leave in bounded batches first, so the delete stays small. */
export function planGroupDelete(sourceId: string | undefined, dirId: string, members: readonly string[]): PullOp[] {
  const s = sourceId ?? `dir:${dirId}`;
  return [
    ...batches(members).map((ids): PullOp => ({ k: 'remove-members', s, ids })),
    { k: 'delete-group', ...(sourceId !== undefined ? { s: sourceId } : {}), d: dirId },
  ];
}
