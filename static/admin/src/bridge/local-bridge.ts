/**
 * The local host's bridge: `POST api/invoke` next to the page (the host serves the page at /admin/ and the
 * bridge at /admin/api/invoke) with the admin key printed by `npm start`. The key arrives in the URL's hash
 * (`/admin/#key=…`); it is kept in sessionStorage and removed from the visible URL so it does not end up in
 * screenshots, bookmarks or the history.
 */
import { AdminCallError, failureOf, type AdminKey, type Transport } from './admin-client';

const KEY_STORAGE = 'scim-admin-key';

/** Takes the admin key from the hash (then hides it) or from sessionStorage; undefined when there is none. */
export function takeAdminKey(location: Location, storage: Storage, history: History): string | undefined {
  const match = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (match?.[1]) {
    const key = decodeURIComponent(match[1]);
    storage.setItem(KEY_STORAGE, key);
    history.replaceState(history.state, '', location.pathname + location.search);
    return key;
  }
  return storage.getItem(KEY_STORAGE) ?? undefined;
}

/** A transport that posts each call to the local host's bridge. */
export function localTransport(adminKey: string, endpoint: URL): Transport {
  return async (key: AdminKey, payload: unknown) => {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Admin-Key': adminKey },
        body: JSON.stringify({ key, payload }),
      });
    } catch (error) {
      throw new AdminCallError(
        'unreachable',
        `The local host did not answer (${error instanceof Error ? error.message : String(error)}). Is npm start running?`,
      );
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new AdminCallError('internal', `The local host answered ${response.status} without JSON`);
    }
    const failure = failureOf(body);
    if (failure) {
      if (response.status === 401)
        throw new AdminCallError(
          'bad-key',
          `${failure.message} Open the admin URL that npm start printed (it carries the key).`,
        );
      throw failure;
    }
    if (!response.ok || typeof body !== 'object' || body === null || !('result' in body)) {
      throw new AdminCallError('internal', `The local host answered ${response.status} without a result`);
    }
    return (body as { result: unknown }).result;
  };
}
