/**
 * The credential the served emulators require. A local host or `npm run emulators` generates one key and prints it
 * (`Emulator key: <key>`); the emulated Admin API then accepts only `Authorization: Bearer <key>` (the real one takes
 * the org API key as a bearer token: docs/notes/atlassian-admin-api.md), emulated Bitbucket only Basic
 * `<admin email>:<key>` (the real one takes an Atlassian account's email and API token), and `/emulator/state` only
 * the bearer key. Comparisons are of SHA-256 digests in constant time, so timing reveals nothing of the key.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { basicCredentials } from './openapi/validator';
import { EMULATED_ADMIN } from './seed';

/** The start-up line that names the key; tools that start the emulators read the key from it. */
export const EMULATOR_KEY_LINE_PREFIX = 'Emulator key: ';

/** The only email emulated Bitbucket accepts with the key: the seeded workspace admin's. */
export const EMULATOR_BITBUCKET_EMAIL = EMULATED_ADMIN.email;

/** A fresh emulator key: 256 random bits, base64url, with a prefix that says what it is. */
export function generateEmulatorKey(): string {
  return `emu_${randomBytes(32).toString('base64url')}`;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Whether two strings are equal, compared in constant time over their SHA-256 digests. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

/** Whether an Authorization header carries `Bearer <key>`. */
export function bearerMatches(authorization: string | undefined, key: string): boolean {
  const token = bearerToken(authorization);
  return token !== undefined && sameSecret(token, key);
}

/** Whether an Authorization header carries Basic `<email>:<key>` (the email compared case-insensitively). */
export function basicMatches(
  authorization: string | undefined,
  credential: { readonly email: string; readonly apiToken: string },
): boolean {
  const basic = basicCredentials(authorization);
  if (basic === undefined) return false;
  // Both halves are always compared, so a wrong email takes as long as a wrong token.
  const emailOk = sameSecret(basic.user.toLowerCase(), credential.email.toLowerCase());
  const tokenOk = sameSecret(basic.password, credential.apiToken);
  return emailOk && tokenOk;
}
