/** The PATCH entry points of the SCIM core (RFC 7644 section 3.5.2), as the service imports them. */
export { applyPatch, type PatchResult } from './apply-patch';
export { MAX_PATCH_OPERATIONS, parsePatchRequest } from './parse-patch-request';
export type { PatchOpName, PatchOperation } from './patch-operation';
export { validateResource } from '../resource/validate-resource';
