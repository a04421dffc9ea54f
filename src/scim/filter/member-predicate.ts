/**
 * The directory's `removeWhere` predicate, built from the member filter of a PATCH path (`members[display eq "x"]`,
 * RFC 7644 section 3.5.2.2), so the directory store applies SCIM filter semantics without knowing SCIM filters.
 */
import type { MemberPredicate } from '../../directory/directory-store';
import { groupResourceType } from '../schema/registry';
import type { Filter } from './ast';
import { compileFilter } from './evaluate-filter';

/** Compiles a member filter once into a test of one stored member, as `members[<filter>]` of a Group evaluates it. */
export function memberPredicate(filter: Filter): MemberPredicate {
  const matches = compileFilter({ kind: 'valuePath', path: 'members', filter }, groupResourceType);
  return (member) => matches({ members: [member] });
}
