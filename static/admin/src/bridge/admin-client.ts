/**
 * The page's typed client of the admin resolvers (src/shared/admin-api.ts). Two transports carry the same calls:
 * @forge/bridge `invoke` inside Bitbucket, and the local host's HTTP bridge (`POST /admin/api/invoke`). Both
 * may answer an expected failure as `{ error: { reason, message } }` instead of failing; the client turns that
 * into an AdminCallError so every section handles failures one way.
 */
import type { AdminPageApi } from '../../../../src/shared/diagnostics-api';

/** A resolver key: the admin calls and the Diagnostics (src/shared/diagnostics-api.ts). */
export type AdminKey = keyof AdminPageApi;

/** The payload a resolver takes (undefined for those that take none). */
export type PayloadOf<K extends AdminKey> = Parameters<AdminPageApi[K]> extends [infer P] ? P : undefined;

/** The result a resolver answers with. */
export type ResultOf<K extends AdminKey> = Awaited<ReturnType<AdminPageApi[K]>>;

/** A transport: sends one call and answers with the raw reply (a result, or an object with `error`). */
export type Transport = (key: AdminKey, payload: unknown) => Promise<unknown>;

/** A failed call: `reason` is the resolver's reason (not-admin, invalid-input, internal, …) or a transport one. */
export class AdminCallError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminCallError';
  }
}

/** Calls resolvers by key with the contract's payload and result types. */
export interface AdminClient {
  call<K extends AdminKey>(
    key: K,
    ...payload: PayloadOf<K> extends undefined ? [] : [PayloadOf<K>]
  ): Promise<ResultOf<K>>;
}

/** Reads an `{ error: { reason, message } }` reply, or undefined when the reply is a result. */
export function failureOf(reply: unknown): AdminCallError | undefined {
  if (typeof reply !== 'object' || reply === null || !('error' in reply)) return undefined;
  const error = (reply as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return new AdminCallError('internal', 'The call failed');
  const { reason, message } = error as { reason?: unknown; message?: unknown };
  return new AdminCallError(
    typeof reason === 'string' ? reason : 'internal',
    typeof message === 'string' ? message : 'The call failed',
  );
}

/** Makes a typed client over a transport. */
export function makeAdminClient(transport: Transport): AdminClient {
  return {
    async call(key, ...payload) {
      const reply = await transport(key, payload[0] ?? {});
      const failure = failureOf(reply);
      if (failure) throw failure;
      return reply as never;
    },
  };
}

/**
 * The reasons that mean the admin must allow the app to use Bitbucket as them: the resolver's `grant-required`
 * (Bitbucket answered 401, src/admin/workspace-admin.ts) and `consent-required` (Forge's consent request reached
 * the page, static/admin/src/bridge/forge-bridge.ts).
 */
export const CONSENT_REASONS: readonly string[] = ['grant-required', 'consent-required'];

/** What the page tells an admin who has not yet allowed the app access. */
export const CONSENT_MESSAGE =
  'The app needs your permission to ask Bitbucket, as you, whether you are an admin of this workspace. Allow access when Atlassian asks, then try again.';

/** True when a failed call means the admin has not yet allowed the app to use Bitbucket as them. */
export function needsConsent(error: unknown): boolean {
  return error instanceof AdminCallError && CONSENT_REASONS.includes(error.reason);
}

/** The message to show for a failed call. */
export function describeError(error: unknown): string {
  if (needsConsent(error)) return CONSENT_MESSAGE;
  if (error instanceof AdminCallError) {
    if (error.reason === 'not-admin') return `Only workspace admins can do this. ${error.message}`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
