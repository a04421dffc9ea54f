/**
 * The one place that answers "which Bitbucket `group_slug` does an organization group have", and the names
 * the app gives the groups it creates.
 *
 * ASSUMPTION (open question, docs/notes/atlassian-admin-api.md section 9): no document says how a group created
 * through the Admin API is addressed in Bitbucket's `permissions-config`. Bitbucket describes a group's
 * `slug` only as "the 'sluggified' version of the group's name … only ASCII characters"
 * (bitbucket-cloud-openapi.json, schema `group`), and slugs are reported to be cut at 62 characters
 * (docs/notes/bitbucket-api.md section 2). This module assumes the slug is the name with accents folded away
 * (Unicode NFKD, combining marks dropped), lower-cased, every run of other characters turned into one
 * hyphen, hyphens trimmed from both ends, and cut to 62 characters. The emulators assume the same rule
 * (`slugifyGroupName` in emulators/bitbucket/bitbucket-state.ts); a test keeps the two equal. When a live
 * workspace shows the real rule, or the slug has to be looked up instead, this file is what changes.
 *
 * To make the assumption matter as little as possible, the app names its groups so that the name already
 * is its own slug (`orgGroupNameFor`).
 */
import { createHash } from 'node:crypto';

/** Bitbucket's reported cut-off for group slugs. */
export const GROUP_SLUG_MAX_LENGTH = 62;

/** Hex digits of the hash suffix: 40 bits, so a clash among 10,000 lossy names has odds of about 1 in 20,000. */
const HASH_DIGITS = 10;

/** The form of the hash suffix; a name that merely looks like it is given a real one, so the two never meet. */
const HASH_SUFFIX = new RegExp(`-h[0-9a-f]{${HASH_DIGITS}}$`);

/** Accents folded, lower-cased, runs of anything but `[a-z0-9]` made one hyphen, no hyphen at either end. */
function sanitise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The `group_slug` Bitbucket is assumed to give an organization group of this name (see the module comment). */
export function groupSlugFor(orgGroupName: string): string {
  return sanitise(orgGroupName).slice(0, GROUP_SLUG_MAX_LENGTH).replace(/-+$/, '');
}

function hashSuffix(scimDisplayName: string): string {
  // UTF-16 code units, not UTF-8, so that even names with lone surrogates hash apart.
  const digest = createHash('sha256').update(Buffer.from(scimDisplayName, 'utf16le')).digest('hex');
  return `h${digest.slice(0, HASH_DIGITS)}`;
}

/**
 * The organization group name the app creates for a SCIM group: `prefix-name`, lower-case ASCII letters,
 * digits and single hyphens, at most 62 characters, so that it is its own Bitbucket slug. When sanitising
 * changes the SCIM name (case, spaces, accents, other scripts) or the result is too long, a stable hash of
 * the SCIM name is appended as `-h<10 hex digits>`; names that come through unchanged never end that way,
 * so two different SCIM names get different group names (barring a 40-bit hash clash between two lossy ones).
 */
export function orgGroupNameFor(scimDisplayName: string, prefix: string): string {
  const name = sanitise(scimDisplayName);
  const plain = [sanitise(prefix), name].filter((part) => part !== '').join('-');
  // Case is not information here: SCIM group displayNames are unique case-insensitively in this app, so
  // "Engineering" and "engineering" can never both exist and lower-casing alone needs no hash.
  const lossless = name !== '' && name === scimDisplayName.toLowerCase() && plain.length <= GROUP_SLUG_MAX_LENGTH && !HASH_SUFFIX.test(plain);
  if (lossless) return plain;
  const suffix = hashSuffix(scimDisplayName);
  const stem = (plain === '' ? 'group' : plain).slice(0, GROUP_SLUG_MAX_LENGTH - suffix.length - 1).replace(/-+$/, '');
  return `${stem}-${suffix}`;
}
