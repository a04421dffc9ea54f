/**
 * `GET /emulator/state` and `GET /emulator/counts` on the local host, as `npm run emulators` serves them, so the
 * emulated organization `npm start` writes to can be looked at: its accounts, org groups with members and roles,
 * Bitbucket's group grants and (unless `?logs=false`) the write logs. Behind a key: the snapshot lists every
 * account and email. Until the emulators require a key of their own (printed at start as `Emulator key: …`), the
 * admin page's key is accepted, sent as `x-admin-key` or `Authorization: Bearer <key>`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  COUNTS_PATH,
  STATE_PATH,
  snapshotEmulators,
  type Emulator,
  type EmulatorCounts,
  type LinkedEmulators,
} from '../../emulators';

/** Requests each emulator of the local host received, counted by `countingEmulator`. */
export interface MutableRequestCounts {
  admin: number;
  bitbucket: number;
}

/** Wraps an emulator so every request it handles is counted. */
export function countingEmulator(emulator: Emulator, count: () => void): Emulator {
  return {
    handle(request) {
      count();
      return emulator.handle(request);
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The key a request presents: `x-admin-key`, or a bearer token. */
function presentedKey(request: IncomingMessage): string | undefined {
  const header = request.headers['x-admin-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = /^\s*bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return authorization?.[1];
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** Builds the route; it answers true when it served the request. `keys` are the keys that open it. */
export function createEmulatorStateRoute(options: {
  readonly emulators: LinkedEmulators;
  readonly requests: MutableRequestCounts;
  readonly keys: () => readonly string[];
}): (request: IncomingMessage, response: ServerResponse, pathname: string) => boolean {
  return (request, response, pathname) => {
    if (pathname !== STATE_PATH && pathname !== COUNTS_PATH) return false;
    if (request.method !== 'GET') {
      json(response, 405, { error: 'Use GET' });
      return true;
    }
    const given = presentedKey(request);
    const allowed = given !== undefined && options.keys().some((key) => timingSafeEqual(digest(given), digest(key)));
    if (!allowed) {
      json(response, 401, {
        error:
          'Send the admin key that npm start printed (in the admin page URL after #key=) as the x-admin-key header or as a bearer token',
      });
      return true;
    }
    const url = new URL(request.url ?? '/', 'http://local.invalid');
    const { emulators, requests } = options;
    if (pathname === STATE_PATH) {
      json(
        response,
        200,
        snapshotEmulators(emulators, requests, { stateOnly: url.searchParams.get('logs') === 'false' }),
      );
    } else {
      json(response, 200, {
        requests: { ...requests },
        writes: { admin: emulators.admin.writeLog.length, bitbucket: emulators.bitbucket.writeLog.length },
      } satisfies EmulatorCounts);
    }
    return true;
  };
}
