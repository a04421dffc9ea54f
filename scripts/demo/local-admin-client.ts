/** Calls the local host's admin bridge (`POST /admin/api/invoke`, src/local/admin-bridge.ts) with the admin key. */
import type { AdminApi } from '../../src/shared/admin-api';

/** A typed call of one admin resolver. */
export type AdminCall = <K extends keyof AdminApi>(
  key: K,
  payload?: Parameters<AdminApi[K]>[0],
) => Promise<Awaited<ReturnType<AdminApi[K]>>>;

/** The admin client of the local host at `origin`. */
export function localAdminClient(origin: string, adminKey: string): AdminCall {
  return async (key, payload) => {
    const response = await fetch(`${origin}/admin/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-key': adminKey },
      body: JSON.stringify({ key, payload: payload ?? {} }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { result?: unknown; error?: { reason: string; message: string } };
    if (body.error) throw new Error(`${key}: ${body.error.message} (${body.error.reason})`);
    return body.result as never;
  };
}
