/** The SCIM tokens' calls: the live tokens, and issuing, rotating and revoking one, each change audited as the page names the token. */
import type { AdminApi } from '../shared/admin-api';
import type { Guarded, Handlers } from './admin-guard';
import type { AdminParts } from './admin-parts';
import { TokenAdmin } from './token-admin';
import { auditTokenChange } from './token-audit';

/** The resolver keys this file implements. */
export type TokenKeys = 'tokens/list' | 'tokens/issue' | 'tokens/rotate' | 'tokens/revoke';

/** The tokens' resolvers, each wrapped in `guarded`. */
export function makeTokenHandlers(guarded: Guarded<AdminParts>): Pick<Handlers<AdminApi>, TokenKeys> {
  return {
    'tokens/list': guarded((_payload, { app }) => new TokenAdmin(app.tokens).list()),
    'tokens/issue': guarded(async (payload, { app, sync }) => {
      const issued = await new TokenAdmin(app.tokens).issue(payload);
      await auditTokenChange(sync.auditLog, 'token-issued', issued.view);
      return issued;
    }),
    'tokens/rotate': guarded(async (payload, { app, sync }) => {
      const issued = await new TokenAdmin(app.tokens).rotate(payload);
      await auditTokenChange(sync.auditLog, 'token-rotated', issued.view, { retiring: issued.retiring ?? [] });
      return issued;
    }),
    'tokens/revoke': guarded(async (payload, { app, sync }) => {
      const result = await new TokenAdmin(app.tokens).revoke(payload);
      if (result.token) await auditTokenChange(sync.auditLog, 'token-revoked', result.token);
      return result;
    }),
  };
}
