/**
 * The service account key an admin uploads: the JSON file the Google Cloud console downloads for a service account
 * (`type` `service_account`, `client_email`, `client_id`, `private_key_id`, `private_key` as PKCS#8 PEM). Only what
 * the app needs is kept, and the private key is checked to be an RSA key before it is stored (a key that cannot sign
 * RS256 would fail every pull). The key lives in secret storage; only the client email, client id and key id are shown.
 */
import { createPrivateKey } from 'node:crypto';
import type { ServiceAccountKeySummary } from '../../shared/source-types';

/** A parsed service account key. */
export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly clientId: string;
  readonly privateKeyId: string;
  /** PEM. Never logged, never returned to the admin page. */
  readonly privateKey: string;
}

/** The admin page's data (src/shared/source-types.ts), re-exported for the source's modules. */
export type { ServiceAccountKeySummary } from '../../shared/source-types';

/** A key file that cannot be used, with every reason. */
export class ServiceAccountKeyError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The service account key cannot be used: ${problems.join('; ')}`);
    this.name = 'ServiceAccountKeyError';
  }
}

/** The largest key file accepted (a real one is about 2.3 KB). */
export const MAX_KEY_FILE_BYTES = 16 * 1024;

function text(object: Record<string, unknown>, field: string, problems: string[]): string {
  const value = object[field];
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`${field} is missing`);
    return '';
  }
  return value;
}

/** Parses and checks a key file's text; throws ServiceAccountKeyError naming every problem. */
export function parseServiceAccountKey(fileText: string): ServiceAccountKey {
  if (Buffer.byteLength(fileText, 'utf8') > MAX_KEY_FILE_BYTES)
    throw new ServiceAccountKeyError([
      `the file is larger than ${MAX_KEY_FILE_BYTES / 1024} KB; a service account key is about 2 KB`,
    ]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fileText);
  } catch {
    throw new ServiceAccountKeyError([
      'the file is not JSON; upload the key file Google Cloud downloads (Keys > Add key > JSON)',
    ]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ServiceAccountKeyError(['the file is not a JSON object']);
  const object = parsed as Record<string, unknown>;
  const problems: string[] = [];
  if (object.type !== 'service_account')
    problems.push(
      `type is ${JSON.stringify(object.type ?? null)}, not "service_account" (an OAuth client file is not a service account key)`,
    );
  const clientEmail = text(object, 'client_email', problems);
  const clientId = text(object, 'client_id', problems);
  const privateKeyId = text(object, 'private_key_id', problems);
  const privateKey = text(object, 'private_key', problems);
  if (clientEmail !== '' && !/^[^@\s]+@[^@\s]+$/.test(clientEmail))
    problems.push('client_email is not an email address');
  if (clientId !== '' && !/^[0-9]{1,40}$/.test(clientId)) problems.push('client_id is not the numeric client id');
  if (privateKey !== '') {
    try {
      const key = createPrivateKey(privateKey);
      if (key.asymmetricKeyType !== 'rsa')
        problems.push(`private_key is an ${key.asymmetricKeyType ?? 'unknown'} key, not RSA`);
    } catch {
      problems.push('private_key is not a PEM private key');
    }
  }
  if (problems.length > 0) throw new ServiceAccountKeyError(problems);
  return { clientEmail, clientId, privateKeyId, privateKey };
}

/** What may be shown of a key. */
export function summarizeKey(key: ServiceAccountKey): ServiceAccountKeySummary {
  return { clientEmail: key.clientEmail, clientId: key.clientId, privateKeyId: key.privateKeyId };
}
