/**
 * The local host's stand-in for Forge's Custom UI hosting and bridge: serves the built admin page at /admin/
 * under a strict Content Security Policy like Forge's (inline styles allowed, as Atlaskit needs), and answers
 * `POST /admin/api/invoke` with `{ key, payload }` by calling the very resolver handlers Forge calls. The admin
 * key (printed by `npm start`) stands for Forge's signed-in workspace admin: a call without it is refused.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Handlers } from '@forge/resolver';
import { invokeAdmin } from '../admin/admin-handlers';
import type { ScimLogger } from '../scim/error-response';
import type { AdminApi } from '../shared/admin-api';

/** Where the admin page is served. */
export const ADMIN_PREFIX = '/admin/';
/** The bridge's endpoint. */
export const ADMIN_INVOKE_PATH = '/admin/api/invoke';
/** The header carrying the admin key. */
export const ADMIN_KEY_HEADER = 'x-admin-key';
/** The installation context the local bridge gives every call: a fixed local workspace. */
export const LOCAL_INSTALL_CONTEXT = 'ari:cloud:bitbucket::workspace/00000000-0000-4000-8000-000000000001';

const MAX_INVOKE_BYTES = 512 * 1024;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
};

/** Options of the bridge. */
export interface AdminBridgeOptions {
  readonly handlers: Handlers<AdminApi>;
  readonly adminKey: string;
  /** The built page (static/admin/dist). */
  readonly staticDir: string;
  readonly logger: ScimLogger;
  /** Runs each call as a resolver invocation of the local Forge runtime (its time and call limits apply). */
  readonly runAsResolver?: <T>(key: string, call: () => Promise<T>) => Promise<T>;
  /** The installation context every call gets (default LOCAL_INSTALL_CONTEXT); the local host gives the emulated workspace's. */
  readonly installContext?: string;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_INVOKE_BYTES) throw new RangeError('too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

/** Builds the request handler; it answers true when it served the request. */
export function createAdminBridge(
  options: AdminBridgeOptions,
): (request: IncomingMessage, response: ServerResponse, pathname: string) => Promise<boolean> {
  const expected = digest(options.adminKey);
  const root = path.resolve(options.staticDir);

  const invoke = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST') {
      json(response, 405, { error: { reason: 'invalid-input', message: 'Use POST' } });
      return;
    }
    const given = request.headers[ADMIN_KEY_HEADER];
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
      request.resume();
      json(response, 401, {
        error: {
          reason: 'not-signed-in',
          message: 'The admin key is missing or wrong: open the admin URL that npm start printed',
        },
      });
      return;
    }
    let body: unknown;
    try {
      body = await readJson(request);
    } catch {
      json(response, 400, {
        error: { reason: 'invalid-input', message: `The request must be JSON of at most ${MAX_INVOKE_BYTES} bytes` },
      });
      return;
    }
    const { key, payload } = (typeof body === 'object' && body !== null ? body : {}) as {
      key?: unknown;
      payload?: unknown;
    };
    if (typeof key !== 'string') {
      json(response, 400, { error: { reason: 'invalid-input', message: 'key must name an admin call' } });
      return;
    }
    const call = () =>
      invokeAdmin(
        options.handlers,
        key,
        {
          payload,
          context: { accountId: 'local-admin', installContext: options.installContext ?? LOCAL_INSTALL_CONTEXT },
        },
        options.logger,
      );
    let result: Awaited<ReturnType<typeof call>>;
    try {
      result = options.runAsResolver ? await options.runAsResolver(key, call) : await call();
    } catch (error) {
      // The platform stopped the invocation (time, memory or invocation rate): the bridge's invoke rejects on Forge.
      options.logger.error('ADMIN-PLATFORM', 'The runtime stopped an admin call', {
        key,
        error: error instanceof Error ? error.message : String(error),
      });
      json(response, 503, {
        error: { reason: 'internal', message: 'The admin call was stopped by the platform; try again' },
      });
      return;
    }
    json(
      response,
      200,
      typeof result === 'object' && result !== null && 'error' in result ? result : { result: result ?? null },
    );
  };

  const serveFile = async (response: ServerResponse, pathname: string): Promise<void> => {
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(ADMIN_PREFIX.length));
    } catch {
      relative = '';
    }
    const candidate = path.resolve(root, relative === '' ? 'index.html' : relative);
    const inside = candidate === root || candidate.startsWith(`${root}${path.sep}`);
    const file =
      inside && (await stat(candidate).catch(() => undefined))?.isFile() ? candidate : path.join(root, 'index.html');
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('The admin page is not built: run `npm run build:ui`, then reload.');
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'max-age=300',
    });
    response.end(content);
  };

  return async (request, response, pathname) => {
    if (pathname === '/admin') {
      response.writeHead(308, { location: ADMIN_PREFIX });
      response.end();
      return true;
    }
    if (!pathname.startsWith(ADMIN_PREFIX)) return false;
    if (pathname === ADMIN_INVOKE_PATH) await invoke(request, response);
    else await serveFile(response, pathname);
    return true;
  };
}
