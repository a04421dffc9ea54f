/**
 * Access tokens for the impersonated admin: a signed assertion (jwt-assertion.ts) exchanged at Google's token
 * endpoint with the JWT bearer grant (RFC 7523 section 2.1, form-encoded as RFC 6749 section 4.1.3 requires), and
 * kept until a minute before it expires (Google's last an hour: `expires_in` 3599), so a pull asks for one token an
 * hour per function instance rather than one per call. A refusal (RFC 6749 section 5.2 `invalid_grant`,
 * `unauthorized_client`, …) is an `auth` error naming Google's description, which says what to fix.
 */
import type { TargetClock, TargetFetch } from '../../targets/http/target-fetch';
import { GoogleSourceError } from './google-source-error';
import { signAssertion } from './jwt-assertion';
import type { ServiceAccountKey } from './service-account-key';
import { GOOGLE_TOKEN_URL } from './scopes';

/** Options of a token source. */
export interface GoogleTokenSourceOptions {
  readonly key: ServiceAccountKey;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly fetch: TargetFetch;
  readonly clock: TargetClock;
  /** Where to post (the emulator locally); the assertion's `aud` stays Google's token URL. */
  readonly tokenUrl?: string;
}

/** A token is renewed this long before Google says it expires. */
const RENEW_BEFORE_MS = 60_000;

/** Exchanges and caches access tokens for one key, admin and scope set. */
export class GoogleTokenSource {
  private cached: { token: string; expiresAt: number } | undefined;
  /** Token requests made (tests and the benchmark count them). */
  exchanges = 0;

  constructor(private readonly options: GoogleTokenSourceOptions) {}

  /** A valid access token, from the cache when one lasts at least another minute. */
  async token(): Promise<string> {
    const now = this.options.clock.now();
    if (this.cached !== undefined && this.cached.expiresAt - RENEW_BEFORE_MS > now) return this.cached.token;
    this.cached = await this.exchange(now);
    return this.cached.token;
  }

  /** Forgets the cached token (after the Directory API refused it with 401). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async exchange(now: number): Promise<{ token: string; expiresAt: number }> {
    const assertion = signAssertion(this.options.key, {
      subject: this.options.subject,
      scopes: this.options.scopes,
      now,
    });
    this.exchanges += 1;
    let response;
    try {
      response = await this.options.fetch(this.options.tokenUrl ?? GOOGLE_TOKEN_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      });
    } catch (error) {
      throw new GoogleSourceError('transient', "Google's token endpoint could not be reached", { cause: error });
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
    } catch {
      // Judged by status below.
    }
    if (response.status >= 500 || response.status === 429)
      throw new GoogleSourceError('transient', `Google's token endpoint answered ${response.status}`, {
        status: response.status,
      });
    if (response.status !== 200) {
      const reason = typeof body.error === 'string' ? body.error : undefined;
      const description =
        typeof body.error_description === 'string' ? body.error_description : `HTTP ${response.status}`;
      throw new GoogleSourceError(
        'auth',
        `Google refused the service account's token request (${reason ?? response.status}): ${description}`,
        { status: response.status, ...(reason ? { reason } : {}) },
      );
    }
    const token = body.access_token;
    const expiresIn = body.expires_in;
    if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      throw new GoogleSourceError('shape', "Google's token answer has no access_token and expires_in", {
        status: response.status,
      });
    }
    return { token, expiresAt: now + expiresIn * 1000 };
  }
}
