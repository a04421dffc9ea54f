/**
 * The stored form of a SCIM User or Group in the KVS directory store: one `scim-user` / `scim-group` record per
 * resource (manifest.yml), holding the resource with its timestamps, its version and the normalised values its lookup
 * indexes read, and staying well below Forge's 240 KiB value limit (DAC `/limits-kvs-ce`).
 */
import {
  DirectoryError,
  type LookupKey,
  type ResourceKind,
  type StoredResource,
  type WriteCondition,
} from '../../directory/directory-store';
import type { ScimObject } from '../../directory/directory-store';
import { nameIndexValue } from './name-claims';

/** Stored records stay well below the 240 KiB value limit, leaving room for the envelope. */
const MAX_RECORD_BYTES = 200 * 1024;

/** The KVS custom entity of each resource kind (manifest.yml). */
export const ENTITY = { User: 'scim-user', Group: 'scim-group' } as const;

interface Envelope {
  resource: ScimObject;
  created: string;
  lastModified: string;
}

/** A resource's record: the resource in its envelope, its version, and the attributes its indexes read. */
export interface ResourceRecord {
  userNameKey?: string;
  displayNameKey?: string;
  externalId?: string;
  workEmailKey?: string;
  version: number;
  doc: Envelope;
}

/** Forge KVS key rule (/limits-kvs-ce); ids this store issues are UUIDs, so an id outside it names nothing. */
const KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s\-#]{1,400}$/;

/** Whether `id` can be a KVS key at all; one that cannot names no stored resource. */
export function isStorableId(id: string): boolean {
  return KEY_PATTERN.test(id);
}

function lower(value: string): string {
  return value.toLowerCase();
}

/** The value that must be unique within the kind: a User's userName, a Group's displayName ('' when absent). */
export function uniqueValueOf(kind: ResourceKind, resource: ScimObject): string {
  const value = kind === 'User' ? resource.userName : resource.displayName;
  return typeof value === 'string' ? value : '';
}

function workEmailOf(resource: ScimObject): string | undefined {
  const emails = resource.emails;
  if (!Array.isArray(emails)) return undefined;
  const work = emails.filter(
    (e): e is Record<string, unknown> =>
      typeof e === 'object' && e !== null && typeof e.type === 'string' && lower(e.type) === 'work',
  );
  const chosen = work.find((e) => e.primary === true) ?? work[0];
  return typeof chosen?.value === 'string' ? nameIndexValue(chosen.value) : undefined;
}

/** The record of `resource` at `version`; throws a too-large DirectoryError when it would not fit a KVS value. */
export function toRecord(
  kind: ResourceKind,
  resource: ScimObject,
  version: number,
  created: string,
  lastModified: string,
): ResourceRecord {
  const record: ResourceRecord = { version, doc: { resource, created, lastModified } };
  const externalId = resource.externalId;
  if (typeof externalId === 'string' && externalId !== '') record.externalId = externalId;
  if (kind === 'User') {
    record.userNameKey = nameIndexValue(uniqueValueOf(kind, resource));
    const workEmail = workEmailOf(resource);
    if (workEmail) record.workEmailKey = workEmail;
  } else {
    record.displayNameKey = nameIndexValue(uniqueValueOf(kind, resource));
  }
  if (Buffer.byteLength(JSON.stringify(record)) > MAX_RECORD_BYTES) {
    throw new DirectoryError(
      'too-large',
      `The ${kind} is larger than the ${MAX_RECORD_BYTES / 1024} KiB a record may hold`,
    );
  }
  return record;
}

/** The port's view of a stored record. */
export function toStored(kind: ResourceKind, id: string, record: ResourceRecord): StoredResource {
  return {
    id,
    kind,
    version: record.version,
    created: record.doc.created,
    lastModified: record.doc.lastModified,
    resource: record.doc.resource,
  };
}

/** The index of the kind's entity that serves a lookup by `key` (manifest.yml), or undefined when none does. */
export function indexFor(kind: ResourceKind, key: LookupKey): string | undefined {
  if (key === 'externalId') return 'externalId';
  if (kind === 'User' && key === 'userName') return 'userNameKey';
  if (kind === 'User' && key === 'workEmail') return 'workEmailKey';
  if (kind === 'Group' && key === 'displayName') return 'displayNameKey';
  return undefined;
}

/** The record a write's `basis` describes when it is resource `kind` `id` (WriteCondition), else undefined. */
export function basisRecord(
  kind: ResourceKind,
  id: string,
  condition: WriteCondition | undefined,
): ResourceRecord | undefined {
  const basis = condition?.basis;
  if (!basis || basis.kind !== kind || basis.id !== id) return undefined;
  return toRecord(kind, basis.resource, basis.version, basis.created, basis.lastModified);
}

/** Throws a version-mismatch DirectoryError when the write's condition expects another version than `version`. */
export function checkCondition(version: number, condition: WriteCondition | undefined): void {
  if (condition?.expectedVersion !== undefined && condition.expectedVersion !== version) {
    throw new DirectoryError(
      'version-mismatch',
      `The resource is at version ${version}, not ${condition.expectedVersion}`,
    );
  }
}

/**
 * The plain key beside each user and group that says which it is, written and deleted in the resource's own
 * transaction (a few bytes, so 25 of them cost one read unit where 25 users cost several): what kindsOf reads.
 */
export function kindMarkerKey(id: string): string {
  return `dir-kind:${id}`;
}
