/**
 * A guard on how deeply a JSON request body nests, applied to the raw text before JSON.parse and before any of
 * the recursive code that walks parsed values (normalisation, PATCH, projection). It is a single left-to-right
 * scan with a counter, never recursion, so a body nested thousands of levels deep costs one pass and is refused
 * instead of overflowing the stack.
 */
import { ScimError } from './errors';

/**
 * The deepest nesting a SCIM body may have. The deepest real body is a PATCH of the enterprise manager with the
 * extension URN as a key (request, Operations, operation, value, extension, manager: 6 levels); 16 leaves room
 * for any IdP and stays well under the 31 levels Forge KVS stores (DAC `/limits-kvs-ce`, MAX_DEPTH).
 */
export const MAX_JSON_DEPTH = 16;

/**
 * The deepest nesting of objects and arrays in `text`, counting brackets outside string literals (backslash
 * escapes included). Works on any text: for invalid JSON it still returns a bound JSON.parse will not exceed.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c)
        i += 1; // a backslash escapes the next character, `\"` included
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if ((code === 0x7d || code === 0x5d) && depth > 0) depth -= 1;
  }
  return deepest;
}

/** Throws 400 invalidSyntax (RFC 7644 section 3.12) when `text` nests deeper than `limit` levels. */
export function assertJsonDepth(text: string, limit: number = MAX_JSON_DEPTH): void {
  const depth = jsonNestingDepth(text);
  if (depth > limit)
    throw ScimError.invalidSyntax(`The request body nests ${depth} levels deep; at most ${limit} are accepted`);
}
