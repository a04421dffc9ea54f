/**
 * SCIM request bodies as an identity provider sends them (RFC 7643 §4.1 User, §4.2 Group; RFC 7644 §3.5.2
 * PatchOp), built in one place for the tests that push over the SCIM API. The URNs are spelled out here rather than
 * taken from src/, so a wrong constant in the app cannot pass its own tests.
 */

/** The core User schema (RFC 7643 §4.1). */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** The core Group schema (RFC 7643 §4.2). */
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** The PATCH message schema (RFC 7644 §3.5.2). */
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** An active user named `userName`; `extra` adds or overrides attributes. */
export function scimUser(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER_SCHEMA], userName, active: true, ...extra };
}

/** A group named `displayName`; `extra` adds attributes (members, externalId). */
export function scimGroup(displayName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [GROUP_SCHEMA], displayName, ...extra };
}

/** A PatchOp message with the given operations. */
export function patchOp(...operations: unknown[]): { schemas: string[]; Operations: unknown[] } {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** The PatchOp an IdP sends to deactivate a user. */
export function deactivation(): { schemas: string[]; Operations: unknown[] } {
  return patchOp({ op: 'replace', path: 'active', value: false });
}
