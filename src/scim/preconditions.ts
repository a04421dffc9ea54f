/**
 * Versioned requests (RFC 7644 section 3.14): If-Match on writes (412 when the resource moved on), If-None-Match on
 * reads (304), and the retry of a read-modify-write that lost a race, unless If-Match pinned the version.
 */
import { DirectoryError, type StoredResource } from '../directory/directory-store';
import { ScimError } from './errors';
import { headerValue, type ScimRequest } from './protocol';

const MAX_OPTIMISTIC_ATTEMPTS = 8;

/** Reads If-Match: undefined when absent, 'any' for `*`, otherwise the versions it names (RFC 7644 section 3.14). */
function ifMatch(request: ScimRequest): number[] | 'any' | undefined {
  const header = headerValue(request, 'if-match');
  if (header === undefined) return undefined;
  if (header.trim() === '*') return 'any';
  const versions = header
    .split(',')
    .map((tag) => /^\s*(?:W\/)?"(\d+)"\s*$/i.exec(tag)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  return versions;
}

/** The version If-Match pins the write to, or undefined without a version condition; 412 when `current` is not one of them. */
export function expectedVersion(request: ScimRequest, current: StoredResource): number | undefined {
  const condition = ifMatch(request);
  if (condition === undefined || condition === 'any') return undefined;
  if (!condition.includes(current.version))
    throw ScimError.plain(412, 'The resource has changed since the version named in If-Match');
  return current.version;
}

/** True when If-None-Match names `version` (or `*`): the read answers 304 Not Modified. */
export function notModified(request: ScimRequest, version: number): boolean {
  const header = headerValue(request, 'if-none-match');
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//i, '') === `"${version}"`);
}

/** Retries a read-modify-write when another request changed the resource in between, unless If-Match pinned a version. */
export async function optimistic<T>(request: ScimRequest, body: () => Promise<T>): Promise<T> {
  const pinned = ifMatch(request) !== undefined;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await body();
    } catch (error) {
      const retry =
        error instanceof DirectoryError &&
        error.kind === 'version-mismatch' &&
        !pinned &&
        attempt < MAX_OPTIMISTIC_ATTEMPTS;
      if (!retry) throw error;
    }
  }
}
