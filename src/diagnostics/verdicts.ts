/**
 * The app's reactions to the stored Diagnostics results, as pure readers: each answers what one part of the app
 * must do now. Only a check that ran and found a difference changes anything; an inconclusive or missing result
 * leaves the app as it was (src/diagnostics/check-catalog.ts words the same for the page).
 */
import type { DiagnosticCheckId, DiagnosticResult } from '../shared/diagnostics-api';

function differing(results: readonly DiagnosticResult[], check: DiagnosticCheckId): DiagnosticResult | undefined {
  return results.find((result) => result.check === check && result.verdict === 'differs');
}

/** Whether KVS requests count toward the 100 outbound requests per invocation: yes unless an installation said otherwise. */
export function storageCountsAsOutbound(results: readonly DiagnosticResult[]): boolean {
  return differing(results, 'storage-outbound')?.finding !== 'not-counted';
}

/**
 * Why the sync must not call Atlassian now (egress refused, or the workspace the installation names not confirmed),
 * phrased as what is missing; undefined when nothing stands in the way.
 */
export function connectionBlock(results: readonly DiagnosticResult[]): string | undefined {
  const egress = differing(results, 'egress');
  if (egress) return `egress to Atlassian (Diagnostics, ${egress.at}: ${egress.observed})`;
  const context = differing(results, 'install-context');
  if (context) return `a confirmed workspace (Diagnostics, ${context.at}: ${context.observed})`;
  return undefined;
}

/** Why permission sync must not run now (the group-slug check failed); undefined when it may. */
export function permissionSyncBlock(results: readonly DiagnosticResult[]): string | undefined {
  const slug = differing(results, 'group-slug');
  return slug
    ? `Permission sync is refused: the Diagnostics group-slug check (${slug.at}) found that ${slug.observed}`
    : undefined;
}

const CREATE_METHODS: ReadonlySet<string> = new Set(['POST']);
const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Why a SCIM write with this method must be refused now: creates when a NOT_EXISTS condition does not pass on a new
 * key (each would fail its claim), every write when conditions are ignored (names could be taken twice and
 * concurrent writes lost); undefined when it may go ahead.
 */
export function scimWriteBlock(results: readonly DiagnosticResult[], method: string): string | undefined {
  const conditions = differing(results, 'kvs-conditions');
  if (!conditions) return undefined;
  const methods = conditions.finding === 'condition-ignored' ? WRITE_METHODS : CREATE_METHODS;
  if (!methods.has(method.toUpperCase())) return undefined;
  return `This installation's storage did not behave as the app needs (Diagnostics, ${conditions.at}: ${conditions.observed}); the write is refused so that no name is taken twice. An admin can run the check again on the app's page.`;
}
