/**
 * The SCIM endpoint as a Forge web trigger: translates the platform's request into a ScimRequest, hands it
 * to the App, and translates the ScimResponse back. The local host calls the same handler with requests it
 * builds from node:http, so both hosts share one translation.
 */
import type { App } from '../app/app';
import { errorResponse } from '../scim/error-response';
import type { ScimRequest, ScimResponse } from '../scim/protocol';

/**
 * The request Forge passes to a web trigger function (DAC /events-reference/web-trigger). Declared here
 * because @forge/api's WebTriggerRequest leaves out `userPath`, which the docs mark as present.
 */
export interface ForgeWebTriggerRequest {
  readonly method: string;
  /** The full request path, including the web trigger's own segments. */
  readonly path: string;
  /** The path segments the caller appended after the web trigger id (e.g. `/Users/abc`). */
  readonly userPath?: string;
  /** Header values per name; the platform does not normalise the case of names. Optional in @forge/api's types. */
  readonly headers?: Readonly<Record<string, readonly string[]>>;
  /**
   * The raw body; Forge does not parse it, but it has decoded the bytes into a string already, so invalid UTF-8
   * cannot be told apart from a U+FFFD the client sent (the local host refuses invalid bytes: scim-route.ts readBody).
   */
  readonly body?: string;
  /** Query parameter values per name; optional in @forge/api's types, so a request without any is read as none. */
  readonly queryParameters?: Readonly<Record<string, readonly string[]>>;
}

/** The context Forge passes next to the request; `installContext` names the installation (an ARI). */
export interface ForgeWebTriggerContext {
  readonly installContext?: string;
}

/**
 * The result a dynamic web trigger returns (@forge/api WebTriggerResponse): every header value must be an
 * array of strings, or the platform answers 500 itself (ECO-75).
 */
export interface ForgeWebTriggerResponse {
  statusCode: number;
  headers: Record<string, string[]>;
  body?: string;
}

/** A web trigger function as the manifest's `function` module names it. */
export type ForgeWebTriggerHandler = (
  request: ForgeWebTriggerRequest,
  context?: ForgeWebTriggerContext,
) => Promise<ForgeWebTriggerResponse>;

/** What the handler needs from its host. */
export interface ScimWebTriggerDeps {
  /** The App of this function instance. */
  readonly getApp: () => Promise<App>;
  /** The public URL of the web trigger, which is the SCIM base URL the IdP was given. */
  readonly getBaseUrl: () => Promise<string>;
  /** Where failures are reported; console.error, which Forge keeps in the app's logs, by default. */
  readonly logError?: (line: string) => void;
}

/** The log code of a failure that escaped the App; stable so that alerts can match it. */
export const SCIM_WEB_TRIGGER_FAILURE_CODE = 'SCIM-WT500';

// Both URL forms Forge has issued put the trigger id after one of these segments: `…/x1/<id>` and
// `https://<install>.webtrigger.atlassian.app/public/<id>`.
const TRIGGER_ID_MARKERS = new Set(['x1', 'public']);

/**
 * Builds the SCIM web trigger handler. It never throws: whatever escapes the App becomes a SCIM 500, never a
 * platform error page, because IdPs treat non-SCIM answers as outages (and a 404 as "user gone").
 */
export function makeScimWebTrigger(deps: ScimWebTriggerDeps): ForgeWebTriggerHandler {
  const logError = deps.logError ?? ((line: string) => console.error(line));
  return async (request) => {
    try {
      const [app, baseUrl] = await Promise.all([deps.getApp(), deps.getBaseUrl()]);
      const response = await app.handleScim(toScimRequest(request, baseUrl));
      return toForgeResponse(response);
    } catch (error) {
      report(logError, `${SCIM_WEB_TRIGGER_FAILURE_CODE} ${describeError(error)}`);
      return toForgeResponse(errorResponse(500, 'Internal server error'));
    }
  };
}

/** Translates a Forge web trigger request into the SCIM core's request, relative to `baseUrl`. */
export function toScimRequest(request: ForgeWebTriggerRequest, baseUrl: string): ScimRequest {
  return {
    method: request.method.toUpperCase(),
    path: scimPath(request, baseUrl),
    query: copyMultiMap(request.queryParameters ?? {}),
    headers: lowerCaseHeaders(request.headers ?? {}),
    body: request.body === undefined || request.body === '' ? undefined : request.body,
    baseUrl: baseUrl.replace(/\/+$/, ''),
  };
}

/** Translates the SCIM core's response into the shape a dynamic web trigger returns. */
export function toForgeResponse(response: ScimResponse): ForgeWebTriggerResponse {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) headers[name] = [value];
  const result: ForgeWebTriggerResponse = { statusCode: response.status, headers };
  if (response.body !== undefined) result.body = response.body;
  return result;
}

/**
 * The SCIM sub-path of a request. `userPath` is preferred; since it is missing from @forge/api's type and not
 * yet seen on a live app, the path is also parsed, dropping everything up to and including the trigger id:
 * the last segment of the base URL, or else the segment after `x1` or `public`.
 */
export function scimPath(request: Pick<ForgeWebTriggerRequest, 'path' | 'userPath'>, baseUrl: string): string {
  if (request.userPath !== undefined && request.userPath !== '') return withLeadingSlash(request.userPath);
  const pathOnly = request.path.split('?', 1)[0] ?? '';
  const segments = pathOnly.split('/');
  const triggerId = lastSegment(baseUrl);
  let idIndex = triggerId === undefined ? -1 : segments.indexOf(triggerId);
  if (idIndex === -1) {
    const marker = segments.findIndex(
      (segment, index) => TRIGGER_ID_MARKERS.has(segment) && index + 1 < segments.length,
    );
    idIndex = marker === -1 ? -1 : marker + 1;
  }
  return withLeadingSlash(idIndex === -1 ? pathOnly : segments.slice(idIndex + 1).join('/'));
}

/**
 * Wraps a URL lookup so that it runs once per function instance; a failed lookup is not kept, so the next
 * request tries again instead of failing for the life of the instance.
 */
export function cacheFirstSuccess(load: () => Promise<string>): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= load().catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

function lastSegment(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined;
  }
  return pathname
    .split('/')
    .filter((segment) => segment !== '')
    .pop();
}

function withLeadingSlash(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

// Forge does not fold header names, and HTTP says they are case-insensitive (RFC 9110 section 5.1), so values
// of names that differ only in case are merged in the order they came.
function lowerCaseHeaders(headers: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    const key = name.toLowerCase();
    result[key] = [...(result[key] ?? []), ...values];
  }
  return result;
}

function copyMultiMap(map: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(map)) result[name] = [...values];
  return result;
}

// A failing logger must not turn the SCIM 500 into a platform error page.
function report(logError: (line: string) => void, line: string): void {
  try {
    logError(line);
  } catch {
    return;
  }
}

// Only the error's class and message: the request body and headers may carry tokens or personal data.
function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return typeof error;
}
