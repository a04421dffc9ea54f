/**
 * RFC 9865 list cursors: opaque to the client, tamper-evident and short-lived. A cursor carries the next offset,
 * a fingerprint of the query it continues and when it was issued, signed by the host's CursorSigner (HMAC-SHA256
 * under an installation secret: src/auth/cursor-signer.ts). A cursor this service did not sign, one for another
 * query, and one issued in the future is `invalidCursor`; one older than the timeout is `expiredCursor` (the two
 * scimType values RFC 9865 adds to RFC 7644 section 3.12).
 */
import { ScimError } from './errors';

/** Signs text and recovers text from a signed token; verify answers undefined for any token it did not sign. */
export interface CursorSigner {
  sign(payload: string): string;
  verify(token: string): string | undefined;
}

/** What a list cursor says: the 0-based offset of the next page, the query fingerprint, the issue time. */
export interface ListCursorState {
  readonly offset: number;
  readonly query: string;
  readonly issuedAtMs: number;
}

/** Longest cursor text looked at; the service issues cursors of about 150 characters. */
const MAX_CURSOR_LENGTH = 1024;
/** How far in the future an issue time may lie, for clocks of function instances that disagree slightly. */
const CLOCK_SKEW_MS = 60_000;
/** Marks the payload as a SCIM list cursor, so that no other signed token of the app passes for one. */
const PURPOSE = 'scim-list';

function invalid(detail = 'The cursor is not one this service issued'): ScimError {
  return ScimError.typed('invalidCursor', detail);
}

/** The cursor text for `state`, sent as `nextCursor` (RFC 9865). */
export function encodeListCursor(state: ListCursorState, signer: CursorSigner): string {
  return signer.sign(JSON.stringify({ p: PURPOSE, o: state.offset, q: state.query, t: state.issuedAtMs }));
}

/**
 * Reads a cursor this service issued for the query `query`, at `nowMs`, valid for `timeoutSeconds`. Throws
 * 400 invalidCursor for a forged, altered, foreign or future cursor and 400 expiredCursor for an old one.
 */
export function decodeListCursor(
  text: string,
  signer: CursorSigner,
  query: string,
  nowMs: number,
  timeoutSeconds: number,
): ListCursorState {
  const payload = text.length <= MAX_CURSOR_LENGTH ? signer.verify(text) : undefined;
  if (payload === undefined) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw invalid();
  }
  const state = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const { o: offset, q, t: issuedAtMs } = state;
  if (
    state.p !== PURPOSE ||
    typeof offset !== 'number' ||
    !Number.isSafeInteger(offset) ||
    offset < 0 ||
    typeof q !== 'string' ||
    typeof issuedAtMs !== 'number' ||
    !Number.isSafeInteger(issuedAtMs)
  ) {
    throw invalid();
  }
  if (q !== query) throw invalid('The cursor belongs to a different query');
  if (issuedAtMs - nowMs > CLOCK_SKEW_MS) throw invalid();
  if (nowMs - issuedAtMs > timeoutSeconds * 1000)
    throw ScimError.typed('expiredCursor', 'The cursor has expired; start again');
  return { offset, query: q, issuedAtMs };
}
