import {
  errorBodyDetail,
  errorForResponse,
  kindForStatus,
  parseRateLimitReset,
  parseRetryAfter,
  serverRetryDelay,
} from '../../../src/targets/http/error-mapping';
import { TargetError } from '../../../src/targets/ports';

const NOW = Date.UTC(2026, 8, 1, 12, 0, 0);

function headers(values: Record<string, string>) {
  return { get: (name: string) => values[name.toLowerCase()] ?? null };
}

describe('kindForStatus', () => {
  it.each([
    [429, 'rate-limited'],
    [500, 'transient'],
    [502, 'transient'],
    [503, 'transient'],
    [504, 'transient'],
    [408, 'transient'],
    [401, 'unauthorized'],
    [402, 'payment-required'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [409, 'conflict'],
    [400, 'invalid'],
    [405, 'invalid'],
    [410, 'invalid'],
    [415, 'invalid'],
    [422, 'invalid'],
    [302, 'unexpected-response'],
    [101, 'unexpected-response'],
  ])('%i is %s', (status, kind) => {
    expect(kindForStatus(status)).toBe(kind);
  });
});

describe('Retry-After', () => {
  it.each([
    ['7', 7_000],
    ['0', 0],
    ['1.5', 1_500],
    [' 30 ', 30_000],
  ])('reads delay-seconds %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it('reads an HTTP-date relative to now, and a past date as no wait', () => {
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW)).toBe(0);
  });

  it.each([[null], [''], ['soon'], ['-5']])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('X-RateLimit-Reset', () => {
  it('reads the Admin API form, an ISO 8601 UTC date-time', () => {
    expect(parseRateLimitReset(new Date(NOW + 12_345).toISOString(), NOW)).toBe(12_345);
  });

  it('reads epoch seconds and epoch milliseconds by their size', () => {
    expect(parseRateLimitReset(String(NOW / 1000 + 42), NOW)).toBe(42_000);
    expect(parseRateLimitReset(String(NOW + 4_200), NOW)).toBe(4_200);
  });

  it('reads a small number as seconds from now', () => {
    expect(parseRateLimitReset('15', NOW)).toBe(15_000);
  });

  it('never asks for a negative wait, and ignores what it cannot read', () => {
    expect(parseRateLimitReset(new Date(NOW - 5_000).toISOString(), NOW)).toBe(0);
    expect(parseRateLimitReset('later', NOW)).toBeUndefined();
    expect(parseRateLimitReset(undefined, NOW)).toBeUndefined();
  });

  it('yields to Retry-After when both are sent', () => {
    expect(
      serverRetryDelay(headers({ 'retry-after': '3', 'x-ratelimit-reset': new Date(NOW + 60_000).toISOString() }), NOW),
    ).toBe(3_000);
    expect(serverRetryDelay(headers({ 'x-ratelimit-reset': new Date(NOW + 60_000).toISOString() }), NOW)).toBe(60_000);
    expect(serverRetryDelay(headers({}), NOW)).toBeUndefined();
  });
});

describe('error bodies', () => {
  it.each([
    [
      'Admin v2 Errors',
      { errors: [{ id: '1', status: '404', code: 'ADMIN-404', title: 'Not Found', detail: 'Group not found.' }] },
      'ADMIN-404: Group not found.',
    ],
    [
      'ApplicationError',
      { code: 'ADMIN-409-3', detail: 'Licence limit', id: 'x', status: '409', title: 'Conflict' },
      'ADMIN-409-3: Licence limit',
    ],
    ['ProxyError', { code: 401, message: 'Unauthorized' }, '401: Unauthorized'],
    [
      'Bitbucket error',
      { type: 'error', error: { message: 'Group developers not found.' } },
      'Group developers not found.',
    ],
    ['user management', { key: 'forbidden.targetUnverified' }, 'forbidden.targetUnverified'],
  ])('reads the %s shape', (_label, body, detail) => {
    expect(errorBodyDetail(JSON.stringify(body))).toBe(detail);
  });

  it('gives nothing for bodies it does not know', () => {
    expect(errorBodyDetail('')).toBeUndefined();
    expect(errorBodyDetail('<html>oops</html>')).toBeUndefined();
    expect(errorBodyDetail('[1,2]')).toBeUndefined();
  });

  it('builds a TargetError from the status, with the detail and the server wait', () => {
    const error = errorForResponse(
      'POST /x',
      429,
      headers({ 'retry-after': '9' }),
      JSON.stringify({ errors: [{ code: 'ADMIN-429', detail: 'slow down' }] }),
      NOW,
    );
    expect(error).toBeInstanceOf(TargetError);
    expect(error.kind).toBe('rate-limited');
    expect(error.retryable).toBe(true);
    expect(error.details).toEqual({ status: 429, operation: 'POST /x', retryAfterMs: 9_000 });
    expect(error.message).toBe('POST /x answered 429 (ADMIN-429: slow down)');
  });

  it('honours Retry-After on a 503 too, and ignores it on a 4xx', () => {
    expect(errorForResponse('GET /y', 503, headers({ 'retry-after': '2' }), '', NOW).details.retryAfterMs).toBe(2_000);
    expect(errorForResponse('GET /y', 404, headers({ 'retry-after': '2' }), '', NOW).details).toEqual({
      status: 404,
      operation: 'GET /y',
    });
  });
});
