/**
 * The one error type of the SCIM layer (RFC 7644 section 3.12): a status, an optional scimType and a detail.
 * Only the status/scimType pairs the RFC (and RFC 9865 for cursors) define can be constructed.
 */

/** scimType values of RFC 7644 section 3.12 table 9, plus the cursor types of RFC 9865 section 4. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount';

/** The HTTP status each scimType travels with (RFC 7644 section 3.12, RFC 9865 section 4). */
const STATUS_OF_TYPE: Record<ScimType, number> = {
  invalidFilter: 400,
  tooMany: 400,
  uniqueness: 409,
  mutability: 400,
  invalidSyntax: 400,
  invalidPath: 400,
  noTarget: 400,
  invalidValue: 400,
  invalidVers: 412,
  sensitive: 403,
  invalidCursor: 400,
  expiredCursor: 400,
  invalidCount: 400,
};

/** Statuses that RFC 7644 section 3.12 lists for errors without a scimType, and 429 (RFC 6585 section 4) for a throttled installation. */
export type PlainErrorStatus = 304 | 400 | 401 | 403 | 404 | 405 | 406 | 409 | 412 | 413 | 415 | 429 | 500 | 501 | 503;

/** A SCIM protocol error; the transport adapter renders it as an RFC 7644 section 3.12 error body. */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string;
  /** Extra response headers the error needs (WWW-Authenticate on 401, Allow on 405). */
  readonly headers: Record<string, string>;

  private constructor(
    status: number,
    scimType: ScimType | undefined,
    detail: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
    this.headers = options?.headers ?? {};
  }

  /** An error whose status follows from its scimType (RFC 7644 section 3.12 table 9). */
  static typed(scimType: ScimType, detail: string, cause?: unknown): ScimError {
    return new ScimError(STATUS_OF_TYPE[scimType], scimType, detail, { cause });
  }

  /** An error with a status and no scimType. */
  static plain(
    status: PlainErrorStatus,
    detail: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ): ScimError {
    return new ScimError(status, undefined, detail, options);
  }

  /** 400 invalidSyntax: the request body or a parameter is not parsable or violates the schema. */
  static invalidSyntax(detail: string, cause?: unknown): ScimError {
    return ScimError.typed('invalidSyntax', detail, cause);
  }

  /** 400 invalidValue: a value is missing, of the wrong type, or not allowed. */
  static invalidValue(detail: string, cause?: unknown): ScimError {
    return ScimError.typed('invalidValue', detail, cause);
  }

  /** 400 invalidFilter: the filter syntax is invalid or names an attribute it cannot evaluate. */
  static invalidFilter(detail: string, cause?: unknown): ScimError {
    return ScimError.typed('invalidFilter', detail, cause);
  }

  /** 400 invalidPath: a PATCH path or attribute path is malformed or names no attribute. */
  static invalidPath(detail: string, cause?: unknown): ScimError {
    return ScimError.typed('invalidPath', detail, cause);
  }

  /** 400 noTarget: a PATCH path matched nothing where the RFC requires a target. */
  static noTarget(detail: string): ScimError {
    return ScimError.typed('noTarget', detail);
  }

  /** 400 mutability: an attempt to change an immutable or read-only attribute. */
  static mutability(detail: string): ScimError {
    return ScimError.typed('mutability', detail);
  }

  /** 409 uniqueness: a value that must be unique is already taken. */
  static uniqueness(detail: string): ScimError {
    return ScimError.typed('uniqueness', detail);
  }

  /** 404 for a resource or endpoint that does not exist. */
  static notFound(detail: string): ScimError {
    return ScimError.plain(404, detail);
  }
}

/** True for errors of this layer. */
export function isScimError(error: unknown): error is ScimError {
  return error instanceof ScimError;
}
