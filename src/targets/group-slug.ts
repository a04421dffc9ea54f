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
 * is its own slug (`orgGroupNameFor`): the IdP group's displayName as a slug after the configured prefix, which
 * is also what an admin recognises on Bitbucket's permission pages. A hash is appended only when that name is
 * taken (`hashedOrgGroupNameFor`); which candidate a group gets is decided, and claimed for good, by
 * src/sync/org-group-names.ts before the group is created.
 */
import { createHash } from 'node:crypto';

/** Bitbucket's reported cut-off for group slugs. */
export const GROUP_SLUG_MAX_LENGTH = 62;

/** Hex digits of the hash suffix: 40 bits, so a clash among 10,000 lossy names has odds of about 1 in 20,000. */
const HASH_DIGITS = 10;

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

function hashSuffix(scimDisplayName: string, attempt: number): string {
  // UTF-16 code units, not UTF-8, so that even names with lone surrogates hash apart.
  const digest = createHash('sha256')
    .update(Buffer.from(attempt === 0 ? scimDisplayName : `${scimDisplayName}#${attempt}`, 'utf16le'))
    .digest('hex');
  return `h${digest.slice(0, HASH_DIGITS)}`;
}

function plainName(scimDisplayName: string, prefix: string): { name: string; slug: string } {
  const slug = sanitise(scimDisplayName);
  const name = [sanitise(prefix), slug]
    .filter((part) => part !== '')
    .join('-')
    .slice(0, GROUP_SLUG_MAX_LENGTH)
    .replace(/-+$/, '');
  return { name, slug };
}

/**
 * The name the app gives the org group of a SCIM group when nobody holds it: the prefix, then the displayName as a
 * slug (Unicode NFKD with accents stripped, lower case, every run of anything but `[a-z0-9]` one hyphen, no hyphen
 * at either end), at most 62 characters, so it is its own Bitbucket slug. A displayName with no slug-safe character
 * at all (`日本語`) has no readable name and gets the hashed one.
 */
export function orgGroupNameFor(scimDisplayName: string, prefix: string): string {
  const { name, slug } = plainName(scimDisplayName, prefix);
  return slug === '' ? hashedOrgGroupNameFor(scimDisplayName, prefix) : name;
}

/**
 * The name used when orgGroupNameFor's is taken: it with `-h<10 hex digits>` of a hash of the displayName appended
 * (cut so the whole stays within 62 characters); `attempt` 1, 2, … give further names should that one be taken too.
 */
export function hashedOrgGroupNameFor(scimDisplayName: string, prefix: string, attempt = 0): string {
  const { name } = plainName(scimDisplayName, prefix);
  const suffix = hashSuffix(scimDisplayName, attempt);
  const stem = (name === '' ? 'group' : name).slice(0, GROUP_SLUG_MAX_LENGTH - suffix.length - 1).replace(/-+$/, '');
  return `${stem}-${suffix}`;
}

/** The names a SCIM group may get, in the order they are tried: the readable one first, then hashed ones. */
export function orgGroupNameCandidates(scimDisplayName: string, prefix: string, hashed = 3): string[] {
  const names = [orgGroupNameFor(scimDisplayName, prefix)];
  for (let attempt = 0; attempt < hashed; attempt += 1)
    names.push(hashedOrgGroupNameFor(scimDisplayName, prefix, attempt));
  return [...new Set(names)];
}
