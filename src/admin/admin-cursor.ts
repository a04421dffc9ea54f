/**
 * The admin page's paging cursors: the store's cursor, signed by the installation's cursor signer and bound to
 * the call and the query it continues. A cursor the page did not get from that call and query (altered, made up,
 * or kept across a change of filters) is an `invalid-input` error before it reaches the store, which would
 * otherwise fail on it with an internal error.
 */
import type { TokenSigner } from '../auth/cursor-signer';
import { AdminError } from './workspace-admin';

/** The calls whose answers page by cursor. */
export type PagedCall = 'sync/items' | 'audit/query' | 'audit/export' | 'review/export' | 'review/diff';

/** Marks a payload as an admin cursor, so that no other signed token of the app passes for one. */
const PURPOSE = 'admin-page';

/** Wraps a store cursor for the page. */
export function sealAdminCursor(signer: TokenSigner, call: PagedCall, query: string, cursor: string): string {
  return signer.sign(JSON.stringify({ p: PURPOSE, call, query, cursor }));
}

/** The store cursor inside a cursor the page sent back; undefined for none; AdminError invalid-input for a bad one. */
export function openAdminCursor(
  signer: TokenSigner,
  call: PagedCall,
  query: string,
  text: string | undefined,
): string | undefined {
  if (text === undefined || text === '') return undefined;
  const payload = signer.verify(text);
  let parsed: unknown;
  try {
    parsed = payload === undefined ? undefined : JSON.parse(payload);
  } catch {
    parsed = undefined;
  }
  const sealed = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (sealed.p !== PURPOSE || sealed.call !== call || typeof sealed.cursor !== 'string') {
    throw new AdminError('invalid-input', 'cursor is not one this call returned; start again from the first page');
  }
  if (sealed.query !== query)
    throw new AdminError('invalid-input', 'cursor belongs to other filters; start again from the first page');
  return sealed.cursor;
}
