/**
 * The Forge side of the page: @forge/bridge, loaded only inside Forge's iframe (the package throws when it is
 * imported anywhere else, so it is imported dynamically and Vite puts it in a chunk of its own).
 */
import { AdminCallError, CONSENT_MESSAGE, type AdminKey, type Transport } from './admin-client';

/** The `name` of Forge's consent request (@forge/api 8.3.0 `out/api/errors.js`, NeedsAuthenticationError). */
const CONSENT_ERROR_NAME = 'NEEDS_AUTHENTICATION_ERR';
/** Its name or its message (`Authentication Required`, @forge/api 8.3.0 `out/api/fetch.js`) inside a text. */
const CONSENT_TEXT = /NEEDS_AUTHENTICATION_ERR|Authentication Required/i;

/**
 * True when a rejected `invoke` is Forge's consent request: the resolver let it propagate (src/forge/admin-resolver.ts).
 * @forge/bridge 7.2.0 passes on whatever the host's `callBridge` rejects with (`out/invoke/invoke.js`), and an
 * error sent between frames keeps its message but may lose a custom name, so both are read
 * (docs/notes/forge-platform.md, "Resolvers").
 */
export function isConsentRejection(error: unknown): boolean {
  if (typeof error === 'string') return CONSENT_TEXT.test(error);
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === CONSENT_ERROR_NAME || (typeof message === 'string' && CONSENT_TEXT.test(message));
}

/** Calls a resolver through `invoke`, turning Forge's consent request into a `consent-required` AdminCallError. */
export function forgeTransport(invoke: (key: string, payload: Record<string, unknown>) => Promise<unknown>): Transport {
  return async (key: AdminKey, payload: unknown) => {
    try {
      return await invoke(key, (payload ?? {}) as Record<string, unknown>);
    } catch (error) {
      if (isConsentRejection(error)) throw new AdminCallError('consent-required', CONSENT_MESSAGE);
      throw error;
    }
  };
}

/** True inside a Forge Custom UI iframe, where the host page provides `window.__bridge`. */
export function insideForge(scope: object): boolean {
  const bridge = (scope as { __bridge?: { callBridge?: unknown } }).__bridge;
  return typeof bridge?.callBridge === 'function';
}

/** What the page needs from Forge: resolver calls, and opening links (the iframe may not open windows). */
export interface ForgeConnection {
  readonly transport: Transport;
  readonly openLink: (href: string) => void;
}

/** Loads @forge/bridge and follows the host's light or dark theme. */
export async function connectForge(): Promise<ForgeConnection> {
  const bridge = await import('@forge/bridge');
  await bridge.view.theme.enable().catch(() => undefined);
  return {
    transport: forgeTransport((key, payload) => bridge.invoke<unknown>(key, payload)),
    openLink: (href: string) => void bridge.router.open(href),
  };
}
