/** Validation of the PatchOp request message of RFC 7644 section 3.5.2. */
import { ScimError } from '../errors';
import type { PatchPath } from '../filter/ast';
import { parsePatchPath } from '../filter/parse-filter';
import type { ClientProfile } from '../profile';
import { isPlainObject } from '../resource/json-values';
import type { ResourceType } from '../schema/registry';
import { PATCH_OP } from '../schema/urns';
import type { PatchOpName, PatchOperation } from './patch-operation';
import { resolvePatchTarget } from './resolve-patch-target';

/** The most operations one PATCH request may carry; Entra batches members, but never beyond this. */
export const MAX_PATCH_OPERATIONS = 1000;

const OP_NAMES: readonly PatchOpName[] = ['add', 'replace', 'remove'];

/**
 * Validates a PATCH body and returns its operations. Message keys and `op` values match case-insensitively (Entra
 * sends `"Operations"` with `"op":"Replace"`); keys other than op/path/value inside an operation are ignored
 * (Microsoft's collection sends `"name":"addMember"`). Throws ScimError: invalidSyntax for a malformed message or an
 * unknown op, noTarget for a remove without path (RFC 7644 section 3.5.2.2), invalidValue for add/replace without
 * value (sections 3.5.2.1 and 3.5.2.3), invalidPath for a path that does not parse or resolve.
 */
export function parsePatchRequest(body: unknown, resourceType: ResourceType, profile: ClientProfile): PatchOperation[] {
  if (!isPlainObject(body))
    throw ScimError.invalidSyntax('The PATCH body must be a JSON object (RFC 7644 section 3.5.2).');
  let schemas: unknown;
  let operations: unknown;
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas') schemas = value;
    else if (lower === 'operations') operations = value;
  }
  const listsPatchOp =
    Array.isArray(schemas) &&
    schemas.some((urn) => typeof urn === 'string' && urn.toLowerCase() === PATCH_OP.toLowerCase());
  if (!listsPatchOp && !profile.tolerateMissingSchemas) {
    throw ScimError.invalidSyntax(`'schemas' must contain '${PATCH_OP}' (RFC 7644 section 3.5.2).`);
  }
  if (!Array.isArray(operations))
    throw ScimError.invalidSyntax("'Operations' must be a JSON array (RFC 7644 section 3.5.2).");
  if (operations.length === 0) throw ScimError.invalidSyntax("'Operations' must contain at least one operation.");
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw ScimError.invalidValue(
      `A PATCH request may carry at most ${MAX_PATCH_OPERATIONS} operations; this one has ${operations.length}.`,
    );
  }
  return operations.map((operation: unknown, index) => parseOperation(operation, index, resourceType, profile));
}

function parseOperation(
  raw: unknown,
  index: number,
  resourceType: ResourceType,
  profile: ClientProfile,
): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isPlainObject(raw)) throw ScimError.invalidSyntax(`${where} must be a JSON object.`);
  let opText: unknown;
  let pathText: unknown;
  let value: unknown;
  let hasValue = false;
  for (const [key, item] of Object.entries(raw)) {
    const lower = key.toLowerCase();
    if (lower === 'op') opText = item;
    else if (lower === 'path') pathText = item;
    else if (lower === 'value') {
      value = item;
      hasValue = true;
    }
  }
  const op = typeof opText === 'string' ? OP_NAMES.find((name) => name === opText.toLowerCase()) : undefined;
  if (!op) throw ScimError.invalidSyntax(`${where}.op must be "add", "replace" or "remove" (RFC 7644 section 3.5.2).`);
  let path: PatchPath | undefined;
  if (pathText !== undefined && pathText !== null) {
    if (typeof pathText !== 'string' || pathText.trim() === '')
      throw ScimError.invalidPath(`${where}.path must be a non-empty attribute path.`);
    path = parsePatchPath(pathText, { unquotedValues: profile.unquotedFilterValues });
    resolvePatchTarget(path, op, resourceType, profile, 'path');
  }
  if (op === 'remove' && !path)
    throw ScimError.noTarget(`${where}: a remove operation needs a path (RFC 7644 section 3.5.2.2).`);
  if (op !== 'remove' && !hasValue)
    throw ScimError.invalidValue(`${where}: the ${op} operation needs a value (RFC 7644 section 3.5.2).`);
  return { op, ...(path ? { path } : {}), ...(hasValue ? { value } : {}) };
}
