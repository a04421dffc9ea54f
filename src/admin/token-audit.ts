/**
 * Audit entries of SCIM token changes, written alike by the admin page's resolvers and the local token CLI: the
 * token is named as the page shows it (`token …abcd`, with its label), never by the UUID alone, and never with
 * its value or hash.
 */
import type { TokenView } from '../shared/admin-api';
import type { AuditLog } from '../sync/audit-log';

/** What a token change was. */
export type TokenAuditAction = 'token-issued' | 'token-rotated' | 'token-revoked';

/** How a token is named in the audit log and on the page: its suffix, and its label when it has one. */
export function tokenDisplay(token: Pick<TokenView, 'suffix' | 'label'>): string {
  return `token …${token.suffix}${token.label ? ` (${token.label})` : ''}`;
}

/** Appends the audit entry of one token change; `retiring` lists the tokens a rotation lets expire. */
export async function auditTokenChange(
  auditLog: Pick<AuditLog, 'append'>,
  action: TokenAuditAction,
  token: TokenView,
  extra: { readonly retiring?: readonly TokenView[]; readonly actor?: string } = {},
): Promise<void> {
  const retiring = extra.retiring ?? [];
  const detail =
    action === 'token-rotated'
      ? `${tokenDisplay(token)} issued; ${retiring.length === 0 ? 'no older token was live' : retiring.map((t) => `${tokenDisplay(t)} stays valid until ${t.expiresAt ?? 'revoked'}`).join('; ')}`
      : action === 'token-revoked'
        ? `${tokenDisplay(token)} revoked: the identity provider can no longer authenticate with it`
        : `${tokenDisplay(token)} issued`;
  await auditLog.append({
    source: 'admin',
    action,
    target: { kind: 'Settings', id: `token:${token.id}`, display: tokenDisplay(token) },
    ...(action === 'token-revoked'
      ? { before: token }
      : { after: retiring.length > 0 ? { issued: token, retiring } : token }),
    outcome: 'applied',
    detail,
    ...(extra.actor ? { actor: extra.actor } : {}),
  });
}
