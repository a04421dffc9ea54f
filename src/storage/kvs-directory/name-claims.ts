/**
 * Uniqueness claims of User userName and Group displayName in the KVS directory store: one `scim-claim` record
 * per name, keyed by a hash of the name's uniqueness key (NFC, case folded: src/scim/resource/name-text.ts) and
 * taken in the write's own transaction. Records written before names were compared in NFC hold a claim keyed by
 * the lower-cased name only; a write that touches such a name moves its claim to the current key.
 */
import { createHash } from 'node:crypto';
import { DirectoryError, type ResourceKind } from '../../directory/directory-store';
import { uniquenessKey } from '../../scim/resource/name-text';
import type { ForgeKvs } from '../kvs-port';
import { absent, batchGet, type Write } from './transactions';

/** The KVS custom entity of the claims (manifest.yml). */
export const CLAIM_ENTITY = 'scim-claim';

/** A claim write the store puts in its transaction: `set` only while no record exists, `delete` of one this resource owns. */
export type ClaimWrite = { readonly kind: 'set' | 'delete'; readonly key: string };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The value the name indexes (`userNameKey`, `displayNameKey`) hold, and lookups compare with. */
export function nameIndexValue(name: string): string {
  return uniquenessKey(name);
}

/** The index value a record stored before NFC comparison holds: the lower-cased name as sent. */
export function legacyNameIndexValue(name: string): string {
  return name.toLowerCase();
}

/** The key of the claim on `name`. */
export function claimKey(kind: ResourceKind, name: string): string {
  return `${kind.toLowerCase()}.${sha256(nameIndexValue(name))}`;
}

function legacyClaimKey(kind: ResourceKind, name: string): string {
  return `${kind.toLowerCase()}.${sha256(legacyNameIndexValue(name))}`;
}

/** The keys a claim on `name` may be held under: the current one, and the lower-cased name's of an older record. */
export function claimKeysOf(kind: ResourceKind, name: string): string[] {
  return [...new Set([claimKey(kind, name), legacyClaimKey(kind, name)])];
}

/** The claims to read before a change of a resource's name from `before` to `after` (undefined: created or deleted). */
export function claimKeysToRead(kind: ResourceKind, before: string | undefined, after: string | undefined): string[] {
  if (before === undefined) return after === undefined ? [] : [claimKey(kind, after)];
  const held = [claimKey(kind, before), legacyClaimKey(kind, before)];
  // The common case reads nothing: the name keeps its key and the claim was never under another one.
  if (after !== undefined && held[0] === claimKey(kind, after) && held[0] === held[1]) return [];
  return [...new Set([...held, ...(after === undefined ? [] : [claimKey(kind, after)])])];
}

/**
 * The claim writes of a name change, given the claims `claimKeysToRead` named as read: the claim on `after` is
 * taken unless the resource holds it already, and the claims it holds on `before` under other keys are released.
 * A claim some other resource owns is never deleted; taking one makes the transaction fail, and the store reports
 * a uniqueness conflict.
 */
export function planClaimChange(
  kind: ResourceKind,
  id: string,
  before: string | undefined,
  after: string | undefined,
  claims: ReadonlyMap<string, { readonly owner: string }>,
): ClaimWrite[] {
  const keys = claimKeysToRead(kind, before, after);
  if (keys.length === 0) return [];
  const target = after === undefined ? undefined : claimKey(kind, after);
  const writes: ClaimWrite[] = [];
  for (const key of keys) {
    if (key !== target && claims.get(key)?.owner === id) writes.push({ kind: 'delete', key });
  }
  if (target !== undefined && claims.get(target)?.owner !== id) writes.push({ kind: 'set', key: target });
  return writes;
}

/** The transaction write that takes the claim `key` for `owner`; it fails when the claim exists already. */
export function takeClaim(key: string, owner: string): Write {
  return { kind: 'set', key, entityName: CLAIM_ENTITY, value: { owner }, condition: absent('owner') };
}

/** The claim writes of a name change (planClaimChange), reading the claims involved only when a key changes. */
export async function claimChange(
  kvs: ForgeKvs,
  kind: ResourceKind,
  id: string,
  before: string,
  after: string | undefined,
): Promise<Write[]> {
  const keys = claimKeysToRead(kind, before, after);
  if (keys.length === 0) return [];
  const claims = await batchGet<{ owner: string }>(kvs, CLAIM_ENTITY, keys);
  return planClaimChange(kind, id, before, after, claims).map((write): Write =>
    write.kind === 'delete' ? { kind: 'delete', key: write.key, entityName: CLAIM_ENTITY } : takeClaim(write.key, id),
  );
}

/** Throws a uniqueness DirectoryError when a resource other than `owner` holds the claim `key` on `value`. */
export async function assertClaimFree(
  kvs: ForgeKvs,
  kind: ResourceKind,
  key: string,
  owner: string,
  value: string,
): Promise<void> {
  const claim = await kvs.entity<{ owner: string }>(CLAIM_ENTITY).get(key);
  if (claim && claim.owner !== owner) {
    const attribute = kind === 'User' ? 'userName' : 'displayName';
    throw new DirectoryError('uniqueness', `${attribute} "${value}" is already in use`);
  }
}
