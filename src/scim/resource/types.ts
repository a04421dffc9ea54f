/**
 * The stored shape of SCIM resources: canonical attribute names, extensions nested under their URN, and no
 * server-managed or read-only data. Group membership travels beside the resource, never inside it.
 */
import type { Filter } from '../filter/ast';

/** A SCIM JSON object whose keys are canonical attribute names (or extension URNs) from the attribute table. */
export type ScimObject = Record<string, unknown>;

/** One group member as a client named it (RFC 7643 section 4.2); `$ref` is derived by the service, never stored. */
export interface MemberRef {
  readonly value: string;
  readonly display?: string;
  readonly type?: string;
}

/** A POST or PUT body after normalisation; `members` is present only for Groups whose body carried the attribute. */
export interface NormalizedResource {
  readonly resource: ScimObject;
  readonly members?: readonly MemberRef[];
}

/**
 * One change to a group's membership, in request order. The membership store applies these; PATCH never edits
 * members inside the resource because large groups cannot live in one stored value.
 */
export type MemberChange =
  | { readonly kind: 'add'; readonly members: readonly MemberRef[] }
  | { readonly kind: 'remove'; readonly values: readonly string[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'replace'; readonly members: readonly MemberRef[] }
  | { readonly kind: 'removeWhere'; readonly filter: Filter };
