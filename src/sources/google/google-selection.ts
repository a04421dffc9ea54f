/**
 * What an admin chooses to pull from Google Workspace: which users (every user, the users below chosen org units, or
 * the members of one Google group, nested groups included) and which groups (all, a list by email, or a pattern on
 * name or email with `*` and `?`). Checked when saved, so a pull never runs on a selection it cannot read.
 */
import type { GroupSelection, GoogleSelection } from '../../shared/source-types';

/** The admin page's data (src/shared/source-types.ts), re-exported for the source's modules. */
export type { UserSelection, GroupSelection, GoogleSelection } from '../../shared/source-types';

/** Every user and every group. */
export const SELECT_EVERYTHING: GoogleSelection = { users: { kind: 'all' }, groups: { kind: 'all' } };

/** Problems with a selection (empty when it can be used). */
export function selectionProblems(selection: GoogleSelection): string[] {
  const problems: string[] = [];
  const users = selection.users;
  if (users.kind === 'org-units') {
    if (users.paths.length === 0) problems.push('users.paths: name at least one org unit');
    for (const path of users.paths)
      if (!/^\/[^']*$/.test(path))
        problems.push(
          `users.paths: ${JSON.stringify(path)} is not an org unit path (it starts with / and has no quote)`,
        );
  } else if (users.kind === 'group' && !/^[^@\s]+@[^@\s]+$/.test(users.email))
    problems.push('users.email: not a group email');
  const groups = selection.groups;
  if (groups.kind === 'list' && groups.emails.length === 0) problems.push('groups.emails: name at least one group');
  if (groups.kind === 'pattern' && groups.pattern.trim() === '') problems.push('groups.pattern: empty');
  return problems;
}

/** Whether a glob (`*` any run, `?` one character; case-insensitive) matches the whole text. */
export function globMatches(pattern: string, text: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(text.toLowerCase());
}

/** Whether a group is selected. */
export function groupSelected(
  selection: GroupSelection,
  group: { readonly id: string; readonly email: string; readonly name: string },
): boolean {
  switch (selection.kind) {
    case 'all':
      return true;
    case 'list':
      return selection.emails.some((e) => e.toLowerCase() === group.email.toLowerCase() || e === group.id);
    case 'pattern':
      return globMatches(selection.pattern, group.name) || globMatches(selection.pattern, group.email);
  }
}
