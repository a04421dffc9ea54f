/**
 * The parts of an OpenAPI 3.0 document that the validator reads. Everything else stays `unknown`: the
 * documents are vendored data, and only what is checked here is trusted to have a shape.
 */

/** A JSON value as parsed from a spec file or a request body. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** An OpenAPI reference object. */
export interface RefObject {
  readonly $ref: string;
}

/** An OpenAPI 3.0 parameter object (only the fields the validator uses). */
export interface ParameterObject {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: JsonObject;
  readonly deprecated?: boolean;
}

/** An OpenAPI 3.0 media type object. */
export interface MediaTypeObject {
  readonly schema?: JsonObject;
}

/** An OpenAPI 3.0 request body object. */
export interface RequestBodyObject {
  readonly required?: boolean;
  readonly content: Readonly<Record<string, MediaTypeObject>>;
}

/** An OpenAPI 3.0 response object. */
export interface ResponseObject {
  readonly description?: string;
  readonly content?: Readonly<Record<string, MediaTypeObject>>;
}

/** One entry of a security requirement list: scheme name to scopes. */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** An OpenAPI 3.0 operation object. */
export interface OperationObject {
  readonly operationId?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly deprecated?: boolean;
  readonly parameters?: ReadonlyArray<ParameterObject | RefObject>;
  readonly requestBody?: RequestBodyObject | RefObject;
  readonly responses: Readonly<Record<string, ResponseObject | RefObject>>;
  readonly security?: readonly SecurityRequirement[];
  readonly [extension: `x-${string}`]: unknown;
}

/** The HTTP methods an OpenAPI 3.0 path item can hold. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** One of HTTP_METHODS. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** An OpenAPI 3.0 path item object. */
export type PathItemObject = {
  readonly parameters?: ReadonlyArray<ParameterObject | RefObject>;
} & { readonly [M in HttpMethod]?: OperationObject };

/** An OpenAPI 3.0 security scheme object. */
export interface SecuritySchemeObject {
  readonly type: 'http' | 'apiKey' | 'oauth2' | 'openIdConnect';
  readonly scheme?: string;
  readonly name?: string;
  readonly in?: 'query' | 'header' | 'cookie';
}

/** An OpenAPI 3.0 document, after the load-time corrections. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, PathItemObject>>;
  readonly components?: {
    readonly schemas?: Readonly<Record<string, JsonObject>>;
    readonly parameters?: Readonly<Record<string, ParameterObject>>;
    readonly requestBodies?: Readonly<Record<string, RequestBodyObject>>;
    readonly responses?: Readonly<Record<string, ResponseObject>>;
    readonly securitySchemes?: Readonly<Record<string, SecuritySchemeObject>>;
  };
  readonly security?: readonly SecurityRequirement[];
  readonly servers?: ReadonlyArray<{ readonly url: string }>;
}

/** Whether a value is a reference object. */
export function isRef(value: unknown): value is RefObject {
  return typeof value === 'object' && value !== null && typeof (value as { $ref?: unknown }).$ref === 'string';
}

/** Whether a value is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
