/**
 * Matching a request to a line of a route table (router.ts). A path pattern is literal segments, compared
 * case-insensitively after percent-decoding, and at most one `{id}` segment that matches any one segment. The
 * first line whose pattern matches the path owns it: a method no line of that pattern names is a 405 with Allow
 * (RFC 9110 section 15.5.6), a path no pattern matches a 404 (RFC 7644 section 3.12).
 */
import { ScimError } from './errors';

/** An HTTP method a route answers, or '*' for every method. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | '*';

/** What matching needs of a route table's line. */
export interface RouteLine {
  readonly method: RouteMethod;
  /** The path pattern below the SCIM base URL, e.g. `/Users/{id}`. */
  readonly path: string;
}

/** A request's route and the decoded `{id}` segment, or the 404/405 that answers a request no route serves. */
export type RouteMatch<R extends RouteLine> =
  | { readonly kind: 'matched'; readonly route: R; readonly id: string | undefined }
  | { readonly kind: 'refused'; readonly error: ScimError };

const ID = '{id}';

function refused(error: ScimError): { kind: 'refused'; error: ScimError } {
  return { kind: 'refused', error };
}

function patternSegments(pattern: string): string[] {
  return pattern.split('/').filter((s) => s !== '');
}

function matchesPattern(pattern: string, segments: readonly string[]): boolean {
  const parts = patternSegments(pattern);
  return (
    parts.length === segments.length &&
    parts.every((part, i) => part === ID || part.toLowerCase() === segments[i]?.toLowerCase())
  );
}

function methodNotAllowed(allowed: readonly string[]): ScimError {
  return ScimError.plain(405, `Method not allowed; this endpoint accepts ${allowed.join(', ')}`, {
    headers: { allow: allowed.join(', ') },
  });
}

/** Finds the line of `routes` (most specific pattern first) that serves `method` on `path` (not yet percent-decoded). */
export function matchRoute<R extends RouteLine>(routes: readonly R[], method: string, path: string): RouteMatch<R> {
  let segments: string[];
  try {
    // Empty segments are ignored: `//Users/` is `/Users`.
    segments = path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch (error) {
    return refused(ScimError.plain(404, 'The path is not a valid URL path', { cause: error }));
  }
  if (segments.length === 0)
    return refused(ScimError.notFound('No resource at the service root; see /ServiceProviderConfig'));
  const owner = routes.find((route) => matchesPattern(route.path, segments));
  if (!owner) return refused(ScimError.notFound(`No resource at ${path}`));
  const lines = routes.filter((route) => route.path === owner.path);
  const upper = method.toUpperCase();
  const route = lines.find((line) => line.method === '*' || line.method === upper);
  if (!route) return refused(methodNotAllowed(lines.map((line) => line.method)));
  const at = patternSegments(route.path).indexOf(ID);
  return { kind: 'matched', route, id: at < 0 ? undefined : segments[at] };
}
