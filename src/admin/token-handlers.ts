/** `tokens/issue`, `tokens/rotate` and `tokens/revoke`: the token changes, each audited as the page names the token. */
import type { Handlers } from '@forge/resolver';
import type { AdminApi } from '../shared/admin-api';
import type { Guarded } from './admin-guard';
import { TokenAdmin } from './token-admin';
import { auditTokenChange } from './token-audit';

/** The resolver keys this file implements. */
export type TokenChangeKeys = 'tokens/issue' | 'tokens/rotate' | 'tokens/revoke';

/** The token-changing resolvers, each wrapped in `guarded`. */
export function makeTokenHandlers(guarded: Guarded): Pick<Handlers<AdminApi>, TokenChangeKeys> {
  return {
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
