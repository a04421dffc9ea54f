/**
 * Resolves a PATCH path, or a key of a path-less PATCH value, against the attribute table. Only names found in the
 * table come back, so nothing a client writes can address `__proto__` or other non-attribute properties.
 */
import { ScimError } from '../errors';
import type { Filter, PatchPath } from '../filter/ast';
import { compileValueFilter, type FilterPredicate } from '../filter/evaluate-filter';
import type { ClientProfile } from '../profile';
import { isForbiddenName } from '../resource/json-values';
import type { AttributeDefinition, SchemaDefinition } from '../schema/attribute';
import {
  findAttribute,
  findSchema,
  resolvePath,
  splitUrnPrefix,
  type ResolvedPath,
  type ResourceType,
} from '../schema/registry';
import type { PatchOpName } from './patch-operation';

/** Where an operation lands. */
export type PatchTarget =
  /** An unknown attribute the lenient profile ignores (Microsoft's collection expects misspelt names ignored). */
  | { readonly kind: 'ignored' }
  /** A whole schema extension object, e.g. path `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. */
  | { readonly kind: 'extension'; readonly schema: SchemaDefinition }
  /** A Group's `members`, which become MemberChanges instead of edits of the resource. */
  | { readonly kind: 'members'; readonly filter?: Filter; readonly subAttribute?: AttributeDefinition }
  /** An attribute (optionally filtered and/or narrowed to a sub-attribute) inside the core or an extension object. */
  | {
      readonly kind: 'attribute';
      readonly extensionUrn: string | undefined;
      readonly attribute: AttributeDefinition;
      readonly subAttribute?: AttributeDefinition;
      readonly filter?: Filter;
      /** The compiled filter, testing one element; absent when there is no filter. */
      readonly match?: FilterPredicate;
      readonly label: string;
    };

/** A PatchTarget that edits an attribute of the resource itself. */
export type AttributeTarget = Extract<PatchTarget, { kind: 'attribute' }>;
/** A PatchTarget on a Group's `members`. */
export type MembersTarget = Extract<PatchTarget, { kind: 'members' }>;

/** Whether the path came from an operation's `path` or from a key of a path-less value; errors differ (see below). */
export type TargetSource = 'path' | 'valueKey';

/**
 * Resolves `path` for `op`. Throws 400 invalidPath for malformed, too deep (more than attribute.subAttribute) or
 * prototype-named paths in every profile, and for unknown attributes unless the profile ignores them (add/replace
 * only); 400 mutability for read-only targets (RFC 7644 section 3.5.2: clients MUST NOT modify readOnly attributes).
 * For value keys, unknown names are handled like unknown body keys (dropped, or invalidSyntax when strict) and the
 * read-only `id`/`meta` are ignored (Okta sends `id` in its group rename).
 */
