/**
 * The admin page's resolvers: the AdminApi contract of src/shared/admin-api.ts over the app and the sync, one area per
 * file (set-up, tokens, connections, settings, rules, sync, audit, directory source, access review), all behind the
 * one guard (src/admin/admin-guard.ts: a workspace admin only, payloads validated here whatever the page checked).
 * Forge's resolver and the local host's HTTP bridge both call these handlers through `invokeAdmin`, the one failure
 * mapping (src/admin/admin-failure.ts).
 */
import type { AdminApi } from '../shared/admin-api';
import { makeGuard, type Handlers } from './admin-guard';
import { adminPartsFor, type AdminHandlerDeps } from './admin-parts';
import { makeAuditHandlers } from './audit-handlers';
import { makeCredentialHandlers } from './credential-handlers';
import { makeReviewHandlers } from './review-handlers';
import { makeRuleHandlers } from './rule-handlers';
import { makeSettingsHandlers } from './settings-handlers';
import { makeSetupHandlers } from './setup-handlers';
import { makeSourceHandlers } from './source-handlers';
import { makeSyncHandlers } from './sync-handlers';
import { makeTokenHandlers } from './token-handlers';

/** The failure mapping and the handlers' dependencies, where the resolver adapters have always found them. */
export { invokeAdmin, type InvokeAdminOptions } from './admin-failure';
export type { AdminHandlerDeps } from './admin-parts';

/** The resolver functions, testable without Forge. */
export function makeAdminHandlers(deps: AdminHandlerDeps): Handlers<AdminApi> {
  const guarded = makeGuard(deps.lookupPermission, (context) => adminPartsFor(deps, context));
  return {
    ...makeSetupHandlers(guarded, deps),
    ...makeTokenHandlers(guarded),
    ...makeCredentialHandlers(guarded, deps),
    ...makeSettingsHandlers(guarded),
    ...makeRuleHandlers(guarded),
    ...makeSyncHandlers(guarded, deps),
    ...makeAuditHandlers(guarded),
    ...makeSourceHandlers(guarded, deps.getPull),
    ...makeReviewHandlers(guarded),
  };
}
