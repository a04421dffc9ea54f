/**
 * Applies PATCH operations (RFC 7644 section 3.5.2) to a stored resource. Pure and atomic: works on a copy and
 * returns only when every operation succeeded. Group membership edits come back as MemberChanges, in order.
 */
import { ScimError } from '../errors';
import { parsePatchPath } from '../filter/parse-filter';
import type { ClientProfile } from '../profile';
import { cloneJson, isPlainObject } from '../resource/json-values';
import { rejectUnknownAttribute } from '../resource/normalize-value';
import { withSchemaList } from '../resource/schema-list';
import type { MemberChange, ScimObject } from '../resource/types';
import { validateResource } from '../resource/validate-resource';
import type { SchemaDefinition } from '../schema/attribute';
import type { ResourceType } from '../schema/registry';
import { patchAttribute } from './patch-attribute';
import { memberChangeOf } from './patch-members';
import type { PatchOpName, PatchOperation } from './patch-operation';
import type { PatchSubject } from './patch-subject';
import { resolvePatchTarget, type PatchTarget, type TargetSource } from './resolve-patch-target';

/** The outcome of a PATCH: the new stored resource and the membership changes to apply, in request order. */
export interface PatchResult {
  readonly resource: ScimObject;
  readonly memberChanges: MemberChange[];
}

/**
 * Applies `operations` to `resource` without mutating it. Throws ScimError (and returns nothing) if any operation
 * is invalid, so callers can store the result as one atomic change (RFC 7644 section 3.5.2: all or nothing).
 */
export function applyPatch(
  resource: ScimObject,
  operations: readonly PatchOperation[],
  resourceType: ResourceType,
  profile: ClientProfile,
): PatchResult {
  const patcher = new Patcher(cloneJson(resource), resourceType, profile);
  for (const operation of operations) patcher.apply(operation);
  const result = withSchemaList(patcher.resource, resourceType);
  validateResource(result, resourceType);
  return { resource: result, memberChanges: patcher.memberChanges };
}

/** The working copy under edit: applies operations one at a time and collects the member changes in order. */
class Patcher implements PatchSubject {
  readonly memberChanges: MemberChange[] = [];

  constructor(
    readonly resource: ScimObject,
    readonly resourceType: ResourceType,
    readonly profile: ClientProfile,
  ) {}

  apply(operation: PatchOperation): void {
    if (!operation.path) {
      if (operation.op === 'remove')
        throw ScimError.noTarget('A remove operation needs a path (RFC 7644 section 3.5.2.2).');
      // RFC 7644 sections 3.5.2.1 and 3.5.2.3: without a path the value is an object of attributes to add or replace.
      if (!isPlainObject(operation.value))
        throw ScimError.invalidValue(
          `A path-less ${operation.op} needs a JSON object value (RFC 7644 section 3.5.2.1).`,
        );
      for (const [key, raw] of Object.entries(operation.value)) this.applyKey(operation.op, key, raw);
      return;
    }
    const target = resolvePatchTarget(operation.path, operation.op, this.resourceType, this.profile, 'path');
    this.applyTarget(operation.op, target, operation.value, 'path');
  }

  /** One key of a path-less value, treated as its own operation (Entra aadOptscim062020 sends dotted and URN keys). */
  private applyKey(op: PatchOpName, key: string, raw: unknown): void {
    if (key.toLowerCase() === 'schemas') return;
    if (key.includes('[')) {
      // A value-path key (`emails[type eq "work"].value`) is a path in all but name: apply it as one, or
      // refuse it; never accept and drop it.
      if (!this.profile.pathlessDottedKeys)
        throw ScimError.invalidPath(`A path-less value cannot hold the value-path key '${key}'`);
      const path = parsePatchPath(key, { unquotedValues: this.profile.unquotedFilterValues });
      this.applyTarget(op, resolvePatchTarget(path, op, this.resourceType, this.profile, 'path'), raw, 'valueKey');
      return;
    }
    const target = resolvePatchTarget({ path: key }, op, this.resourceType, this.profile, 'valueKey');
    if (target.kind === 'attribute' && target.subAttribute && !this.profile.pathlessDottedKeys) {
      rejectUnknownAttribute(this.profile, key);
      return;
    }
    this.applyTarget(op, target, raw, 'valueKey');
  }

  private applyTarget(op: PatchOpName, target: PatchTarget, raw: unknown, source: TargetSource): void {
    if (op !== 'remove' && raw === undefined && source === 'path') {
      throw ScimError.invalidValue(`The ${op} operation needs a value (RFC 7644 section 3.5.2).`);
    }
    switch (target.kind) {
      case 'ignored':
        return;
      case 'members': {
        const change = memberChangeOf(op, target, raw, source, this.profile);
        if (change !== undefined) this.memberChanges.push(change);
        return;
      }
      case 'extension':
        this.applyExtension(op, target.schema, raw, source);
        return;
      case 'attribute':
        patchAttribute(this, op, target, raw, source);
        return;
    }
  }

  private applyExtension(op: PatchOpName, schema: SchemaDefinition, raw: unknown, source: TargetSource): void {
    if (!schema.attributes.some((definition) => definition.mutability !== 'readOnly')) {
      throw ScimError.mutability(`Schema extension '${schema.id}' is read-only and cannot be modified.`);
    }
    // Only an explicit null or "" clears the whole extension; `{}` lists no attributes and so changes none.
    if (op === 'remove' || (this.profile.emptyReplaceRemoves && (raw === null || raw === ''))) {
      delete this.resource[schema.id];
      return;
    }
    if (raw === null || raw === undefined) {
      if (source === 'valueKey') return;
      throw ScimError.invalidValue(`The ${op} of '${schema.id}' needs a value (RFC 7644 section 3.5.2).`);
    }
    if (!isPlainObject(raw)) throw ScimError.invalidValue(`Schema extension '${schema.id}' must be a JSON object.`);
    // Like a complex attribute (RFC 7644 section 3.5.2.3): listed attributes change, the others are left unchanged.
    for (const [key, item] of Object.entries(raw)) this.applyKey(op, `${schema.id}:${key}`, item);
  }
}
