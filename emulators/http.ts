/**
 * Serves the emulators over node:http under `/emulated/admin` (standing for https://api.atlassian.com/admin)
 * and `/emulated/bitbucket` (standing for https://api.bitbucket.org), so the local host and loopback tests
 * reach them like the real APIs. A dropped-connection fault destroys the socket.
 *
 * Nothing of a body is read before the request has shown an accepted credential (Emulator.refuse answers from the
 * headers) and a Content-Length within the limit; a body without one (chunked) is read only up to the limit. Either
 * excess answers 413 and closes the connection (RFC 9110 section 15.5.14), so no request holds more than the limit.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Emulator, EmulatorRequest } from './emulator-types';
import { DroppedConnectionError } from './faults';

/** Where the Admin API emulator is served. */
export const ADMIN_PREFIX = '/emulated/admin';

/** Where the Bitbucket emulator is served. */
export const BITBUCKET_PREFIX = '/emulated/bitbucket';

/** Where the Google Workspace emulator is served: the Directory API below it, the token endpoint at `<prefix>/token`. */
export const GOOGLE_PREFIX = '/emulated/google';

/** The largest request body read by default: the SCIM API's (src/scim/service.ts defaultServiceLimits.maxBodyBytes). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Which emulators to serve, and where. */
export interface EmulatorMountOptions {
  readonly admin?: Emulator;
  readonly bitbucket?: Emulator;
  readonly google?: Emulator;
  readonly adminPrefix?: string;
  readonly bitbucketPrefix?: string;
  /** The largest request body read, in bytes (DEFAULT_MAX_BODY_BYTES); a larger one answers 413. */
  readonly maxBodyBytes?: number;
}

/** Handles a request if it is under an emulator prefix (returns true) and leaves it alone otherwise. */
export type EmulatorRouter = (request: IncomingMessage, response: ServerResponse) => boolean;

function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The body as UTF-8, or `too-large` as soon as more than `limit` bytes arrived; from then on nothing is kept (the
 * stream is left flowing for the lingering close, not destroyed, which would reset the connection before the 413).
 */
function readBody(request: IncomingMessage, limit: number): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      stop();
      chunks.length = 0;
      resolve('too-large');
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    const stop = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

/** Whether the declared Content-Length exceeds `limit` (a missing or malformed one is judged while reading). */
function declaredTooLarge(request: IncomingMessage, limit: number): boolean {
  const declared = Number(request.headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

/** How long a refused request's connection keeps discarding what the client still sends before it is destroyed. */
const LINGER_MS = 2000;

/**
 * Answers, then closes the connection without keeping anything of the rest of the body: the write side closes once
 * the answer is out, and what the client still sends is discarded for LINGER_MS before the socket is destroyed. A
 * socket closed with unread data resets, and a reset can destroy the answer before the client reads it: this is
 * the lingering close of RFC 9112 section 9.6.
 */
function answerAndClose(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
): void {
  const socket = request.socket;
  response.writeHead(status, { ...headers, connection: 'close' });
  // Node destroys a socket at once after an answer marked `connection: close`; this one lingers instead.
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  response.end(body);
  request.resume();
}

function tooLarge(request: IncomingMessage, response: ServerResponse, limit: number): void {
  answerAndClose(
    request,
    response,
    413,
    { 'content-type': 'application/json' },
    JSON.stringify({ error: { message: `The request body exceeds ${limit} bytes` } }),
  );
}

/** Starts `server` listening on `host:port` (port 0: any free one) and resolves with its base URL, `http://host:port`. */
export async function listenOn(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/** Translates a node request's method, path, query and headers into an EmulatorRequest without a body. */
export function toEmulatorHead(request: IncomingMessage, prefix: string): EmulatorRequest {
  const raw = request.url ?? '/';
  const queryStart = raw.indexOf('?');
  const rawPath = queryStart === -1 ? raw : raw.slice(0, queryStart);
  const query: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(queryStart === -1 ? '' : raw.slice(queryStart + 1)))
    (query[name] ??= []).push(value);
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    (headers[name] ??= []).push(request.rawHeaders[i + 1] ?? '');
  }
  const protocol = (request.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    path: rawPath.slice(prefix.length) || '/',
    query,
    headers,
    body: undefined,
    baseUrl: `${protocol}://${request.headers.host ?? 'localhost'}${prefix}`,
  };
}

async function serve(
  emulator: Emulator,
  prefix: string,
  limit: number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const head = toEmulatorHead(request, prefix);
    const refusal = emulator.refuse?.(head);
    if (refusal !== undefined) {
      answerAndClose(request, response, refusal.status, refusal.headers, refusal.body);
      return;
    }
    if (declaredTooLarge(request, limit)) {
      tooLarge(request, response, limit);
      return;
    }
    const body = await readBody(request, limit);
    if (body === 'too-large') {
      tooLarge(request, response, limit);
      return;
    }
    const answer = await emulator.handle({ ...head, body: body === '' ? undefined : body });
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  } catch (error) {
    if (error instanceof DroppedConnectionError) {
      request.socket.destroy();
      return;
    }
    if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
    response.end('Emulator host failure');
  }
}

/** Returns a router for the given emulators. */
export function createEmulatorRouter(options: EmulatorMountOptions): EmulatorRouter {
  const mounts: Array<{ prefix: string; emulator: Emulator }> = [];
  if (options.admin !== undefined)
    mounts.push({ prefix: options.adminPrefix ?? ADMIN_PREFIX, emulator: options.admin });
  if (options.bitbucket !== undefined)
    mounts.push({ prefix: options.bitbucketPrefix ?? BITBUCKET_PREFIX, emulator: options.bitbucket });
  if (options.google !== undefined) mounts.push({ prefix: GOOGLE_PREFIX, emulator: options.google });
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const mount = mounts.find((m) => underPrefix(path, m.prefix));
    if (mount === undefined) return false;
    void serve(mount.emulator, mount.prefix, limit, request, response);
    return true;
  };
}

function notFound(response: ServerResponse): void {
  response.writeHead(404, { 'content-type': 'text/plain' });
  response.end('Not found');
}

/** A complete request listener: the emulators under their prefixes, 404 for everything else. */
export function createEmulatorRequestListener(options: EmulatorMountOptions): RequestListener {
  const router = createEmulatorRouter(options);
  return (request, response) => {
    if (!router(request, response)) notFound(response);
  };
}

/**
 * Puts the emulators in front of a server's existing request listeners: emulator paths are served here,
 * everything else goes to the listeners the server had. Returns a function that undoes the mount.
 */
export function mountEmulators(server: Server, options: EmulatorMountOptions): () => void {
  const router = createEmulatorRouter(options);
  const previous = server.listeners('request') as RequestListener[];
  const listener: RequestListener = (request, response) => {
    if (router(request, response)) return;
    if (previous.length === 0) notFound(response);
    for (const handler of previous) handler.call(server, request, response);
  };
  server.removeAllListeners('request');
  server.on('request', listener);
  return () => {
    server.removeListener('request', listener);
    for (const handler of previous) server.on('request', handler);
  };
}
