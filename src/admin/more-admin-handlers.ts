/**
 * Resolvers kept apart from src/admin/admin-handlers.ts (which is long already), guarded by the same admin check:
 * the IdP group -> org group mapping, the further calls the admin page's first hour needs, and the access review's.
 */
import type { Handlers } from '@forge/resolver';
import type { AdminApi } from '../shared/admin-api';
import type { Guarded } from './admin-guard';
import { exportAudit, queryAudit } from './audit-handlers';
import { listGroupMapping } from './group-mapping';
import { readiness, type ReadinessDeps } from './readiness';
import { ruleTargets } from './rule-targets';
import { makeReviewHandlers, type ReviewKeys } from './review-handlers';
import { makeTokenHandlers, type TokenChangeKeys } from './token-handlers';

/** The resolver keys this file implements. */
export type MoreAdminKeys = 'groups/list' | 'audit/query' | 'audit/export' | 'status/get' | 'rules/targets' | TokenChangeKeys | ReviewKeys;

/** The resolvers of this file, each wrapped in `guarded`. */
export function makeMoreAdminHandlers(guarded: Guarded, deps: ReadinessDeps): Pick<Handlers<AdminApi>, MoreAdminKeys> {
  return {
    ...makeTokenHandlers(guarded),
    ...makeReviewHandlers(guarded),
    'status/get': guarded((_payload, parts) => readiness(deps, parts)),
    'rules/targets': guarded((_payload, parts) => ruleTargets(parts)),
    'groups/list': guarded((payload, parts) => listGroupMapping(payload, parts)),
    'audit/query': guarded((payload, parts) => queryAudit(payload, parts)),
    'audit/export': guarded((payload, parts) => exportAudit(payload, parts)),
  };
}
