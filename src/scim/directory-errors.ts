/** The directory layer's errors as SCIM errors (RFC 7644 section 3.12): the one mapping from DirectoryError kinds. */
import { DirectoryError } from '../directory/directory-store';
import { ScimError } from './errors';

/** Maps a DirectoryError to its SCIM error, keeping it as the cause; anything else passes through unchanged. */
export function mapDirectoryError(error: unknown): unknown {
  if (!(error instanceof DirectoryError)) return error;
  switch (error.kind) {
    case 'not-found':
      return ScimError.plain(404, error.message, { cause: error });
    case 'uniqueness':
      return ScimError.typed('uniqueness', error.message, error);
    case 'version-mismatch':
      return ScimError.plain(412, error.message, { cause: error });
    case 'too-many':
      return ScimError.typed('tooMany', error.message, error);
    case 'too-large':
      return ScimError.invalidValue(error.message, error);
    case 'contention':
      return ScimError.plain(503, 'The resource is being changed by other requests; retry shortly', {
        cause: error,
        headers: { 'retry-after': '1' },
      });
    case 'throttled':
      // RFC 6585 section 4: Too Many Requests, with when to come back; IdPs (Entra, Okta) honour Retry-After.
      return ScimError.plain(429, 'The app is over its storage quota for this minute; retry later', {
        cause: error,
        headers: { 'retry-after': String(error.retryAfterSeconds ?? 60) },
      });
    case 'unavailable':
      // The store refuses the write until an admin acts (src/diagnostics/guarded-directory-store.ts): its message says why.
      return ScimError.plain(503, error.message, { cause: error });
  }
}
