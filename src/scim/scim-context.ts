/**
 * What every SCIM handler works with: the service's dependencies, fixed when the service is built, and the request
 * being served with its client profile and base URL. Handlers are plain functions of this context.
 */
import type { DirectoryStore } from '../directory/directory-store';
import type { CursorSigner } from './list-cursor';
import type { ClientProfile } from './profile';
import { SCIM_MEDIA_TYPE, type ScimRequest, type ScimResponse } from './protocol';
import type { ScimObject } from './resource/types';
import { LIST_RESPONSE } from './schema/urns';
import type { AccountLinkReader, ServiceLimits } from './service-options';

/** The service's parts, the same for every request (src/scim/service.ts builds them from ScimServiceOptions). */
export interface ScimDependencies {
  readonly store: DirectoryStore;
  readonly limits: ServiceLimits;
  readonly now: () => Date;
  readonly cursorSigner: () => Promise<CursorSigner>;
  readonly accountLinks: AccountLinkReader | undefined;
}

/** One authenticated request being served, with the service's dependencies. */
export interface ScimContext extends ScimDependencies {
  readonly request: ScimRequest;
  readonly profile: ClientProfile;
  /** The SCIM base URL without a trailing slash, for Location and meta.location (RFC 7644 section 3.1). */
  readonly baseUrl: string;
}

/** A SCIM JSON response (RFC 7644 section 8.1 media type) with `status` and extra headers. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ScimResponse {
  return { status, headers: { 'content-type': SCIM_MEDIA_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** A complete, unpaged ListResponse of `resources` (RFC 7644 section 3.4.2), as the discovery endpoints answer. */
export function listOf(resources: ScimObject[]): ScimObject {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  };
}

/** Serves one routed request; `id` is the decoded `{id}` segment of the route's path, '' for a path without one. */
export type RouteHandler = (ctx: ScimContext, id: string) => Promise<ScimResponse>;
