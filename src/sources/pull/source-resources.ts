/**
 * How a pulled user or group becomes a directory resource: the canonical SCIM shape (RFC 7643 sections 4.1 and 4.2)
 * a SCIM IdP would have sent, normalised by the SCIM core exactly as a POST body is, so the engine reads it the same way: userName and the primary work email are the
 * source's email, externalId its stable id, `active` false for a suspended or archived user. The fingerprint of a
 * resource says whether a pull must write it: equal fingerprints, no write.
 */
import { createHash } from 'node:crypto';
import { profileNamed } from '../../scim/profile';
import { normalizeResource } from '../../scim/resource/normalize-resource';
import type { ScimObject } from '../../scim/resource/types';
import { groupResourceType, userResourceType } from '../../scim/schema/registry';
import { GROUP_SCHEMA, USER_SCHEMA } from '../../scim/schema/urns';
import type { SourceGroup, SourceUser } from '../directory-source';

const STRICT = profileNamed('strict-rfc');

/** The directory resource of a pulled user. */
export function userResource(user: SourceUser): ScimObject {
  const formatted = `${user.givenName} ${user.familyName}`.trim();
  return normalizeResource(
    {
      schemas: [USER_SCHEMA],
      userName: user.email,
      externalId: user.sourceId,
      ...(user.givenName !== '' || user.familyName !== ''
        ? { name: { givenName: user.givenName, familyName: user.familyName, formatted } }
        : {}),
      displayName: formatted === '' ? user.email : formatted,
      emails: [{ value: user.email, type: 'work', primary: true }],
      active: user.active,
    },
    userResourceType,
    STRICT,
  ).resource;
}

/** The directory resource of a pulled group (members travel beside it, as for SCIM). */
export function groupResource(group: Pick<SourceGroup, 'sourceId' | 'name'>): ScimObject {
  return normalizeResource(
    {
      schemas: [GROUP_SCHEMA],
      displayName: group.name === '' ? group.sourceId : group.name,
      externalId: group.sourceId,
    },
    groupResourceType,
    STRICT,
  ).resource;
}

/** A short, stable fingerprint of a JSON value (12 base64url characters of SHA-256). */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 12);
}

/** The fingerprint of a membership: the member ids, order-independent. */
export function membershipFingerprint(memberIds: readonly string[]): string {
  return fingerprint([...memberIds].sort());
}
