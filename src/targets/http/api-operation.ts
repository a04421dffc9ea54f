/**
 * An API operation as the OpenAPI spec names it: method and path template. The clients build every request
 * from one of these, so their operation tables are the complete list the coverage guard checks against the
 * vendored specs.
 */

/** HTTP methods the clients use. */
export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One operation of a spec. */
export interface ApiOperation {
  readonly method: ApiMethod;
  /** The spec's path template, relative to the spec's server URL, e.g. `/v2/orgs/{orgId}/directories`. */
  readonly pathTemplate: string;
  /** `METHOD /template`, as coverage lists and messages print it. */
  readonly key: string;
}

/** Declares an operation. */
export function apiOperation(method: ApiMethod, pathTemplate: string): ApiOperation {
  return { method, pathTemplate, key: `${method} ${pathTemplate}` };
}

/** Fills a path template; every value is percent-encoded as one path segment. */
export function expandPath(pathTemplate: string, params: Readonly<Record<string, string>>): string {
  return pathTemplate.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new RangeError(`${pathTemplate}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
}
