/**
 * The discovery endpoints (RFC 7644 section 4): /ServiceProviderConfig, /ResourceTypes and /Schemas, whose
 * documents discovery.ts builds, and the endpoints this service provider does not implement (501).
 */
import {
  resourceTypeDocument,
  resourceTypeDocuments,
  schemaDocument,
  schemaDocuments,
  serviceProviderConfig,
} from '../discovery';
import { ScimError } from '../errors';
import { resourceTypes, schemas } from '../schema/registry';
import { json, listOf, type RouteHandler } from '../scim-context';

/** GET /ServiceProviderConfig: the service provider's configuration with its paging limits (RFC 7643 section 5). */
export const getServiceProviderConfig: RouteHandler = async (ctx) =>
  json(200, serviceProviderConfig(ctx.baseUrl, ctx.limits));

/** GET /ResourceTypes: every resource type (RFC 7643 section 6). */
export const listResourceTypes: RouteHandler = async (ctx) => json(200, listOf(resourceTypeDocuments(ctx.baseUrl)));

/** GET /ResourceTypes/{id}: one resource type by name, matched case-insensitively. */
export const getResourceType: RouteHandler = async (ctx, id) => {
  const found = resourceTypes.find((t) => t.name.toLowerCase() === id.toLowerCase());
  if (!found) throw ScimError.notFound(`No resource type ${id}`);
  return json(200, resourceTypeDocument(found, ctx.baseUrl));
};

/** GET /Schemas: every schema (RFC 7643 section 7). */
export const listSchemas: RouteHandler = async (ctx) => json(200, listOf(schemaDocuments(ctx.baseUrl)));

/** GET /Schemas/{id}: one schema by URN, matched case-insensitively. */
export const getSchema: RouteHandler = async (ctx, id) => {
  const found = schemas.find((s) => s.id.toLowerCase() === id.toLowerCase());
  if (!found) throw ScimError.notFound(`No schema ${id}`);
  return json(200, schemaDocument(found, ctx.baseUrl));
};

/** Any request to /Me (RFC 7644 section 3.11): 501, as requests authenticate the provisioning client, not a user. */
export const meNotSupported: RouteHandler = async () => {
  throw ScimError.plain(
    501,
    '/Me is not supported: requests are authenticated as the provisioning client, not as a user',
  );
};

/** Any request to /Bulk (RFC 7644 section 3.7): 501, as ServiceProviderConfig says bulk is not supported. */
export const bulkNotSupported: RouteHandler = async () => {
  throw ScimError.plain(501, '/Bulk is not supported (ServiceProviderConfig bulk.supported is false)');
};
