/**
 * The admin page's resolver (`admin-resolver` function): the handlers of src/admin/admin-handlers.ts, each
 * answering an AdminFailure instead of throwing, so the page can show why a call was refused.
 */
import { makeResolver, type Handlers, type Request } from '@forge/resolver';
import { invokeAdmin, makeAdminHandlers, type AdminHandlerDeps } from '../admin/admin-handlers';
import type { ScimLogger } from '../scim/error-response';
import type { AdminApi } from '../shared/admin-api';

/** Builds the resolver function the manifest's `admin-resolver` names (DAC /runtime-reference/custom-ui-resolver). */
export function makeAdminResolver(deps: AdminHandlerDeps, logger: ScimLogger): ReturnType<typeof makeResolver> {
  const handlers = makeAdminHandlers(deps);
  const answering = Object.fromEntries(
    Object.keys(handlers).map((key) => [key, (request: Request<unknown>) => invokeAdmin(handlers, key, request, logger)]),
  ) as unknown as Handlers<AdminApi>;
  return makeResolver<AdminApi>(answering);
}
