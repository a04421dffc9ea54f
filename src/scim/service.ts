/**
 * The SCIM 2.0 service provider (RFC 7644): a function from a ScimRequest to a ScimResponse over the directory
 * store port. It authenticates (authentication.ts), checks the body (request-body.ts), routes to a handler
 * (router.ts) and answers every failure as a SCIM error (error-response.ts); it never throws.
 */
import { bearerToken, unauthenticated } from './authentication';
import { mapDirectoryError } from './directory-errors';
import { toErrorResponse } from './error-response';
import type { ScimRequest, ScimResponse } from './protocol';
import { checkRequestBody } from './request-body';
import type { DirectoryStore } from '../directory/directory-store';
import { routeRequest } from './router';
import type { ScimDependencies } from './scim-context';
import { defaultServiceLimits, type ScimServiceOptions } from './service-options';

/** The service's options and limits (service-options.ts), so that its hosts build it from this one module. */
export { defaultServiceLimits, type AccountLink, type ScimServiceOptions, type ServiceLimits } from './service-options';

/** A SCIM request handler; `store`, when given, is the directory this one request uses instead of the configured one. */
export type ScimService = (request: ScimRequest, store?: DirectoryStore) => Promise<ScimResponse>;

/** Builds the SCIM service. */
export function createScimService(options: ScimServiceOptions): ScimService {
  const dependencies: ScimDependencies = {
    store: options.store,
    limits: { ...defaultServiceLimits, ...options.limits },
    now: options.now ?? (() => new Date()),
    cursorSigner: options.cursorSigner,
    accountLinks: options.accountLinks,
  };

  return async function serve(request: ScimRequest, store?: DirectoryStore): Promise<ScimResponse> {
    try {
      if (!(await options.authenticate(bearerToken(request)))) return unauthenticated();
      checkRequestBody(request, dependencies.limits.maxBodyBytes);
      const profile = await options.profile();
      return await routeRequest({
        ...dependencies,
        ...(store ? { store } : {}),
        request,
        profile,
        baseUrl: request.baseUrl.replace(/\/+$/, ''),
      });
    } catch (error) {
      return toErrorResponse(mapDirectoryError(error), options.logger);
    }
  };
}
