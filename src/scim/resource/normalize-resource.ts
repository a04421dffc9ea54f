/**
 * POST and PUT bodies (RFC 7644 sections 3.3 and 3.5.1) turned into the stored resource shape: canonical names,
 * extensions under their URN, read-only and unknown input dropped, members split off.
 */
import { ScimError } from '../errors';
import type { ClientProfile } from '../profile';
import type { AttributeDefinition } from '../schema/attribute';
import { findAttribute, findSchema, resolvePath, type ResourceType } from '../schema/registry';
import { isForbiddenName, isPlainObject } from './json-values';
import { normalizeMembers } from './normalize-members';
import { normalizeAttributeValue, rejectUnknownAttribute } from './normalize-value';
import { withSchemaList } from './schema-list';
import type { MemberRef, NormalizedResource, ScimObject } from './types';
import { validateResource } from './validate-resource';

/**
 * Normalises a POST or PUT body for `resourceType`. Keys match attribute names case-insensitively (RFC 7643
 * section 2.1); extension attributes may come nested under the URN or as URN-prefixed top-level keys. Throws
 * ScimError: invalidSyntax for a non-object body, bad `schemas` or (strict) unknown keys; invalidValue for wrong
 * types and missing required attributes.
 */
export function normalizeResource(
  body: unknown,
  resourceType: ResourceType,
  profile: ClientProfile,
): NormalizedResource {
  if (!isPlainObject(body)) throw ScimError.invalidSyntax('The request body must be a JSON object.');
  const builder = new ResourceBuilder(resourceType, profile);
  let declared: string[] | undefined;
  let members: MemberRef[] | undefined;
  for (const [key, raw] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') {
      declared = readSchemas(raw);
      continue;
    }
    const resolved = isForbiddenName(key) ? undefined : resolvePath(resourceType, key);
    if (!resolved || resolved.subAttribute) {
      rejectUnknownAttribute(profile, key);
      continue;
    }
    if (!resolved.attribute) {
      builder.extensionObject(resolved.schemaUrn ?? key, raw);
      continue;
    }
    if (resourceType.name === 'Group' && !resolved.inExtension && resolved.attribute.name === 'members') {
      members = normalizeMembers(raw, profile);
      continue;
    }
    builder.assign(resolved.inExtension ? resolved.schemaUrn : undefined, resolved.attribute, raw);
  }
  const resource = withSchemaList(builder.resource, resourceType);
  checkSchemas(declared, resource, resourceType, profile);
  validateResource(resource, resourceType);
  return members === undefined ? { resource } : { resource, members };
}

/** Accumulates normalised attributes; rejects the same attribute arriving twice under different spellings. */
class ResourceBuilder {
  readonly resource: ScimObject = {};
  private readonly seen = new Set<string>();

  constructor(
    private readonly resourceType: ResourceType,
    private readonly profile: ClientProfile,
  ) {}

  extensionObject(urn: string, raw: unknown): void {
    if (raw === null || raw === undefined) return;
    const schema = findSchema(this.resourceType, urn);
    if (!schema) return;
    if (!isPlainObject(raw)) throw ScimError.invalidValue(`Schema extension '${schema.id}' must be a JSON object.`);
    for (const [key, item] of Object.entries(raw)) {
      const definition = findAttribute(schema.attributes, key);
      if (!definition) {
        rejectUnknownAttribute(this.profile, `${schema.id}:${key}`);
        continue;
      }
      this.assign(schema.id, definition, item);
    }
  }

  assign(extensionUrn: string | undefined, definition: AttributeDefinition, raw: unknown): void {
    const label = extensionUrn === undefined ? definition.name : `${extensionUrn}:${definition.name}`;
    if (this.seen.has(label)) throw ScimError.invalidSyntax(`Attribute '${label}' is given more than once.`);
    this.seen.add(label);
    // RFC 7643 section 2.2: readOnly values sent by a client SHALL be ignored; passwords are accepted, never stored.
    if (definition.mutability === 'readOnly' || definition.mutability === 'writeOnly') return;
    const value = normalizeAttributeValue(definition, raw, this.profile, label);
    if (value === undefined) return;
    if (extensionUrn === undefined) {
      this.resource[definition.name] = value;
      return;
    }
    const existing = this.resource[extensionUrn];
    const container: ScimObject = isPlainObject(existing) ? existing : {};
    container[definition.name] = value;
    this.resource[extensionUrn] = container;
  }
}

function readSchemas(raw: unknown): string[] | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (!Array.isArray(raw) || !raw.every((urn): urn is string => typeof urn === 'string')) {
    throw ScimError.invalidSyntax("'schemas' must be an array of schema URN strings (RFC 7643 section 3).");
  }
  return raw;
}

/**
 * RFC 7643 section 3: `schemas` lists the core schema and every extension present. Unknown URNs are ignored when
 * the profile allows (Entra's group create adds a Microsoft URN); a missing list or missing URNs are tolerated when
 * the profile allows (OneLogin templates).
 */
function checkSchemas(
  declared: readonly string[] | undefined,
  resource: ScimObject,
  resourceType: ResourceType,
  profile: ClientProfile,
): void {
  const lower = new Set((declared ?? []).map((urn) => urn.toLowerCase()));
  for (const urn of declared ?? []) {
    if (!findSchema(resourceType, urn) && !profile.ignoreUnknownSchemas) {
      throw ScimError.invalidSyntax(`Schema '${urn.slice(0, 120)}' is not a schema of ${resourceType.name} resources.`);
    }
  }
  if (profile.tolerateMissingSchemas) return;
  const needed = Array.isArray(resource['schemas']) ? (resource['schemas'] as string[]) : [];
  for (const urn of needed) {
    if (!lower.has(urn.toLowerCase()))
      throw ScimError.invalidSyntax(`'schemas' must list '${urn}' (RFC 7643 section 3).`);
  }
}
