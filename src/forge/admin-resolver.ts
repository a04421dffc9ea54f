/**
 * The admin page's resolver (`admin-resolver` function): the handlers of src/admin/admin-handlers.ts, each
 * answering an AdminFailure instead of throwing, so the page can show why a call was refused. The one exception
 * is Forge's consent request: it leaves the resolver unchanged, because Forge prompts the user to allow access
 * only when that error propagates out of the resolver (docs/notes/forge-platform.md, "Resolvers").
 */
import { makeResolver, type Handlers, type Request } from '@forge/resolver';
import { invokeAdmin, makeAdminHandlers, type AdminHandlerDeps } from '../admin/admin-handlers';
import { makeDiagnosticsHandlers, type DiagnosticsHandlerDeps } from '../diagnostics/diagnostics-handlers';
import type { ScimLogger } from '../scim/error-response';
import type { AdminPageApi } from '../shared/diagnostics-api';

/**
 * The `name` of the error `asUser()` throws when the user has not allowed the app to act for them:
 * @forge/api 8.3.0 `out/api/errors.js` (`NEEDS_AUTHENTICATION_ERR`, class NeedsAuthenticationError, status 401),
 * thrown by `out/api/fetch.js` when Forge's proxy answers with the `forge-proxy-error: NEEDS_AUTHENTICATION_ERR`
 * header. @forge/api's own `isExpectedError` and `isHostedCodeError` recognise it by this name, not by class.
 */
export const FORGE_CONSENT_ERROR_NAME = 'NEEDS_AUTHENTICATION_ERR';

/** How deep a `cause` chain is followed (the admin layer wraps a lookup error once). */
const MAX_CAUSE_DEPTH = 8;

/**
 * Finds Forge's consent request in an error or its `cause` chain. It matches by name, as @forge/api does,
 * because an app can hold several copies of @forge/api (@forge/kvs brings its own), so `instanceof` would miss.
 */
export function forgeConsentErrorIn(error: unknown): Error | undefined {
  let current = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth += 1) {
    if (current.name === FORGE_CONSENT_ERROR_NAME) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * Builds the resolver function the manifest's `admin-resolver` names (DAC /runtime-reference/custom-ui-resolver): the
 * admin calls, and the Diagnostics calls (src/diagnostics/diagnostics-handlers.ts) when their dependencies are given.
 */
export function makeAdminResolver(
  deps: AdminHandlerDeps,
  logger: ScimLogger,
  diagnostics?: DiagnosticsHandlerDeps,
): ReturnType<typeof makeResolver> {
  const handlers = { ...makeAdminHandlers(deps), ...(diagnostics ? makeDiagnosticsHandlers(diagnostics) : {}) };
  const answering = Object.fromEntries(
    Object.keys(handlers).map((key) => [
      key,
      (request: Request<unknown>) => invokeAdmin(handlers, key, request, logger, { propagate: forgeConsentErrorIn }),
    ]),
  ) as unknown as Handlers<AdminPageApi>;
  return makeResolver<AdminPageApi>(answering);
}
