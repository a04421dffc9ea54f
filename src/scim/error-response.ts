/**
 * The one place where errors become HTTP responses for the SCIM API (RFC 7644 section 3.12). Unknown errors
 * become a 500 with a generic detail and a log line with a stable code, never a 404: a 404 makes IdPs
 * re-create users, and a 404 on a filter makes Entra quarantine the app.
 */
import { isScimError } from './errors';
import { SCIM_MEDIA_TYPE, type ScimResponse } from './protocol';
import { ERROR_MESSAGE } from './schema/urns';

/** Where the service reports failures it cannot attribute to the client; never given request bodies or secrets. */
export interface ScimLogger {
  error(code: string, message: string, fields?: Record<string, unknown>): void;
}

/** Renders an error body with `status` as a JSON string, as RFC 7644 section 3.12 requires. */
export function errorResponse(
  status: number,
  detail: string,
  scimType?: string,
  headers: Record<string, string> = {},
): ScimResponse {
  const body: Record<string, unknown> = { schemas: [ERROR_MESSAGE], status: String(status), detail };
  if (scimType) body.scimType = scimType;
  return { status, headers: { 'content-type': SCIM_MEDIA_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** Maps any thrown value to a SCIM error response. */
export function toErrorResponse(error: unknown, logger: ScimLogger): ScimResponse {
  if (isScimError(error)) {
    // 501 answers an unsupported endpoint; only real server-side failures are logged.
    if (error.status >= 500 && error.status !== 501)
      logger.error('SCIM-E5XX', error.detail, { cause: describe(error.cause) });
    return errorResponse(error.status, error.detail, error.scimType, error.headers);
  }
  logger.error('SCIM-E500', 'Unexpected failure while serving a SCIM request', { error: describe(error) });
  return errorResponse(500, 'Internal server error');
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  if (error instanceof Error) {
    const cause = describe(error.cause);
    return `${error.name}: ${error.message}${cause ? ` <- ${cause}` : ''}`;
  }
  return String(error);
}
