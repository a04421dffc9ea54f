/**
 * The SCIM route table (RFC 7644 section 3.2): every method and path this service provider answers, the handler
 * that serves it, and, for a write, what the audit step records it as. Matching rules: route-matching.ts.
 */
import type { ResourceKind } from '../directory/directory-store';
import {
  bulkNotSupported,
  getResourceType,
  getSchema,
  getServiceProviderConfig,
  listResourceTypes,
  listSchemas,
  meNotSupported,
} from './handlers/discovery-handlers';
import { listResources, readResource, searchAllResources, searchResources } from './handlers/resource-reads';
import { createResource, deleteResource, patchResource, replaceResource } from './handlers/resource-writes';
import type { ScimRequest, ScimResponse } from './protocol';
import { matchRoute, type RouteLine, type RouteMethod } from './route-matching';
import { groupResourceType as Group, userResourceType as User, type ResourceType } from './schema/registry';
import type { RouteHandler, ScimContext } from './scim-context';

/** What a write route does to its resource, in the audit log's words (`create-user`, `patch-group`). */
export type WriteOperation = 'create' | 'replace' | 'patch' | 'delete';

/** A write as the audit step records it: its operation and resource type, and the id its path names (none for a create). */
export interface ScimWrite {
  readonly operation: WriteOperation;
  readonly resourceType: ResourceKind;
  readonly id?: string;
}

/** One line of the route table. */
export interface ScimRoute extends RouteLine {
  readonly handle: RouteHandler;
  /** Set on the routes that change the directory. */
  readonly write?: { readonly operation: WriteOperation; readonly resourceType: ResourceKind };
}

function route(
  method: RouteMethod,
  path: string,
  handle: RouteHandler,
  write?: [WriteOperation, ResourceType],
): ScimRoute {
  return { method, path, handle, ...(write ? { write: { operation: write[0], resourceType: write[1].name } } : {}) };
}

/** Every route, the more specific pattern of a path first (`/Users/.search` before `/Users/{id}`). */
// prettier-ignore
export const SCIM_ROUTES: readonly ScimRoute[] = [
  route('GET',    '/Users',                 listResources(User)),
  route('POST',   '/Users',                 createResource(User),     ['create', User]),
  route('POST',   '/Users/.search',         searchResources(User)),
  route('GET',    '/Users/{id}',            readResource(User)),
  route('PUT',    '/Users/{id}',            replaceResource(User),    ['replace', User]),
  route('PATCH',  '/Users/{id}',            patchResource(User),      ['patch', User]),
  route('DELETE', '/Users/{id}',            deleteResource(User),     ['delete', User]),
  route('GET',    '/Groups',                listResources(Group)),
  route('POST',   '/Groups',                createResource(Group),    ['create', Group]),
  route('POST',   '/Groups/.search',        searchResources(Group)),
  route('GET',    '/Groups/{id}',           readResource(Group)),
  route('PUT',    '/Groups/{id}',           replaceResource(Group),   ['replace', Group]),
  route('PATCH',  '/Groups/{id}',           patchResource(Group),     ['patch', Group]),
  route('DELETE', '/Groups/{id}',           deleteResource(Group),    ['delete', Group]),
  route('POST',   '/.search',               searchAllResources),
  route('GET',    '/ServiceProviderConfig', getServiceProviderConfig),
  route('GET',    '/serviceConfiguration',  getServiceProviderConfig), // the spelling Microsoft's reference collection requests
  route('GET',    '/ResourceTypes',         listResourceTypes),
  route('GET',    '/ResourceTypes/{id}',    getResourceType),
  route('GET',    '/Schemas',               listSchemas),
  route('GET',    '/Schemas/{id}',          getSchema),
  route('*',      '/Me',                    meNotSupported),
  route('*',      '/Me/{id}',               meNotSupported),
  route('*',      '/Bulk',                  bulkNotSupported),
  route('*',      '/Bulk/{id}',             bulkNotSupported),
];

/** Serves an authenticated request with the handler of its route; throws the 404 or 405 of a request no route serves. */
export async function routeRequest(ctx: ScimContext): Promise<ScimResponse> {
  const match = matchRoute(SCIM_ROUTES, ctx.request.method, ctx.request.path);
  if (match.kind === 'refused') throw match.error;
  return match.route.handle(ctx, match.id ?? '');
}

/** The write a request's route makes, for the audit step (src/app/create-app.ts); undefined for reads and unroutable requests. */
export function scimWriteOf(request: ScimRequest): ScimWrite | undefined {
  const match = matchRoute(SCIM_ROUTES, request.method, request.path);
  if (match.kind === 'refused' || !match.route.write) return undefined;
  return { ...match.route.write, ...(match.id !== undefined ? { id: match.id } : {}) };
}
