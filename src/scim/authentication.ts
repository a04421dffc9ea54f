/**
 * Bearer-token authentication of SCIM requests (RFC 7644 section 2, RFC 6750): which token a request presents, and
 * the 401 that answers a missing or invalid one with its WWW-Authenticate challenge (RFC 6750 section 3).
 */
import { errorResponse } from './error-response';
import { headerValue, type ScimRequest, type ScimResponse } from './protocol';

/** The token of an `Authorization: Bearer <token>` header (scheme matched case-insensitively), or undefined. */
export function bearerToken(request: ScimRequest): string | undefined {
  const header = headerValue(request, 'authorization');
  if (!header) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** The answer to a request without a valid bearer token. */
export function unauthenticated(): ScimResponse {
  return errorResponse(401, 'A valid bearer token is required', undefined, {
    'www-authenticate': 'Bearer realm="SCIM"',
  });
}
