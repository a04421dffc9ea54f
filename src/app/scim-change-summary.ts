/**
 * What a SCIM write changed, in words an admin reads in the audit log: `active: true -> false` for a deactivation
 * (Entra's PATCH answers 204 without the resource, so the entry would otherwise say only `patch-user <uuid>`),
 * `userName: "a@x" -> "b@x"` for a rename, `members: +2 -1` for a group's membership change.
 */
import type { ScimObject } from '../scim/resource/types';

/** Attributes that are bookkeeping, not the IdP's change. */
const IGNORED = new Set(['id', 'meta', 'schemas', 'groups', 'members', 'password']);
const MAX_VALUE = 60;
const MAX_CHANGES = 6;

function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= MAX_VALUE ? text : `${text.slice(0, MAX_VALUE - 1)}…`;
}

/** The attributes that differ between two versions of a resource, as `name: before -> after`. */
export function attributeChanges(before: ScimObject | undefined, after: ScimObject | undefined): string[] {
  if (!before || !after) return [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((key) => !IGNORED.has(key))
    .sort((a, b) => (a === 'active' ? -1 : b === 'active' ? 1 : a.localeCompare(b)));
  const changes: string[] = [];
  for (const key of keys) {
    if (JSON.stringify(before[key]) === JSON.stringify(after[key])) continue;
    changes.push(`${key}: ${shown(before[key])} -> ${shown(after[key])}`);
  }
  return changes;
}

function countValues(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  return value === undefined || value === null ? 0 : 1;
}

/** Membership changes named by PATCH operations (RFC 7644 section 3.5.2), as `members: +N -M`. */
export function memberOperationSummary(operations: unknown): string | undefined {
  if (!Array.isArray(operations)) return undefined;
  let added = 0;
  let removed = 0;
  let replaced = false;
  for (const operation of operations) {
    if (typeof operation !== 'object' || operation === null) continue;
    const { op, path, value } = operation as { op?: unknown; path?: unknown; value?: unknown };
    const kind = typeof op === 'string' ? op.toLowerCase() : '';
    const target = typeof path === 'string' ? path.toLowerCase() : '';
    const onMembers =
      target.startsWith('members') ||
      (target === '' && typeof value === 'object' && value !== null && 'members' in value);
    if (!onMembers) continue;
    const values = target === '' ? (value as { members?: unknown }).members : value;
    if (kind === 'add') added += countValues(values);
    else if (kind === 'remove') removed += target.includes('[') ? 1 : Math.max(1, countValues(values));
    else if (kind === 'replace') replaced = true;
  }
  if (replaced) return 'members: replaced';
  if (added === 0 && removed === 0) return undefined;
  return `members: ${[added > 0 ? `+${added}` : '', removed > 0 ? `-${removed}` : ''].filter((part) => part !== '').join(' ')}`;
}

/** The one-line summary of a write: its attribute changes and membership changes, or undefined when it shows none. */
export function describeScimChange(
  before: ScimObject | undefined,
  after: ScimObject | undefined,
  operations: unknown,
): string | undefined {
  const parts = attributeChanges(before, after);
  const members = memberOperationSummary(operations);
  if (members) parts.push(members);
  if (parts.length === 0) return undefined;
  return parts.length > MAX_CHANGES
    ? `${parts.slice(0, MAX_CHANGES).join('; ')}; and ${parts.length - MAX_CHANGES} more`
    : parts.join('; ');
}

/** The last 4 characters of the bearer token a request presented (how the page names tokens), if any. */
export function presentedTokenSuffix(authorization: string | undefined): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] && match[1].length >= 8 ? match[1].slice(-4) : undefined;
}
