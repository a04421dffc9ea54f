import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { newServiceAccountKey } from '../../../emulators/google/google-emulator';
import { signAssertion } from '../../../src/sources/google/jwt-assertion';
import {
  parseServiceAccountKey,
  ServiceAccountKeyError,
  summarizeKey,
} from '../../../src/sources/google/service-account-key';

function problems(text: string): readonly string[] {
  try {
    parseServiceAccountKey(text);
  } catch (error) {
    if (error instanceof ServiceAccountKeyError) return error.problems;
    throw error;
  }
  return [];
}

describe('the uploaded service account key', () => {
  const file = newServiceAccountKey('scim-sync');

  it('keeps what signing needs and shows only the client email, client id and key id', () => {
    const key = parseServiceAccountKey(JSON.stringify(file));
    expect(summarizeKey(key)).toEqual({
      clientEmail: file.client_email,
      clientId: file.client_id,
      privateKeyId: file.private_key_id,
    });
    expect(JSON.stringify(summarizeKey(key))).not.toContain('PRIVATE KEY');
  });

  it('names every problem of a file that is not a usable key', () => {
    expect(problems('not json')).toEqual([expect.stringContaining('not JSON')]);
    expect(problems(JSON.stringify({ ...file, type: 'authorized_user', client_id: 'abc' }))).toEqual([
      expect.stringContaining('service_account'),
      'client_id is not the numeric client id',
    ]);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(problems(JSON.stringify({ ...file, private_key: ec }))).toEqual(['private_key is an ec key, not RSA']);
    expect(problems(JSON.stringify({ ...file, private_key: 'garbage' }))).toEqual([
      'private_key is not a PEM private key',
    ]);
    expect(problems(JSON.stringify({ type: 'service_account' }))).toHaveLength(4);
  });

  it('signs an RS256 assertion with the claims Google requires, verifiable with the public key', () => {
    const key = parseServiceAccountKey(JSON.stringify(file));
    const now = Date.UTC(2026, 8, 1);
    const jwt = signAssertion(key, { subject: 'admin@example.com', scopes: ['a', 'b'], now });
    const [header = '', claims = '', signature = ''] = jwt.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: file.private_key_id,
    });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({
      iss: file.client_email,
      sub: 'admin@example.com',
      scope: 'a b',
      aud: 'https://oauth2.googleapis.com/token',
      iat: now / 1000,
      exp: now / 1000 + 3600,
    });
    expect(
      verify(
        'sha256',
        Buffer.from(`${header}.${claims}`),
        createPublicKey(file.private_key),
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true);
    expect(() => signAssertion(key, { subject: ' ', scopes: ['a'], now })).toThrow(/impersonate/);
  });
});
