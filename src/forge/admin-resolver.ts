/**
 * The admin page's resolver (`admin-resolver` function): the AdminApi contract of src/shared/admin-api.ts,
 * every call but `status/get` refused unless the caller is a workspace admin (checked on the server).
 */
import { makeResolver, type Handlers, type Request } from '@forge/resolver';
import { TokenAdmin } from '../admin/token-admin';
import { assertWorkspaceAdmin, type WorkspacePermissionLookup } from '../admin/workspace-admin';
import type { AppParts } from '../app/create-app';
import type { AdminApi, AdminStatus } from '../shared/admin-api';

/** What the resolver needs from its runtime. */
export interface AdminResolverDeps {
  readonly getApp: () => Promise<AppParts>;
  readonly getBaseUrl: () => Promise<string>;
  /** Asks Bitbucket for the caller's workspace permission, as the caller (Forge: `asUser().requestBitbucket`). */
  readonly lookupPermission: WorkspacePermissionLookup;
}

/** What `status/get` answers while the sync engine and the full admin page are not there yet. */
export const PLACEHOLDER_STATUS: AdminStatus = { ready: false, detail: 'SCIM provisioning is not set up yet.' };

/** The resolver functions, testable without Forge. */
export function makeAdminHandlers(deps: AdminResolverDeps): Handlers<AdminApi> {
  const guarded =
    <P, R>(body: (payload: P, tokens: TokenAdmin) => Promise<R>) =>
    async (request: Request<P>): Promise<R> => {
      await assertWorkspaceAdmin(request.context, deps.lookupPermission);
      const app = await deps.getApp();
      return body(request.payload, new TokenAdmin(app.tokens));
    };
  return {
    'status/get': () => PLACEHOLDER_STATUS,
    'scim/get-base-url': guarded(async () => ({ url: await deps.getBaseUrl() })),
    'tokens/list': guarded((_payload, tokens) => tokens.list()),
    'tokens/issue': guarded((payload, tokens) => tokens.issue(payload)),
    'tokens/rotate': guarded((payload, tokens) => tokens.rotate(payload)),
    'tokens/revoke': guarded((payload, tokens) => tokens.revoke(payload)),
  };
}

/** Builds the resolver function the manifest's `admin-resolver` names (DAC /runtime-reference/custom-ui-resolver). */
export function makeAdminResolver(deps: AdminResolverDeps): ReturnType<typeof makeResolver> {
  return makeResolver<AdminApi>(makeAdminHandlers(deps));
}
