/**
 * A fetch that hands requests to emulators in process, the way `mountEmulators` would over HTTP: a URL under a
 * mount's base goes to that emulator, a dropped-connection fault becomes the TypeError the global fetch throws,
 * and an abort signal is honoured. Tests and benchmarks pass it to the app's clients; its call shape is the one
 * the global fetch has (and the app's `TargetFetch`, src/targets/http/target-fetch.ts), declared here so that
 * the emulators import nothing from the app.
 */
import type { Emulator, EmulatorRequest } from './emulator-types';
import { DroppedConnectionError } from './faults';

/** What a client hands to fetch: always a method and headers, a string body when there is one. */
export interface EmulatorFetchInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Aborts the request. */
  readonly signal?: AbortSignal;
}

/** The part of a fetch response a client reads. */
export interface EmulatorFetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** A fetch function over the emulators. */
export type EmulatorFetch = (url: string, init: EmulatorFetchInit) => Promise<EmulatorFetchResponse>;

/** An emulator and the base URL it stands for (no trailing slash). */
export interface EmulatorMount {
  readonly baseUrl: string;
  readonly emulator: Emulator;
}

/** A fetch response over a string body, with case-insensitive header lookup. */
export function stringResponse(
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
): EmulatorFetchResponse {
  const lower = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { status, headers: { get: (name) => lower.get(name.toLowerCase()) ?? null }, text: async () => body };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/**
 * `work`, or the signal's reason once it aborts first. The abort listener is removed when `work` settles, as
 * undici's fetch does: Node keeps an `AbortSignal.timeout` signal that has a listener (and all the listener
 * reaches) alive until its real-time timer fires, so a listener left behind would hold every request for its timeout.
 */
async function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

/** Routes each request to the mount whose base URL it starts with; anything else is a connection failure. */
export function emulatorFetch(...mounts: EmulatorMount[]): EmulatorFetch {
  return async (url, init) => {
    const mount = mounts.find((m) => url.startsWith(`${m.baseUrl}/`));
    if (mount === undefined) throw new TypeError(`fetch failed: nothing listens at ${url}`);
    const parsed = new URL(url);
    const basePath = new URL(mount.baseUrl).pathname.replace(/\/$/, '');
    const query: Record<string, string[]> = {};
    for (const [name, value] of parsed.searchParams) (query[name] ??= []).push(value);
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(init.headers)) headers[name.toLowerCase()] = [value];
    const request: EmulatorRequest = {
      method: init.method.toUpperCase(),
      path: parsed.pathname.slice(basePath.length) || '/',
      query,
      headers,
      body: init.body,
      baseUrl: mount.baseUrl,
    };
    const signal = init.signal;
    if (signal?.aborted === true) throw abortError(signal);
    const handled = mount.emulator.handle(request).catch((error: unknown) => {
      // What undici's fetch throws when the server destroys the socket.
      if (error instanceof DroppedConnectionError) throw new TypeError('fetch failed', { cause: error });
      throw error;
    });
    const answer = signal === undefined ? await handled : await raceAbort(handled, signal);
    return stringResponse(answer.status, answer.headers, answer.body ?? '');
  };
}