export function resolvePatchTarget(
  path: PatchPath,
  op: PatchOpName,
  resourceType: ResourceType,
  profile: ClientProfile,
  source: TargetSource,
): PatchTarget {
  const text = path.path;
  const names = pathNames(text, path.subAttribute, resourceType);
  if (names.some((name) => name === '') || names.some(isForbiddenName) || names.length > 2) {
    throw ScimError.invalidPath(`'${shown(text)}' is not a valid attribute path.`);
  }
  if (path.filter && names.length - (path.subAttribute === undefined ? 0 : 1) !== 1) {
    throw ScimError.invalidPath(`A value filter must follow a top-level attribute, not '${shown(text)}'.`);
  }
  const resolved = resolveAttributePath(resourceType, text);
  if (!resolved) return unknownTarget(text, op, profile, source);
  if (!resolved.attribute) {
    if (path.filter || path.subAttribute !== undefined || !resolved.schemaUrn)
      throw ScimError.invalidPath(`'${shown(text)}' is not a valid attribute path.`);
    const schema = findSchema(resourceType, resolved.schemaUrn);
    if (!schema) throw ScimError.invalidPath(`'${shown(text)}' is not a valid attribute path.`);
    return { kind: 'extension', schema };
  }
  const attribute = resolved.attribute;
  let subAttribute = resolved.subAttribute;
  if (path.subAttribute !== undefined) {
    if (subAttribute) throw ScimError.invalidPath(`'${shown(text)}' is not a valid attribute path.`);
    subAttribute = findAttribute(attribute.subAttributes, path.subAttribute);
    if (!subAttribute) return unknownTarget(`${text}.${path.subAttribute}`, op, profile, source);
  }
  if (path.filter && !(attribute.multiValued && attribute.type === 'complex')) {
    throw ScimError.invalidPath(
      `'${attribute.name}' is not a multi-valued complex attribute, so it takes no value filter.`,
    );
  }
  const match = path.filter ? compileElementFilter(path.filter, attribute) : undefined;
  const extensionUrn = resolved.inExtension ? resolved.schemaUrn : undefined;
  if (resourceType.name === 'Group' && extensionUrn === undefined && attribute.name === 'members') {
    return {
      kind: 'members',
      ...(path.filter ? { filter: path.filter } : {}),
      ...(subAttribute ? { subAttribute } : {}),
    };
  }
  const label = `${extensionUrn === undefined ? '' : `${extensionUrn}:`}${attribute.name}${path.filter ? '[…]' : ''}${subAttribute ? `.${subAttribute.name}` : ''}`;
  if (attribute.mutability === 'readOnly' || subAttribute?.mutability === 'readOnly') {
    if (source === 'valueKey' && resolved.schemaUrn === undefined) return { kind: 'ignored' };
    throw ScimError.mutability(`Attribute '${label}' is read-only and cannot be modified.`);
  }
  return {
    kind: 'attribute',
    extensionUrn,
    attribute,
    ...(subAttribute ? { subAttribute } : {}),
    ...(path.filter ? { filter: path.filter } : {}),
    ...(match ? { match } : {}),
    label,
  };
}

/** A filter inside a PATCH path that names no sub-attribute makes the path invalid (RFC 7644 section 3.5.2). */
function compileElementFilter(filter: Filter, attribute: AttributeDefinition): FilterPredicate {
  try {
    return compileValueFilter(filter, attribute);
  } catch (error) {
    if (error instanceof ScimError) throw ScimError.invalidPath(error.detail, error);
    throw error;
  }
}

/**
 * resolvePath, plus unqualified extension attributes: RFC 7644 section 3.10 only says clients SHOULD qualify them,
 * and Entra sends `"path":"manager"` for the enterprise manager. Resolved only when exactly one extension has it.
 */
function resolveAttributePath(resourceType: ResourceType, text: string): ResolvedPath | undefined {
  const resolved = resolvePath(resourceType, text);
  if (resolved || /^urn:/i.test(text)) return resolved;
  const candidates = resourceType.extensions
    .map((extension) => resolvePath(resourceType, `${extension.schema.id}:${text}`))
    .filter((candidate): candidate is ResolvedPath => candidate !== undefined);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** The attribute names a path walks through, after any schema URN prefix. */
function pathNames(text: string, subAttribute: string | undefined, resourceType: ResourceType): string[] {
  let rest = text;
  if (/^urn:/i.test(text)) {
    const split = splitUrnPrefix(resourceType, text);
    rest = split ? split.rest : text.slice(text.lastIndexOf(':') + 1);
    if (split && rest === '') return subAttribute === undefined ? [] : [subAttribute];
  }
  const names = rest.split('.');
  if (subAttribute !== undefined) names.push(subAttribute);
  return names;
}

function unknownTarget(text: string, op: PatchOpName, profile: ClientProfile, source: TargetSource): PatchTarget {
  if (source === 'valueKey') {
    if (!profile.ignoreUnknownAttributes) throw ScimError.invalidSyntax(`Unknown attribute '${shown(text)}'.`);
    return { kind: 'ignored' };
  }
  if (op !== 'remove' && profile.ignoreUnknownAttributes) return { kind: 'ignored' };
  throw ScimError.invalidPath(`'${shown(text)}' names no attribute of this resource type.`);
}

function shown(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
