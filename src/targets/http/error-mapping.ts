/**
 * Turns an HTTP answer from Atlassian into a TargetError. The status decides the kind (the Admin API's
 * write operations document no error body at all, so bodies add detail only); rate-limit headers decide
 * `retryAfterMs`.
 */
import type { TargetErrorKind } from '../ports';
import { TargetError } from '../ports';

/** Headers as a fetch response exposes them. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** The kind of error a non-2xx status stands for. */
export function kindForStatus(status: number): TargetErrorKind {
  if (status === 429) return 'rate-limited';
  // 408 is the server giving up waiting for the request: a timeout, so as transient as a 5xx.
  if (status === 408 || (status >= 500 && status <= 599)) return 'transient';
  switch (status) {
    case 401:
      return 'unauthorized';
    case 402:
      return 'payment-required';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
  }
  if (status >= 400 && status <= 499) return 'invalid';
  // A redirect or informational answer reaching the client is nothing the API documents.
  return 'unexpected-response';
}

const EPOCH_MILLISECONDS_FROM = 1e12;

/** Epoch milliseconds of an HTTP-date or ISO 8601 date-time; other text (Date.parse takes "-5" as a year) is not a date. */
function parseDate(text: string): number | undefined {
  if (!/[a-z]/i.test(text) && !/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}
const EPOCH_SECONDS_FROM = 1e9;

/**
 * Milliseconds to wait according to `Retry-After` (RFC 9110 section 10.2.3: delay-seconds or an
 * HTTP-date); undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = parseDate(text);
  return at === undefined ? undefined : Math.max(0, at - now);
}

/**
 * Milliseconds until `X-RateLimit-Reset`. The Admin API documents an ISO 8601 UTC date-time (its "Rate
 * limits" narrative); Bitbucket documents no format, and such headers commonly carry epoch seconds, so a
 * number is read as epoch milliseconds or seconds by its size and otherwise as seconds from now.
 */
export function parseRateLimitReset(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const number = Number(text);
    if (number >= EPOCH_MILLISECONDS_FROM) return Math.max(0, Math.ceil(number - now));
    if (number >= EPOCH_SECONDS_FROM) return Math.max(0, Math.ceil(number * 1000 - now));
    return Math.ceil(number * 1000);
  }
  const at = parseDate(text);
  return at === undefined ? undefined : Math.max(0, at - now);
}

/** The server's requested wait: `Retry-After` when present (the standard header wins), else `X-RateLimit-Reset`. */
export function serverRetryDelay(headers: HeaderReader, now: number): number | undefined {
  return parseRetryAfter(headers.get('retry-after'), now) ?? parseRateLimitReset(headers.get('x-ratelimit-reset'), now);
}

const MAX_DETAIL_LENGTH = 300;

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function texts(...values: unknown[]): string | undefined {
  const parts = values
    .filter((v): v is string | number => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number')
    .map(String);
  return parts.length === 0 ? undefined : parts.join(': ');
}

/**
 * A short description from an error body, whichever of Atlassian's shapes it has: v2 `Errors`
 * (`errors[].code/detail`), `ApplicationError`, `ProxyError` (`message`), Bitbucket's `error.message`, or
 * user management's `key`. Undefined for anything else.
 */
export function errorBodyDetail(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const root = record(parsed);
  if (root === undefined) return undefined;
  const first = Array.isArray(root.errors) ? record(root.errors[0]) : undefined;
  const nested = record(root.error);
  const detail =
    (first === undefined ? undefined : texts(first.code, first.detail ?? first.title)) ??
    (nested === undefined ? undefined : texts(nested.message, nested.detail)) ??
    texts(root.code, root.detail ?? root.title ?? root.message) ??
    texts(root.key);
  return detail === undefined ? undefined : detail.slice(0, MAX_DETAIL_LENGTH);
}

/** The TargetError for a non-2xx answer to `operation`. */
export function errorForResponse(
  operation: string,
  status: number,
  headers: HeaderReader,
  body: string,
  now: number,
): TargetError {
  const kind = kindForStatus(status);
  const detail = errorBodyDetail(body);
  const retryAfterMs = kind === 'rate-limited' || kind === 'transient' ? serverRetryDelay(headers, now) : undefined;
  const details = retryAfterMs === undefined ? { status, operation } : { status, operation, retryAfterMs };
  return new TargetError(kind, `${operation} answered ${status}${detail === undefined ? '' : ` (${detail})`}`, details);
}
