/**
 * Discovery documents: /ServiceProviderConfig (RFC 7643 section 5, with the RFC 9865 section 5 pagination
 * block), /ResourceTypes (RFC 7643 section 6) and /Schemas (RFC 7643 section 7).
 */
import type { ScimObject } from './resource/types';
import type { AttributeDefinition, SchemaDefinition } from './schema/attribute';
import { resourceTypes, schemas, type ResourceType } from './schema/registry';
import { RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA } from './schema/urns';

/** Paging limits advertised in ServiceProviderConfig and enforced by list handlers. */
export interface PagingLimits {
  /** Largest page a list or search returns (filter.maxResults, pagination.maxPageSize). */
  readonly maxPageSize: number;
  /** Page size when the client sends no count. */
  readonly defaultPageSize: number;
  /** Seconds an RFC 9865 cursor stays valid. */
  readonly cursorTimeoutSeconds: number;
}

/** RFC 7643 section 5, plus RFC 9865 section 5 `pagination`. */
export function serviceProviderConfig(baseUrl: string, limits: PagingLimits): ScimObject {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: 'https://github.com/bitbucket-scim-sync/bitbucket-scim-sync#readme',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: limits.maxPageSize },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: limits.defaultPageSize,
      maxPageSize: limits.maxPageSize,
      cursorTimeout: limits.cursorTimeoutSeconds,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: "Authentication with a bearer token generated in the app's admin page",
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/** One resource type document (RFC 7643 section 6). */
export function resourceTypeDocument(resourceType: ResourceType, baseUrl: string): ScimObject {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: resourceType.name,
    name: resourceType.name,
    endpoint: resourceType.endpoint,
    description: resourceType.description,
    schema: resourceType.schema.id,
    schemaExtensions: resourceType.extensions.map((extension) => ({
      schema: extension.schema.id,
      required: extension.required,
    })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${resourceType.name}` },
  };
}

/** Every resource type document. */
export function resourceTypeDocuments(baseUrl: string): ScimObject[] {
  return resourceTypes.map((resourceType) => resourceTypeDocument(resourceType, baseUrl));
}

function attributeDocument(definition: AttributeDefinition): ScimObject {
  const out: ScimObject = {
    name: definition.name,
    type: definition.type,
    multiValued: definition.multiValued,
    description: definition.description,
    required: definition.required,
    caseExact: definition.caseExact,
    mutability: definition.mutability,
    returned: definition.returned,
    uniqueness: definition.uniqueness,
  };
  if (definition.canonicalValues) out.canonicalValues = [...definition.canonicalValues];
  if (definition.referenceTypes) out.referenceTypes = [...definition.referenceTypes];
  if (definition.subAttributes) out.subAttributes = definition.subAttributes.map(attributeDocument);
  return out;
}

/** One schema document (RFC 7643 section 7). */
export function schemaDocument(schema: SchemaDefinition, baseUrl: string): ScimObject {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeDocument),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

/** Every schema document. */
export function schemaDocuments(baseUrl: string): ScimObject[] {
  return schemas.map((schema) => schemaDocument(schema, baseUrl));
}
