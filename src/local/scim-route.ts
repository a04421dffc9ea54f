/**
 * The local host's SCIM route: a request under /scim/v2 is read (bounded, strictly UTF-8) and handed, shaped as Forge
 * shapes it, to the very web trigger handler Forge calls; the socket's peer address goes with it in a header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ForgeWebTriggerHandler, ForgeWebTriggerRequest } from '../forge/scim-web-trigger';
import { errorResponse } from '../scim/error-response';
import { defaultServiceLimits } from '../scim/service';
import { send } from './local-server';

/** Where the SCIM API is served on the local host. */
export const SCIM_PREFIX = '/scim/v2';

/** The header the local host gives the app the socket's peer address in; a client's own copy is dropped. */
export const PEER_HEADER = 'x-local-peer-address';

function forgeHeaders(request: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (values && name !== PEER_HEADER) out[name] = values;
  }
  out[PEER_HEADER] = [request.socket.remoteAddress ?? 'unknown'];
  return out;
}

function forgeQuery(search: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of search) (out[name] ??= []).push(value);
  return out;
}

/**
 * Reads a request body as UTF-8 (RFC 8259 section 8.1, which RFC 7644 section 3.8 requires). The decoder is fatal:
 * invalid bytes are refused, never silently turned into U+FFFD, which would make different byte strings one name.
 * Only this host sees the bytes; on Forge the platform decodes the body before the web trigger gets it, so there
 * the check cannot be made (and U+FFFD in the text may well have been sent as such).
 */
async function readBody(request: IncomingMessage, limit: number): Promise<string | 'too-large' | 'invalid-utf8'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) return 'too-large';
    chunks.push(buffer);
  }
  try {
    // ignoreBOM keeps a byte order mark in the text, as Buffer#toString did, so JSON.parse still refuses it.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks));
  } catch {
    return 'invalid-utf8';
  }
}

/** Builds the SCIM route over the web trigger handler; it answers true when the request was under SCIM_PREFIX. */
export function createScimRoute(
  webTrigger: ForgeWebTriggerHandler,
): (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean> {
  return async (request, response, url) => {
    const pathname = url.pathname;
    if (!(
      pathname.toLowerCase() === SCIM_PREFIX.toLowerCase() ||
      pathname.toLowerCase().startsWith(`${SCIM_PREFIX.toLowerCase()}/`)
    ))
      return false;
    const body = await readBody(request, defaultServiceLimits.maxBodyBytes);
    if (body === 'too-large') {
      const tooLarge = errorResponse(413, `The request body exceeds ${defaultServiceLimits.maxBodyBytes} bytes`);
      send(response, tooLarge.status, { ...tooLarge.headers, connection: 'close' }, tooLarge.body);
      request.resume();
      return true;
    }
    if (body === 'invalid-utf8') {
      const invalid = errorResponse(400, 'The request body is not valid UTF-8', 'invalidSyntax');
      send(response, invalid.status, invalid.headers, invalid.body);
      return true;
    }
    const forgeRequest: ForgeWebTriggerRequest = {
      method: (request.method ?? 'GET').toUpperCase(),
      path: pathname,
      userPath: pathname.slice(SCIM_PREFIX.length),
      headers: forgeHeaders(request),
      queryParameters: forgeQuery(url.searchParams),
      body: body === '' ? undefined : body,
    } as ForgeWebTriggerRequest;
    const result = await webTrigger(forgeRequest, {});
    send(response, result.statusCode, result.headers ?? {}, result.body);
    return true;
  };
}
