/**
 * How a collection's roster is laid out in the `scim-roster` entity (manifest.yml): per kind an index record, full
 * numbered shards of SHARD_CAPACITY ids (fewer after deletes) and one open shard, the tail, under a fixed key, so an
 * append reads the index and the tail in one batch get (roster.ts). Keys, stored forms and their decoding live here.
 */
import type { ResourceKind } from '../../directory/directory-store';

/**
 * Ids per roster shard: 150 UUIDs serialise to about 6 KB, so reading a shard costs one 10 KB quota unit, an
 * append's one read (index and tail) stays one unit up to ~10,000 resources and two at 100,000, and a create's
 * transaction (record, claim, outbox entry, tail and index) stays near one write unit (DAC `/limits-kvs-ce`).
 */
export const SHARD_CAPACITY = 150;

/** The custom entity the rosters are stored in (manifest.yml). */
export const ROSTER_ENTITY = 'scim-roster';

/** A roster record: a version that every write of it bumps (the condition of the next write) and a body. */
export interface RosterRecord<T> {
  version: number;
  body: T;
}

/** A shard or the tail: ids in roster order. */
export type Shard = RosterRecord<{ ids: string[] }>;

/** The index as the code uses it: the numbered shards in roster order, the next shard number, the tail's size. */
export interface RosterIndex {
  shards: { n: number; count: number }[];
  next: number;
  /** Ids in the tail record; undefined for an index written before the tail existed (migrated on the next append). */
  tail: number | undefined;
}

/**
 * The stored form of a RosterIndex: shard numbers and counts as one flat list of pairs, about 8 bytes a shard, so
 * the index of 100,000 resources is about 5.3 KB; `t` is the tail's size (absent in an index of the old layout,
 * where the last numbered shard was the open one).
 */
export interface StoredRosterIndex {
  s: number[];
  next: number;
  t?: number;
}

/** One stretch of the roster order: a numbered shard or the tail, with its key and how many ids it holds. */
export interface Segment {
  key: string;
  count: number;
}

/** The index of an empty roster. */
export const EMPTY_INDEX: RosterIndex = { shards: [], next: 0, tail: 0 };

/** Decodes a stored index (an absent one is the empty roster). */
export function decodeRosterIndex(body: StoredRosterIndex | undefined): RosterIndex {
  if (!body) return EMPTY_INDEX;
  const shards: { n: number; count: number }[] = [];
  for (let i = 0; i + 1 < body.s.length; i += 2) shards.push({ n: body.s[i] ?? 0, count: body.s[i + 1] ?? 0 });
  return { shards, next: body.next, tail: body.t };
}

/** Encodes an index for storage; an index always leaves here in the tail layout. */
export function encodeRosterIndex(index: RosterIndex): StoredRosterIndex {
  return { s: index.shards.flatMap((shard) => [shard.n, shard.count]), next: index.next, t: index.tail ?? 0 };
}

/** The key of a collection's index record. */
export function rosterIndexKey(kind: ResourceKind): string {
  return `${kind.toLowerCase()}.index`;
}

/** The key of a collection's numbered shard `n`. */
export function rosterShardKey(kind: ResourceKind, n: number): string {
  return `${kind.toLowerCase()}.shard.${n}`;
}

/** The key of a collection's tail, the open shard that appends go to. */
export function rosterTailKey(kind: ResourceKind): string {
  return `${kind.toLowerCase()}.tail`;
}

/** The roster order as segments: the numbered shards, then the tail when it holds ids. */
export function segmentsOf(kind: ResourceKind, index: RosterIndex): Segment[] {
  const segments = index.shards.map((shard) => ({ key: rosterShardKey(kind, shard.n), count: shard.count }));
  if ((index.tail ?? 0) > 0) segments.push({ key: rosterTailKey(kind), count: index.tail ?? 0 });
  return segments;
}

/** How many resources the roster lists. */
export function totalOf(index: RosterIndex): number {
  return index.shards.reduce((sum, shard) => sum + shard.count, index.tail ?? 0);
}
