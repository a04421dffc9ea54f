/**
 * Resource types (RFC 7643 section 6) and attribute-path resolution over the attribute table. Attribute names
 * and schema URNs compare case-insensitively (RFC 7643 section 2.1); resolution returns canonical names.
 */
import {
  attribute,
  complexAttribute,
  stringAttribute,
  type AttributeDefinition,
  type SchemaDefinition,
} from './attribute';
import { atlassianUserSchema } from './atlassian-user-schema';
import { enterpriseUserSchema } from './enterprise-user-schema';
import { groupSchema } from './group-schema';
import { userSchema } from './user-schema';

/** The common attributes of RFC 7643 section 3.1, which belong to every resource and to no schema. */
export const commonAttributes: readonly AttributeDefinition[] = [
  stringAttribute('id', 'A unique identifier for a SCIM resource as defined by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  stringAttribute(
    'externalId',
    'A String that is an identifier for the resource as defined by the provisioning client.',
    { caseExact: true },
  ),
  complexAttribute(
    'meta',
    'A complex attribute containing resource metadata.',
    [
      stringAttribute('resourceType', 'The name of the resource type of the resource.', {
        mutability: 'readOnly',
        caseExact: true,
      }),
      attribute('created', 'dateTime', 'The "DateTime" that the resource was added to the service provider.', {
        mutability: 'readOnly',
      }),
      attribute(
        'lastModified',
        'dateTime',
        'The most recent DateTime that the details of this resource were updated at the service provider.',
        {
          mutability: 'readOnly',
        },
      ),
      attribute('location', 'reference', 'The URI of the resource being returned.', {
        mutability: 'readOnly',
        caseExact: true,
        referenceTypes: ['uri'],
      }),
      stringAttribute('version', 'The version of the resource being returned.', {
        mutability: 'readOnly',
        caseExact: true,
      }),
    ],
    { mutability: 'readOnly' },
  ),
];

/** A schema extension of a resource type (RFC 7643 section 6, schemaExtensions). */
export interface SchemaExtension {
  readonly schema: SchemaDefinition;
  readonly required: boolean;
}

/** A resource type (RFC 7643 section 6). */
export interface ResourceType {
  readonly name: 'User' | 'Group';
  readonly endpoint: '/Users' | '/Groups';
  readonly description: string;
  readonly schema: SchemaDefinition;
  readonly extensions: readonly SchemaExtension[];
}

/** The User resource type: core User plus the enterprise and Atlassian extensions. */
export const userResourceType: ResourceType = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: userSchema,
  extensions: [
    { schema: enterpriseUserSchema, required: false },
    { schema: atlassianUserSchema, required: false },
  ],
};

/** The Group resource type. */
export const groupResourceType: ResourceType = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: groupSchema,
  extensions: [],
};

/** Every resource type this service provider serves. */
export const resourceTypes: readonly ResourceType[] = [userResourceType, groupResourceType];

/** Every schema this service provider serves at /Schemas. */
export const schemas: readonly SchemaDefinition[] = [
  userSchema,
  enterpriseUserSchema,
  atlassianUserSchema,
  groupSchema,
];

/** An attribute path resolved against a resource type, with canonical names. */
export interface ResolvedPath {
  /** URN of the schema that owns the attribute; undefined for the common attributes (id, externalId, meta). */
  readonly schemaUrn: string | undefined;
  /** True when the schema is an extension: its attributes live under the URN key in the resource. */
  readonly inExtension: boolean;
  /** The top-level attribute; undefined when the path names a whole extension schema. */
  readonly attribute: AttributeDefinition | undefined;
  /** The sub-attribute, for paths such as `name.givenName` or `emails.value`. */
  readonly subAttribute: AttributeDefinition | undefined;
}

/** Finds a definition by name, case-insensitively (RFC 7643 section 2.1). */
export function findAttribute(
  list: readonly AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  if (!list) return undefined;
  const lower = name.toLowerCase();
  return list.find((definition) => definition.name.toLowerCase() === lower);
}

/** All schemas of a resource type: the core schema first, then its extensions. */
export function schemasOf(resourceType: ResourceType): SchemaDefinition[] {
  return [resourceType.schema, ...resourceType.extensions.map((extension) => extension.schema)];
}

/** Finds the schema of a resource type whose URN equals `urn`, case-insensitively. */
export function findSchema(resourceType: ResourceType, urn: string): SchemaDefinition | undefined {
  const lower = urn.toLowerCase();
  return schemasOf(resourceType).find((schema) => schema.id.toLowerCase() === lower);
}

/**
 * Splits a leading schema URN off an attribute path (RFC 7644 section 3.10): `urn:...:User:name.givenName`
 * gives the User schema and `name.givenName`. Returns undefined for a `urn:` path of no known schema.
 */
export function splitUrnPrefix(
  resourceType: ResourceType,
  path: string,
): { schema: SchemaDefinition; rest: string } | undefined {
  const lower = path.toLowerCase();
  let best: SchemaDefinition | undefined;
  for (const schema of schemasOf(resourceType)) {
    const id = schema.id.toLowerCase();
    if ((lower === id || lower.startsWith(`${id}:`)) && (!best || schema.id.length > best.id.length)) best = schema;
  }
  if (!best) return undefined;
  return { schema: best, rest: path.slice(best.id.length + 1) };
}

/**
 * Resolves an attribute path (`userName`, `name.givenName`, `meta.created`, `urn:...:enterprise:2.0:User:manager.value`,
 * or a bare extension URN) to its definitions. Returns undefined when any part names no attribute.
 */
export function resolvePath(resourceType: ResourceType, path: string): ResolvedPath | undefined {
  let schema: SchemaDefinition | undefined;
  let rest = path;
  if (/^urn:/i.test(path)) {
    const split = splitUrnPrefix(resourceType, path);
    if (!split) return undefined;
    schema = split.schema;
    rest = split.rest;
    if (rest === '') {
      if (schema === resourceType.schema) return undefined;
      return { schemaUrn: schema.id, inExtension: true, attribute: undefined, subAttribute: undefined };
    }
  }
  const dot = rest.indexOf('.');
  const head = dot === -1 ? rest : rest.slice(0, dot);
  const tail = dot === -1 ? undefined : rest.slice(dot + 1);
  let definition: AttributeDefinition | undefined;
  let owner: SchemaDefinition | undefined;
  if (schema) {
    definition = findAttribute(schema.attributes, head);
    owner = schema;
  } else {
    definition = findAttribute(commonAttributes, head);
    if (!definition) {
      definition = findAttribute(resourceType.schema.attributes, head);
      owner = definition ? resourceType.schema : undefined;
    }
  }
  if (!definition) return undefined;
  let subAttribute: AttributeDefinition | undefined;
  if (tail !== undefined) {
    subAttribute = findAttribute(definition.subAttributes, tail);
    if (!subAttribute) return undefined;
  }
  return {
    schemaUrn: owner?.id,
    inExtension: owner !== undefined && owner !== resourceType.schema,
    attribute: definition,
    subAttribute,
  };
}
