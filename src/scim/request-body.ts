/**
 * Checks of a request body before any handler reads it: its size (413) and media type (415) for every request, and
 * its JSON, depth first, when a handler parses it (400 invalidSyntax; RFC 7644 section 3.12).
 */
import { ScimError } from './errors';
import { assertJsonDepth } from './json-depth';
import { headerValue, type ScimRequest } from './protocol';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    type === 'application/json' ||
    type === 'application/scim+json' ||
    (type.startsWith('application/') && type.endsWith('+json'))
  );
}

/**
 * Refuses a body over `maxBodyBytes` (413) and a POST, PUT or PATCH body declared as anything but JSON (415;
 * RFC 7644 section 3.1 names application/scim+json, and IdPs also send application/json).
 */
export function checkRequestBody(request: ScimRequest, maxBodyBytes: number): void {
  if (request.body !== undefined && Buffer.byteLength(request.body) > maxBodyBytes) {
    throw ScimError.plain(413, `The request body exceeds ${maxBodyBytes} bytes`);
  }
  if (WRITE_METHODS.has(request.method.toUpperCase())) {
    const contentType = headerValue(request, 'content-type');
    if (contentType !== undefined && contentType.trim() !== '' && !isJsonMediaType(contentType)) {
      throw ScimError.plain(415, 'Send JSON: application/scim+json or application/json');
    }
  }
}

/** Parses the JSON body a handler needs; a missing, too deeply nested or malformed body is a 400 invalidSyntax. */
export function parseBody(request: ScimRequest): unknown {
  if (request.body === undefined || request.body.trim() === '')
    throw ScimError.invalidSyntax('The request needs a JSON body');
  // Before JSON.parse and every recursive walk of the value: a deep body is a 400, never a stack overflow.
  assertJsonDepth(request.body);
  try {
    return JSON.parse(request.body) as unknown;
  } catch (error) {
    throw ScimError.invalidSyntax('The request body is not valid JSON', error);
  }
}

/**
 * The JSON body as a handler would read it, or undefined where the service refuses the request for its body (over
 * `maxBodyBytes`, not JSON, too deep, malformed or missing): for a host that looks at a write before the service
 * does (src/app/intake-gate.ts), through the same checks, so that no body is parsed unguarded.
 */
export function peekBody(request: ScimRequest, maxBodyBytes: number): unknown {
  try {
    checkRequestBody(request, maxBodyBytes);
    return parseBody(request);
  } catch (error) {
    if (error instanceof ScimError) return undefined;
    throw error;
  }
}
