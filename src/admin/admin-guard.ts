/**
 * The one guard of every admin call, the Diagnostics' included: the caller must be a workspace admin (checked on the
 * server, DAC /app-context-security/, src/admin/workspace-admin.ts) before the call's parts are even loaded, every
 * audit entry the call appends names that admin, and a body that reads its payload's fields gets them through
 * payloadObject (src/admin/payload.ts), so the page's checks are never the only ones. Errors are left to the one
 * failure mapping (src/admin/admin-failure.ts).
 */
import type { Handlers, Request } from '@forge/resolver';
import { adminActor, withAuditActor } from '../sync/audit-actor';
import { payloadObject } from './payload';
import { assertWorkspaceAdmin, type CallerContext, type WorkspacePermissionLookup } from './workspace-admin';

/** The resolver request and handler map types of @forge/resolver, named once for the admin layer. */
export type { Handlers, Request };

/** Wraps resolver bodies so they run only for a workspace admin, with the parts of the call. */
export interface Guarded<Parts> {
  /** A resolver whose body reads the payload as it was sent, or not at all. */
  <P, R>(body: (payload: P, parts: Parts) => Promise<R>): (request: Request<P>) => Promise<R>;
  /** A resolver whose body reads its payload's fields: none is `{}`, anything but an object is `invalid-input`. */
  fields<R>(
    body: (record: Record<string, unknown>, parts: Parts) => Promise<R>,
  ): (request: Request<unknown>) => Promise<R>;
}

/** The guard over `partsFor`, which loads the parts of a call once the caller is known to be a workspace admin. */
export function makeGuard<Parts>(
  lookupPermission: WorkspacePermissionLookup,
  partsFor: (context: CallerContext) => Promise<Parts>,
): Guarded<Parts> {
  const guarded =
    <P, R>(body: (payload: P, parts: Parts) => Promise<R>) =>
    async (request: Request<P>): Promise<R> => {
      await assertWorkspaceAdmin(request.context, lookupPermission);
      const parts = await partsFor(request.context);
      // Every audit entry the call appends names the admin who made it.
      return withAuditActor(adminActor(String(request.context.accountId)), () => body(request.payload, parts));
    };
  const fields = <R>(body: (record: Record<string, unknown>, parts: Parts) => Promise<R>) =>
    guarded<unknown, R>((payload, parts) => body(payloadObject(payload), parts));
  return Object.assign(guarded, { fields });
}
