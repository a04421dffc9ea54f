/** RFC 9865 list cursors: signed, bound to their query, and expiring. */
import { hmacSigner } from '../../src/auth/cursor-signer';
import { decodeListCursor, encodeListCursor } from '../../src/scim/list-cursor';
import { scimErrorOf } from './resource/test-kit';

const signer = hmacSigner(Buffer.alloc(32, 3));
const NOW = Date.parse('2026-01-01T00:00:00Z');
const TIMEOUT = 600;

describe('list cursors', () => {
  const issued = encodeListCursor({ offset: 40, query: 'q1', issuedAtMs: NOW }, signer);

  it('decodes a cursor it issued for the same query until the timeout, inclusive', () => {
    expect(decodeListCursor(issued, signer, 'q1', NOW, TIMEOUT)).toEqual({ offset: 40, query: 'q1', issuedAtMs: NOW });
    expect(decodeListCursor(issued, signer, 'q1', NOW + TIMEOUT * 1000, TIMEOUT).offset).toBe(40);
  });

  it('[RFC] answers expiredCursor after the timeout (RFC 9865)', () => {
    expect(scimErrorOf(() => decodeListCursor(issued, signer, 'q1', NOW + TIMEOUT * 1000 + 1, TIMEOUT))).toMatchObject({
      status: 400,
      scimType: 'expiredCursor',
    });
  });

  const unsigned = (state: object): string => Buffer.from(JSON.stringify(state)).toString('base64url');
  test.each([
    ['an unsigned cursor of the old format with a far-future time', unsigned({ o: 0, q: 'q1', t: 8.64e15 })],
    ['an unsigned cursor with offset 2^53-1', unsigned({ o: Number.MAX_SAFE_INTEGER, q: 'q1', t: NOW })],
    [
      'a signed cursor whose payload was swapped',
      `${unsigned({ p: 'scim-list', o: Number.MAX_SAFE_INTEGER, q: 'q1', t: NOW })}.${issued.split('.')[1]}`,
    ],
    [
      'a cursor signed under another key',
      encodeListCursor({ offset: 0, query: 'q1', issuedAtMs: NOW }, hmacSigner(Buffer.alloc(32, 4))),
    ],
    ['a cursor for another query', encodeListCursor({ offset: 0, query: 'q2', issuedAtMs: NOW }, signer)],
    [
      'a signed cursor issued in the future',
      encodeListCursor({ offset: 0, query: 'q1', issuedAtMs: NOW + 3600_000 }, signer),
    ],
    ['another signed token of the app', signer.sign(JSON.stringify({ p: 'admin', o: 0, q: 'q1', t: NOW }))],
    ['a signed token that is not JSON', signer.sign('not json')],
    ['a signed token with a negative offset', signer.sign(JSON.stringify({ p: 'scim-list', o: -1, q: 'q1', t: NOW }))],
    ['garbage', 'not-a-cursor'],
    ['an overlong cursor', `${issued}${'A'.repeat(2000)}`],
  ])('[security] refuses %s with invalidCursor', (_label, text) => {
    expect(scimErrorOf(() => decodeListCursor(text, signer, 'q1', NOW, TIMEOUT))).toMatchObject({
      status: 400,
      scimType: 'invalidCursor',
    });
  });
});
