/**
 * When adding a member to an app group answers 404, whether it is the account the organization lost (someone removed
 * it, or the emulators restarted): then the user is synced first — its sync re-invites or re-links the account and
 * asks for the user's groups again — instead of failing the group for a reason that is the user's.
 */
import type { DirectoryStore } from '../directory/directory-store';
import type { AdminDirectory } from '../targets/ports';
import type { SyncLinks } from './sync-links';

/**
 * True when the organization lost `accountId` (no account by the user's email, another one, or one not in the
 * directory), having enqueued the user; or when the user was linked to another account meanwhile, having enqueued
 * the group again. False when the account is there, or belongs to no user of the app: the failure is the group's.
 */
export async function memberAccountLost(
  deps: { readonly links: SyncLinks; readonly store: DirectoryStore },
  groupKey: string,
  accountId: string,
  admin: AdminDirectory,
): Promise<boolean> {
  const userKey = (await deps.links.userKeysOf([accountId])).get(accountId);
  const userLink = userKey ? await deps.links.get(userKey) : undefined;
  if (!userKey || !userLink?.email) return false;
  if (userLink.accountId !== undefined && userLink.accountId !== accountId) {
    await deps.store.enqueue([groupKey]);
    return true;
  }
  const email = userLink.email.toLowerCase();
  const account = (await admin.findAccountsByEmail([email])).find((a) => a.email.toLowerCase() === email);
  if (account?.accountId === accountId && account.status !== 'not_invited') return false;
  await deps.store.enqueue([userKey]);
  return true;
}
