/**
 * The admin page's resolver. For now it answers one placeholder call so that the Custom UI wiring can be
 * deployed and checked end to end; the real calls come with the admin page.
 */
import { makeResolver } from '@forge/resolver';

/** What `status/get` answers: whether the admin page has anything to manage yet. */
export interface AdminStatus {
  readonly ready: boolean;
  readonly detail: string;
}

/**
 * The calls the admin page can make, keyed `<area>/<verb>`; the UI types its `invoke` with the same map
 * (@forge/bridge makeInvoke) so both sides share one contract.
 */
export type AdminResolverDefinitions = {
  'status/get': () => AdminStatus;
};

/** The placeholder status, until the admin page's real resolvers exist. */
export const PLACEHOLDER_STATUS: AdminStatus = { ready: false, detail: 'SCIM provisioning is not set up yet.' };

/** Builds the resolver function the manifest's `admin-resolver` names (DAC /runtime-reference/custom-ui-resolver). */
export function makeAdminResolver(): ReturnType<typeof makeResolver> {
  return makeResolver<AdminResolverDefinitions>({
    'status/get': () => PLACEHOLDER_STATUS,
  });
}
