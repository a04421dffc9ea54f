/**
 * The sentence the IdP guide shows where it asks for the bearer token. After a rotation it names the new token as
 * the one to use and the retiring one with the end of its overlap, never the retiring token as the active one.
 */
import type { IssuedToken, TokenView } from '../../../../src/shared/admin-api';
import { formatTime } from '../ui/format';

function retiringNote(retiring: readonly TokenView[]): string {
  if (retiring.length === 0) return '';
  return ` ${retiring.map((token) => `The token ending in …${token.suffix} is being retired: it stays valid until ${formatTime(token.expiresAt)}, so switch your identity provider over before then.`).join(' ')}`;
}

/** The token hint for the live tokens and the token just issued on the page, if any. */
export function tokenHintFor(tokens: readonly TokenView[], issued: IssuedToken | undefined): string {
  const retiring = tokens.filter((token) => token.retiring === true && token.id !== issued?.view.id);
  if (issued)
    return `Use the token generated on this page (it ends in …${issued.view.suffix}); it is shown only once.${retiringNote(retiring)}`;
  const active = tokens
    .filter((token) => token.retiring !== true)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (active) {
    return `A token ending in …${active.suffix} is active; if you no longer have it, generate a new one on this page (tokens are shown only once).${retiringNote(retiring)}`;
  }
  if (retiring.length > 0)
    return `Generate a new token under "Bearer tokens" on this page; it is shown only once.${retiringNote(retiring)}`;
  return 'Generate one under "Bearer tokens" on this page; it is shown only once.';
}
