/**
 * Serves the emulators over node:http under `/emulated/admin` (standing for https://api.atlassian.com/admin)
 * and `/emulated/bitbucket` (standing for https://api.bitbucket.org), so the local host and loopback tests
 * reach them like the real APIs. A dropped-connection fault destroys the socket.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Emulator, EmulatorRequest } from './emulator-types';
import { DroppedConnectionError } from './faults';

/** Where the Admin API emulator is served. */
export const ADMIN_PREFIX = '/emulated/admin';

/** Where the Bitbucket emulator is served. */
export const BITBUCKET_PREFIX = '/emulated/bitbucket';

/** Which emulators to serve, and where. */
export interface EmulatorMountOptions {
  readonly admin?: Emulator;
  readonly bitbucket?: Emulator;
  readonly adminPrefix?: string;
  readonly bitbucketPrefix?: string;
}

/** Handles a request if it is under an emulator prefix (returns true) and leaves it alone otherwise. */
export type EmulatorRouter = (request: IncomingMessage, response: ServerResponse) => boolean;

function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
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

/** Translates a node request into an EmulatorRequest for the emulator mounted at `prefix`. */
export async function toEmulatorRequest(request: IncomingMessage, prefix: string): Promise<EmulatorRequest> {
  const raw = request.url ?? '/';
  const queryStart = raw.indexOf('?');
  const rawPath = queryStart === -1 ? raw : raw.slice(0, queryStart);
  const query: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(queryStart === -1 ? '' : raw.slice(queryStart + 1))) (query[name] ??= []).push(value);
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] ?? '').toLowerCase();
    (headers[name] ??= []).push(request.rawHeaders[i + 1] ?? '');
  }
  const body = await readBody(request);
  const protocol = (request.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    path: rawPath.slice(prefix.length) || '/',
    query,
    headers,
    body: body === '' ? undefined : body,
    baseUrl: `${protocol}://${request.headers.host ?? 'localhost'}${prefix}`,
  };
}

async function serve(emulator: Emulator, prefix: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const answer = await emulator.handle(await toEmulatorRequest(request, prefix));
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
  if (options.admin !== undefined) mounts.push({ prefix: options.adminPrefix ?? ADMIN_PREFIX, emulator: options.admin });
  if (options.bitbucket !== undefined) mounts.push({ prefix: options.bitbucketPrefix ?? BITBUCKET_PREFIX, emulator: options.bitbucket });
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const mount = mounts.find((m) => underPrefix(path, m.prefix));
    if (mount === undefined) return false;
    void serve(mount.emulator, mount.prefix, request, response);
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
