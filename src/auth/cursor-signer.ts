/**
 * The signer of the app's opaque cursors (SCIM list cursors, the admin page's paging cursors): HMAC-SHA256 under
 * an installation secret of 256 random bits, generated on first use and kept in Forge secret storage
 * (`kvs.setSecret`; the local host's store offers the same API). A token is `base64url(payload).base64url(mac)`;
 * its MAC is compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Signs text and recovers it from a token; the SCIM core's CursorSigner (src/scim/list-cursor.ts) has this shape. */
export interface TokenSigner {
  sign(payload: string): string;
  verify(token: string): string | undefined;
}

/** The slice of Forge secret storage the signer needs: a read, and a write that never replaces a stored key. */
export interface CursorKeySecrets {
  getSecret<T>(key: string): Promise<T | undefined>;
  setSecret<T>(key: string, value: T, options: { keyPolicy: 'FAIL_IF_EXISTS' }): Promise<void>;
}

/** The secret storage key of the cursor signing key. */
export const CURSOR_KEY_SECRET = 'cursor-signing-key:v1';
const KEY_BYTES = 32;

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload, 'utf8').digest();
}

/** A signer over a fixed key. */
export function hmacSigner(key: Buffer): TokenSigner {
  if (key.length < KEY_BYTES) throw new Error(`A cursor signing key needs at least ${KEY_BYTES} bytes`);
  return {
    sign(payload) {
      const encoded = Buffer.from(payload, 'utf8').toString('base64url');
      return `${encoded}.${mac(key, encoded).toString('base64url')}`;
    },
    verify(token) {
      const [encoded, signature, extra] = token.split('.');
      if (encoded === undefined || signature === undefined || extra !== undefined || !/^[A-Za-z0-9_-]*$/.test(encoded))
        return undefined;
      const presented = Buffer.from(signature, 'base64url');
      const expected = mac(key, encoded);
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
      return Buffer.from(encoded, 'base64url').toString('utf8');
    },
  };
}

function keyFrom(stored: unknown): Buffer | undefined {
  if (typeof stored !== 'string') return undefined;
  const key = Buffer.from(stored, 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

/**
 * The installation's signer, loaded once per function instance. The first instance to need a key generates one
 * with node:crypto randomBytes and stores it with FAIL_IF_EXISTS; an instance that loses that race uses the key
 * that won, so every instance signs with the same key. A failed load is not kept: the next call tries again.
 */
export function installationSigner(
  secrets: CursorKeySecrets,
  generate: () => Buffer = () => randomBytes(KEY_BYTES),
): () => Promise<TokenSigner> {
  let loading: Promise<TokenSigner> | undefined;
  const load = async (): Promise<TokenSigner> => {
    const existing = keyFrom(await secrets.getSecret<string>(CURSOR_KEY_SECRET));
    if (existing) return hmacSigner(existing);
    const fresh = generate();
    try {
      await secrets.setSecret(CURSOR_KEY_SECRET, fresh.toString('base64'), { keyPolicy: 'FAIL_IF_EXISTS' });
      return hmacSigner(fresh);
    } catch (error) {
      const winner = keyFrom(await secrets.getSecret<string>(CURSOR_KEY_SECRET));
      if (winner) return hmacSigner(winner);
      throw error;
    }
  };
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
