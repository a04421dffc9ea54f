/**
 * Who an audit entry's change was made by ("who did what"): an admin by account id, the IdP by the token it
 * authenticated with (its 4-character suffix, as the admin page shows tokens), the sync engine, the local token
 * CLI or the local host's SETTINGS_FILE. The resolver guard and the SCIM entry point set it for everything a call
 * does (node:async_hooks AsyncLocalStorage, which Forge's Node.js runtime provides), so the many places that
 * append entries do not each have to be handed it; an entry may still name its actor itself.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<string>();

/** Runs `body` with `actor` as the actor of every audit entry appended meanwhile without one of its own. */
export function withAuditActor<T>(actor: string, body: () => T): T {
  return current.run(actor, body);
}

/** The actor set by the innermost withAuditActor around the caller, if any. */
export function currentAuditActor(): string | undefined {
  return current.getStore();
}

/** The actor of a workspace admin's call. */
export function adminActor(accountId: string | undefined): string {
  return `admin ${accountId ?? '(unknown account)'}`;
}

/** The actor of an IdP's SCIM write, named by the token it presented (its last 4 characters). */
export function scimActor(tokenSuffix: string | undefined): string {
  return tokenSuffix ? `IdP (token …${tokenSuffix})` : 'IdP';
}

/** The actor of the sync engine's own changes. */
export const SYNC_ACTOR = 'sync engine';
/** The actor of `npm run token`. */
export const TOKEN_CLI_ACTOR = 'token CLI (npm run token)';
/** The actor of the local host's SETTINGS_FILE. */
export const SETTINGS_FILE_ACTOR = 'SETTINGS_FILE at start';
