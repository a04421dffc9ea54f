/**
 * The one failure mapping of the admin calls, the Diagnostics' included: whatever a resolver throws becomes an
 * AdminFailure answer the page can show (an AdminError with its reason and message, anything else a generic
 * `internal` with the details in the app log), except an error the runtime must see itself, which the caller of
 * `invokeAdmin` picks out (Forge's consent request: src/forge/admin-resolver.ts). Forge's resolver and the local host's
 * HTTP bridge both call the handlers through `invokeAdmin`. `targetProblem` words a target's error for the answers
 * that report one instead of failing (the connection test, the rules preview).
 */
import type { ScimLogger } from '../scim/error-response';
import type { AdminApi, AdminFailure } from '../shared/admin-api';
import { TargetError } from '../targets/ports';
import type { Handlers, Request } from './admin-guard';
import { AdminError } from './workspace-admin';

function failureOf(error: unknown, logger: ScimLogger): AdminFailure {
  if (error instanceof AdminError) {
    if (error.reason === 'check-failed' && error.cause !== undefined) {
      logger.error('ADMIN-E502', 'The admin check could not ask Bitbucket', {
        error: error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : String(error.cause),
      });
    }
    return { error: { reason: error.reason, message: error.message } };
  }
  logger.error('ADMIN-E500', 'An admin call failed', { error: error instanceof Error ? error.message : String(error) });
  return { error: { reason: 'internal', message: 'Something went wrong on the server; the app log has the details' } };
}

/** Options of invokeAdmin. */
export interface InvokeAdminOptions {
  /**
   * Picks out of a failure (or its `cause` chain) an error that must leave the resolver unchanged instead of
   * becoming an AdminFailure answer, such as Forge's consent request; undefined for an ordinary failure.
   */
  readonly propagate?: (error: unknown) => Error | undefined;
}

/**
 * Runs one resolver and turns any error into an AdminFailure answer (admin errors with their message, others
 * generic), except one that `options.propagate` picks out: that one is thrown unchanged.
 */
export async function invokeAdmin(
  handlers: Handlers<AdminApi>,
  key: string,
  request: Request<unknown>,
  logger: ScimLogger,
  options: InvokeAdminOptions = {},
): Promise<unknown> {
  const handler = Object.prototype.hasOwnProperty.call(handlers, key)
    ? (handlers as Record<string, (r: Request<unknown>) => unknown>)[key]
    : undefined;
  if (!handler)
    return {
      error: { reason: 'invalid-input', message: `There is no admin call named ${JSON.stringify(key.slice(0, 60))}` },
    };
  try {
    return await handler(request);
  } catch (error) {
    const propagated = options.propagate?.(error);
    if (propagated !== undefined) throw propagated;
    return failureOf(error, logger);
  }
}

/** What a target's error means for the admin, in words (a TargetError by its kind, anything else by its message). */
export function targetProblem(error: unknown): string {
  if (!(error instanceof TargetError)) return error instanceof Error ? error.message : String(error);
  switch (error.kind) {
    case 'unauthorized':
      return 'The credential was refused (401): check it has not expired or been revoked';
    case 'forbidden':
      return 'The credential works but lacks the permission this needs (403)';
    case 'not-found':
      return 'Not found (404): check the organization, directory or workspace';
    case 'rate-limited':
      return 'Rate limited by Atlassian: try again in a minute';
    case 'payment-required':
      return 'The organization plan does not allow this call (402)';
    default:
      return `${error.message}`;
  }
}
