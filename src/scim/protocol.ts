/**
 * The SCIM core's transport-neutral request and response. Hosts (the Forge web trigger, the local node:http
 * server) translate to and from these; the core never sees HTTP objects.
 */

/** An HTTP request as the SCIM core sees it. */
export interface ScimRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path below the SCIM base URL, starting with '/', not yet percent-decoded (e.g. `/Users/abc`). */
  readonly path: string;
  /** Query parameters, already decoded; repeated parameters keep every value. */
  readonly query: Readonly<Record<string, readonly string[]>>;
  /** Headers with lower-case names. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  /** The raw body, if any. */
  readonly body: string | undefined;
  /** Absolute URL of the SCIM base (no trailing slash), used for Location and meta.location. */
  readonly baseUrl: string;
}

/** An HTTP response produced by the SCIM core. */
export interface ScimResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** The media type of every SCIM response body (RFC 7644 section 8.1). */
export const SCIM_MEDIA_TYPE = 'application/scim+json';

/** Returns the first value of a header (names are lower-case in ScimRequest). */
export function headerValue(request: ScimRequest, name: string): string | undefined {
  return request.headers[name.toLowerCase()]?.[0];
}

/** Returns the first value of a query parameter, matching its name case-insensitively. */
export function queryValue(request: ScimRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, values] of Object.entries(request.query)) {
    if (key.toLowerCase() === lower) return values[0];
  }
  return undefined;
}
