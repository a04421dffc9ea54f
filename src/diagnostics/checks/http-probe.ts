/**
 * One raw GET through the app's own fetch, for the checks that must see what the platform did with a request:
 * whether it answered at all, refused the host (egress), or passed the API's own answer on.
 */
import type { TargetFetch } from '../../targets/http/target-fetch';
import { describeError } from './check-outcome';

/** How long a probe waits for an answer; a resolver has 25 s in all. */
export const PROBE_TIMEOUT_MS = 8_000;

/** What a probe saw. */
export type ProbeAnswer =
  /** The API answered (any status); `proxyError` is Forge's `forge-proxy-error` header when the platform answered instead. */
  | { readonly kind: 'answered'; readonly status: number; readonly proxyError?: string; readonly body: string }
  /** The platform refused the URL as outside the app's egress permissions. */
  | { readonly kind: 'egress-refused'; readonly detail: string }
  /** No answer: the connection failed or timed out. */
  | { readonly kind: 'no-answer'; readonly detail: string };

/**
 * The name of the error @forge/api 8.3.0 defines for a URL outside `permissions.external.fetch.backend`
 * (`out/api/errors.js`, ExternalEndpointNotAllowedError). Whether Forge's fetch throws it or answers with a
 * status instead is not documented, so both are read.
 */
export const EGRESS_ERROR_NAME = 'REQUEST_EGRESS_ALLOWLIST_ERR';
const EGRESS_TEXT = /external fetch backend permissions|forge-egress/i;

/** Whether an error thrown by fetch is Forge refusing the host. */
export function isEgressRefusal(error: unknown): boolean {
  return error instanceof Error && (error.name === EGRESS_ERROR_NAME || EGRESS_TEXT.test(error.message));
}

/** Sends one GET with these headers and reports what came back. */
export async function probe(fetch: TargetFetch, url: string, headers: Record<string, string>): Promise<ProbeAnswer> {
  try {
    const response = await fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const body = await response.text();
    const proxyError = response.headers.get('forge-proxy-error');
    return proxyError === null
      ? { kind: 'answered', status: response.status, body }
      : { kind: 'answered', status: response.status, proxyError, body };
  } catch (error) {
    return isEgressRefusal(error)
      ? { kind: 'egress-refused', detail: describeError(error) }
      : { kind: 'no-answer', detail: describeError(error) };
  }
}

/** The Authorization header of the Admin API (an org API key, as the Admin API client sends it). */
export function adminAuthorization(orgApiKey: string): string {
  return `Bearer ${orgApiKey}`;
}

/** The Authorization header of Bitbucket (an admin's email and API token, as the Bitbucket client sends it). */
export function bitbucketAuthorization(email: string, apiToken: string): string {
  return `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}`;
}

/** Where a URL points, for the page: scheme, host and path without the query. */
export function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
