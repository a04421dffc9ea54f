/**
 * The emulated `https://oauth2.googleapis.com/token` for service accounts with domain-wide delegation: the JWT bearer
 * grant of RFC 7523 section 2.1 as Google documents it (developers.google.com/identity/protocols/oauth2/service-account,
 * "Preparing to make an authorized API call"): a form POST of `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`
 * and `assertion=<JWT>`, the JWT signed RS256 with the service account's key, claims `iss` (the client email), `sub`
 * (the user to impersonate), `scope` (space-separated), `aud` (the token URL), `iat` and `exp` (at most an hour
 * later). Errors answer as RFC 6749 section 5.2 says: `{ "error", "error_description" }`, 400, or 401 for a client
 * not authorised for the scopes. The descriptions are Google's where known; that a JWT without `sub` is refused is
 * this emulator's rule (real Google issues a token for the service account itself, which the Directory API then
 * refuses with 403: docs/notes/google-workspace.md, Authentication item 4), so the app must never send one.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../emulator-types';
import type { GoogleState } from './google-state';
import { findUser } from './google-state';

/** The audience every assertion must name: the real token URL, wherever the emulator is served. */
export const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';

/** The grant type of RFC 7523 section 2.1. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** How long an issued access token lasts (Google: an hour; `expires_in` is 3599). */
export const ACCESS_TOKEN_SECONDS = 3600;

/** Clock skew the endpoint tolerates on `iat` (assumed; Google does not publish it). */
const SKEW_SECONDS = 300;

/** Why a token request was refused, for tests and the violation log. */
export interface TokenRefusal {
  readonly status: number;
  readonly error: string;
  readonly description: string;
}

function refusal(status: number, error: string, description: string): TokenRefusal {
  return { status, error, description };
}

function json(status: number, body: unknown): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function decodeSegment(segment: string | undefined): Record<string, unknown> | undefined {
  if (segment === undefined || !/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Checks an assertion against the state at `nowMs`; the issued token or the refusal. */
export function exchangeAssertion(
  state: GoogleState,
  assertion: string,
  nowMs: number,
): { readonly token: string; readonly scopes: readonly string[] } | TokenRefusal {
  const parts = assertion.split('.');
  if (parts.length !== 3) return refusal(400, 'invalid_grant', 'Invalid JWT: the assertion is not a signed JWT');
  const header = decodeSegment(parts[0]);
  const claims = decodeSegment(parts[1]);
  if (header === undefined || claims === undefined)
    return refusal(400, 'invalid_grant', 'Invalid JWT: header or claims are not JSON');
  if (header.alg !== 'RS256') return refusal(400, 'invalid_grant', 'Invalid JWT: the algorithm must be RS256');
  const iss = claims.iss;
  if (typeof iss !== 'string' || iss === '') return refusal(400, 'invalid_grant', 'Invalid JWT: no iss claim');
  const account = state.serviceAccounts.get(iss.toLowerCase());
  if (account === undefined) return refusal(400, 'invalid_grant', 'Invalid grant: account not found');
  const signature = Buffer.from(parts[2] ?? '', 'base64url');
  const signedOk =
    (header.kid === undefined || header.kid === account.keyId) &&
    verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), createPublicKey(account.publicKeyPem), signature);
  if (!signedOk) return refusal(400, 'invalid_grant', 'Invalid JWT Signature.');
  if (claims.aud !== GOOGLE_TOKEN_AUDIENCE)
    return refusal(400, 'invalid_grant', 'Invalid JWT: Failed audience check. The expected value is the token URL.');
  const iat = claims.iat;
  const exp = claims.exp;
  const now = Math.floor(nowMs / 1000);
  if (
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    !Number.isInteger(iat) ||
    !Number.isInteger(exp) ||
    exp <= iat ||
    exp - iat > 3600 ||
    exp <= now ||
    iat > now + SKEW_SECONDS
  ) {
    return refusal(
      400,
      'invalid_grant',
      'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    );
  }
  const scope = claims.scope;
  if (typeof scope !== 'string' || scope.trim() === '')
    return refusal(400, 'invalid_scope', 'Empty or missing scope not allowed.');
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '')
    return refusal(
      400,
      'invalid_grant',
      'Invalid JWT: no sub claim; domain-wide delegation needs the user to impersonate',
    );
  const user = findUser(state, sub);
  if (user === undefined || user.primaryEmail.toLowerCase() !== sub.toLowerCase())
    return refusal(400, 'invalid_grant', 'Invalid email or User ID');
  const scopes = scope.split(' ').filter((s) => s !== '');
  const granted = state.delegations.get(account.clientId) ?? new Set<string>();
  if (!scopes.every((s) => granted.has(s))) {
    return refusal(
      401,
      'unauthorized_client',
      'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
    );
  }
  const token = `ya29.emulated-${randomBytes(24).toString('base64url')}`;
  state.tokens.set(token, {
    clientEmail: account.clientEmail,
    subject: user.primaryEmail,
    scopes,
    expiresAt: nowMs + ACCESS_TOKEN_SECONDS * 1000,
  });
  return { token, scopes };
}

/** Answers one request to the token path; `onBadRequest` hears of requests that break the protocol itself. */
export function handleTokenRequest(
  state: GoogleState,
  request: EmulatorRequest,
  nowMs: number,
  onBadRequest: (messages: string[]) => void,
): EmulatorResponse {
  if (request.method !== 'POST') {
    onBadRequest([`${request.method} /token: the token endpoint takes POST`]);
    return json(405, { error: 'invalid_request', error_description: 'The token endpoint takes POST' });
  }
  const contentType = (request.headers['content-type']?.[0] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    onBadRequest([
      `POST /token: content type ${contentType || '(none)'}, RFC 6749 section 4.1.3 requires application/x-www-form-urlencoded`,
    ]);
    return json(400, { error: 'invalid_request', error_description: 'The request must be form-encoded' });
  }
  const form = new URLSearchParams(request.body ?? '');
  const grantType = form.get('grant_type');
  const assertion = form.get('assertion');
  if (grantType !== JWT_BEARER_GRANT || assertion === null) {
    onBadRequest([
      `POST /token: grant_type ${grantType ?? '(none)'} and ${assertion === null ? 'no' : 'an'} assertion; the app sends the JWT bearer grant`,
    ]);
    return json(400, {
      error: grantType === JWT_BEARER_GRANT ? 'invalid_request' : 'unsupported_grant_type',
      error_description: 'Expected the JWT bearer grant with an assertion',
    });
  }
  const outcome = exchangeAssertion(state, assertion, nowMs);
  if ('error' in outcome) return json(outcome.status, { error: outcome.error, error_description: outcome.description });
  return json(200, { access_token: outcome.token, expires_in: ACCESS_TOKEN_SECONDS - 1, token_type: 'Bearer' });
}
