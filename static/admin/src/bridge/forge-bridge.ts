/**
 * The Forge side of the page: @forge/bridge, loaded only inside Forge's iframe (the package throws when it is
 * imported anywhere else, so it is imported dynamically and Vite puts it in a chunk of its own).
 */
import type { AdminKey, Transport } from './admin-client';

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
    transport: (key: AdminKey, payload: unknown) => bridge.invoke<unknown>(key, (payload ?? {}) as Record<string, unknown>),
    openLink: (href: string) => void bridge.router.open(href),
  };
}
