/**
 * The stored shape of SCIM resources: canonical attribute names, extensions nested under their URN, and no
 * server-managed or read-only data. Group membership travels beside the resource, never inside it.
 */
import type { MemberRef, MembershipChange, ScimObject } from '../../directory/directory-store';
import type { Filter } from '../filter/ast';

/** The directory owns the stored shapes (src/directory/directory-store.ts); the SCIM core reads and writes them. */
export type { MemberRef, ScimObject };

/** A POST or PUT body after normalisation; `members` is present only for Groups whose body carried the attribute. */
export interface NormalizedResource {
  readonly resource: ScimObject;
  readonly members?: readonly MemberRef[];
}

/**
 * One change to a group's membership as a PATCH request states it, in request order: the directory's
 * MembershipChange, except that a filtered remove (`members[display eq "x"]`, RFC 7644 section 3.5.2.2) still
 * carries its filter; the service turns it into the directory's member predicate (filter/member-predicate.ts).
 */
export type MemberChange =
  | Exclude<MembershipChange, { readonly kind: 'removeWhere' }>
  | { readonly kind: 'removeWhere'; readonly filter: Filter };
