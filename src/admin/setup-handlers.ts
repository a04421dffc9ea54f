/**
 * The Set-up area's calls: whether the app is ready and what the page should say (`status/get`, src/admin/readiness.ts),
 * the SCIM base URL to paste into the identity provider, and the page's own choice of identity provider.
 */
import { IDP_IDS, type AdminApi, type IdpId, type SetupView } from '../shared/admin-api';
import { auditAdminChange } from './admin-audit';
import type { Guarded, Handlers } from './admin-guard';
import type { AdminHandlerDeps, AdminParts } from './admin-parts';
import { optionalChoice } from './payload';
import { readiness, SETUP_KEY } from './readiness';

/** The resolver keys of this area. */
export type SetupKeys = 'status/get' | 'scim/get-base-url' | 'setup/get' | 'setup/save';

/** The Set-up area's resolvers, each wrapped in `guarded`. */
export function makeSetupHandlers(
  guarded: Guarded<AdminParts>,
  deps: AdminHandlerDeps,
): Pick<Handlers<AdminApi>, SetupKeys> {
  return {
    'status/get': guarded((_payload, parts) => readiness(deps, parts)),
    'scim/get-base-url': guarded(async () => ({ url: await deps.getBaseUrl() })),
    'setup/get': guarded(async () => (await deps.kvs.get<SetupView>(SETUP_KEY)) ?? {}),
    'setup/save': guarded.fields(async (record, { sync }) => {
      const idp = optionalChoice<IdpId>(record, 'idp', IDP_IDS);
      const view: SetupView = idp ? { idp } : {};
      await deps.kvs.set(SETUP_KEY, view);
      await auditAdminChange(sync, 'idp-chosen', 'Settings', 'setup', { after: view });
      return view;
    }),
  };
}
