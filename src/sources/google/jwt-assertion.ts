/**
 * The JWT a service account signs to get an access token for an impersonated admin (RFC 7523 section 2.1; Google:
 * developers.google.com/identity/protocols/oauth2/service-account, "Preparing to make an authorized API call"):
 * header `{"alg":"RS256","typ":"JWT","kid":<key id>}`, claims `iss` (the client email), `sub` (the admin),
 * `scope` (space-separated), `aud` (the token URL), `iat` and `exp` (an hour later at most), signed with RSASSA
 * PKCS#1 v1.5 over SHA-256 (RFC 7518 section 3.3) by node:crypto. A library (google-auth-library) would do the same
 * with ~86 KB of gzip and its own HTTP stack; why the app signs itself is in docs/idp/google-workspace.md.
 */
import { createSign } from 'node:crypto';
import type { ServiceAccountKey } from './service-account-key';
import { GOOGLE_TOKEN_URL } from './scopes';

/** How long an assertion claims to be valid: Google's maximum. */
export const ASSERTION_LIFETIME_SECONDS = 3600;

/** What an assertion asks for. */
export interface AssertionRequest {
  /** The admin to impersonate (required: without it the service account acts as itself, which is not an admin). */
  readonly subject: string;
  readonly scopes: readonly string[];
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** The `aud` claim; Google's token URL unless a test says otherwise. */
  readonly audience?: string;
}

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Signs an assertion with the key; the result is `header.claims.signature` in base64url. */
export function signAssertion(key: ServiceAccountKey, request: AssertionRequest): string {
  if (request.subject.trim() === '') throw new Error('An assertion needs the admin to impersonate (sub)');
  const iat = Math.floor(request.now / 1000);
  const input = `${segment({ alg: 'RS256', typ: 'JWT', kid: key.privateKeyId })}.${segment({
    iss: key.clientEmail,
    sub: request.subject,
    scope: request.scopes.join(' '),
    aud: request.audience ?? GOOGLE_TOKEN_URL,
    iat,
    exp: iat + ASSERTION_LIFETIME_SECONDS,
  })}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key.privateKey, 'base64url');
  return `${input}.${signature}`;
}
