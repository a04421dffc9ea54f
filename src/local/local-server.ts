/**
 * The local host's node:http server: each request goes to the first route that takes it (the emulated APIs, their
 * state, SCIM, the admin page), else to the health answer or a 404; a route that throws gets a SCIM-shaped 500.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorResponse, type ScimLogger } from '../scim/error-response';
import type { EmulatorRouter } from '../../emulators';

/** Writes a whole response. */
export function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: string | undefined,
): void {
  response.writeHead(status, headers);
  response.end(body);
}

/** The routes the local host serves, tried in this order. */
export interface LocalRoutes {
  /** The emulated APIs, when the host emulates. */
  readonly emulatorRouter: EmulatorRouter | undefined;
  /** The emulated organization's state, when the host emulates. */
  readonly emulatorState:
    ((request: IncomingMessage, response: ServerResponse, pathname: string) => boolean) | undefined;
  /** The SCIM API (scim-route.ts). */
  readonly scim: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;
  /** The admin page and its bridge (admin-bridge.ts). */
  readonly adminBridge: (request: IncomingMessage, response: ServerResponse, pathname: string) => Promise<boolean>;
  /** The SCIM base URL the health answer names (known once the server listens). */
  readonly scimBaseUrl: () => string;
  readonly logger: ScimLogger;
}

/** Creates the server (not yet listening) over the routes. */
export function createLocalServer(routes: LocalRoutes): Server {
  const { emulatorRouter, emulatorState, logger } = routes;
  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      logger.error('LOCAL-E500', 'Local host failed to serve a request', {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!response.headersSent) {
        const failure = errorResponse(500, 'Internal server error');
        send(response, failure.status, failure.headers, failure.body);
      } else {
        response.destroy();
      }
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (emulatorRouter?.(request, response)) return;
    if (emulatorState?.(request, response, new URL(request.url ?? '/', 'http://local.invalid').pathname)) return;
    const url = new URL(request.url ?? '/', 'http://local.invalid');
    const pathname = url.pathname;
    if (await routes.scim(request, response, url)) return;
    if (await routes.adminBridge(request, response, pathname)) return;
    if (pathname === '/' || pathname === '/healthz') {
      send(
        response,
        200,
        { 'content-type': 'application/json' },
        JSON.stringify({ service: 'bitbucket-scim-sync', scim: routes.scimBaseUrl() }),
      );
      return;
    }
    send(
      response,
      404,
      { 'content-type': 'application/json' },
      JSON.stringify({ error: 'Not found', scim: routes.scimBaseUrl() }),
    );
  }

  return server;
}
