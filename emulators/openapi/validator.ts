/**
 * An OpenAPI 3.0 request and response validator built on ajv. It matches a method and path to an operation,
 * checks path and query parameters, credentials, the request body and its content type, and checks that a
 * response status is documented for the operation and that its body matches that status's schema.
 * Schemas are compiled lazily, per operation and location, so the 1.2 MB Bitbucket spec costs only what is
 * used.
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { loadSpec } from './load-spec';
import type { SpecName } from './load-spec';
import type {
  HttpMethod,
  JsonObject,
  JsonValue,
  MediaTypeObject,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
  RequestBodyObject,
  ResponseObject,
} from './openapi-types';
import { HTTP_METHODS, isJsonObject, isRef } from './openapi-types';
import type { CompiledTemplate } from './path-template';
import { compareSpecificity, compileTemplate, matchTemplate, splitPath } from './path-template';
import { toJsonSchema } from './schema-translate';

/** A request as the validator sees it (the same shape the emulators receive). */
export interface RequestToValidate {
  readonly method: string;
  /** Path relative to the spec's server URL, not yet percent-decoded. */
  readonly path: string;
  readonly query: Readonly<Record<string, readonly string[]>>;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: string | undefined;
}

/** A response as the validator sees it. */
export interface ResponseToValidate {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** One operation of a spec, with its path-level and operation-level parameters merged and resolved. */
export interface OperationRef {
  readonly method: HttpMethod;
  readonly pathTemplate: string;
  /** `GET /path/{template}`: the key used in coverage lists, fault rules and violation reports. */
  readonly key: string;
  readonly operation: OperationObject;
  readonly parameters: readonly ParameterObject[];
}

/** The outcome of matching a method and path against the spec. */
export type OperationMatch =
  | {
      readonly kind: 'matched';
      readonly operation: OperationRef;
      readonly pathParams: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'no-path' }
  | { readonly kind: 'no-method'; readonly allowed: readonly string[] };

/** The outcome of validating a request. */
export interface RequestCheck {
  readonly match: OperationMatch;
  /** Human-readable reasons the request does not conform; empty when it does. */
  readonly errors: readonly string[];
  /** The parsed JSON body, when there was one and it parsed. */
  readonly body: JsonValue | undefined;
  /** Whether the failure is missing or malformed credentials (the emulator answers 401 rather than 400). */
  readonly unauthenticated: boolean;
}

/** Query parameters a spec's narrative grants to operations beyond the ones they declare. */
export type ImplicitQueryParameters = (operation: OperationRef) => Readonly<Record<string, JsonObject>>;

/** Options of a response check. */
export interface ResponseCheckOptions {
  /**
   * The request asked for a partial representation (Bitbucket's `fields`), so properties the schema
   * requires may be missing; whatever is present is still checked.
   */
  readonly partial?: boolean;
}

/** Whether a request asks for a partial response with Bitbucket's `fields` parameter (narrative "Partial responses"). */
export function requestsPartialResponse(query: Readonly<Record<string, readonly string[]>>): boolean {
  return (query.fields ?? []).some((value) => value.trim() !== '');
}

/** Options for a validator. */
export interface ValidatorOptions {
  /** A label for messages and for the ajv schema id. */
  readonly name: string;
  readonly implicitQueryParameters?: ImplicitQueryParameters;
}

const COMPONENT_SCHEMA_PREFIX = '#/components/schemas/';

/** Returns the media type of a Content-Type value, lower-cased and without parameters. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type === undefined || type === '' ? undefined : type;
}

function isJsonMediaType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

function findMedia(content: Readonly<Record<string, MediaTypeObject>>, mediaType: string): MediaTypeObject | undefined {
  const [type] = mediaType.split('/');
  for (const [declared, media] of Object.entries(content)) {
    const d = declared.toLowerCase().split(';')[0]?.trim();
    if (d === mediaType || d === `${type}/*` || d === '*/*') return media;
  }
  return undefined;
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function formatErrors(where: string, errors: readonly ErrorObject[] | null | undefined, named = false): string[] {
  return (errors ?? []).map((e) => {
    const extra = typeof e.params.additionalProperty === 'string' ? ` (${e.params.additionalProperty})` : '';
    const allowed = Array.isArray(e.params.allowedValues) ? ` ${JSON.stringify(e.params.allowedValues)}` : '';
    const location = named ? ` ${e.instancePath.slice(1)}` : e.instancePath;
    return `${where}${location} ${e.message ?? 'is invalid'}${extra}${allowed}`;
  });
}

/** Validates requests and responses against one OpenAPI 3.0 document. */
export class OpenApiValidator {
  private readonly document: OpenApiDocument;
  private readonly options: ValidatorOptions;
  private readonly templates: CompiledTemplate[];
  private readonly schemaId: string;
  private readonly compiled = new Map<string, ValidateFunction>();
  private strictAjv: Ajv | undefined;
  private coercingAjv: Ajv | undefined;
  private allOperations: OperationRef[] | undefined;
  private readonly partialDefinitionsIn = new WeakSet<Ajv>();

  constructor(document: OpenApiDocument, options: ValidatorOptions) {
    this.document = document;
    this.options = options;
    this.templates = Object.keys(document.paths).map(compileTemplate).sort(compareSpecificity);
    this.schemaId = `https://emulators.invalid/openapi/${encodeURIComponent(options.name)}.json`;
  }

  /** Every operation of the document. */
  operations(): readonly OperationRef[] {
    if (this.allOperations === undefined) {
      this.allOperations = [];
      for (const template of Object.keys(this.document.paths)) {
        for (const method of HTTP_METHODS) {
          const ref = this.operation(method, template);
          if (ref !== undefined) this.allOperations.push(ref);
        }
      }
    }
    return this.allOperations;
  }

  /** The operation at exactly this method and path template, if the document has it. */
  operation(method: string, pathTemplate: string): OperationRef | undefined {
    const lower = method.toLowerCase() as HttpMethod;
    const item = this.document.paths[pathTemplate];
    const operation = HTTP_METHODS.includes(lower) ? item?.[lower] : undefined;
    if (item === undefined || operation === undefined) return undefined;
    const merged = new Map<string, ParameterObject>();
    for (const p of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
      const resolved = this.resolve<ParameterObject>(p);
      if (resolved !== undefined) merged.set(`${resolved.in}:${resolved.name}`, resolved);
    }
    return {
      method: lower,
      pathTemplate,
      key: `${lower.toUpperCase()} ${pathTemplate}`,
      operation,
      parameters: [...merged.values()],
    };
  }

  /** Finds the operation a request addresses; concrete paths win over templated ones. */
  match(method: string, rawPath: string): OperationMatch {
    const segments = splitPath(rawPath);
    if (segments === undefined) return { kind: 'no-path' };
    const allowed: string[] = [];
    for (const template of this.templates) {
      const params = matchTemplate(template, segments);
      if (params === undefined) continue;
      const operation = this.operation(method, template.template);
      if (operation !== undefined) return { kind: 'matched', operation, pathParams: params };
      for (const m of HTTP_METHODS)
        if (this.document.paths[template.template]?.[m] !== undefined) allowed.push(m.toUpperCase());
    }
    return allowed.length > 0 ? { kind: 'no-method', allowed } : { kind: 'no-path' };
  }

  /** Validates a request: operation, parameters, credentials, content type and body. */
  validateRequest(request: RequestToValidate): RequestCheck {
    const match = this.match(request.method, request.path);
    if (match.kind === 'no-path') {
      return {
        match,
        errors: [`${request.method} ${request.path}: no path of ${this.options.name} matches`],
        body: undefined,
        unauthenticated: false,
      };
    }
    if (match.kind === 'no-method') {
      return {
        match,
        errors: [
          `${request.method} ${request.path}: method not described (the path allows ${match.allowed.join(', ')})`,
        ],
        body: undefined,
        unauthenticated: false,
      };
    }
    const op = match.operation;
    const errors: string[] = [];
    errors.push(...this.checkParameters(op, match.pathParams, request));
    const securityError = this.checkSecurity(op, request);
    if (securityError !== undefined) errors.push(securityError);
    const { errors: bodyErrors, body } = this.checkRequestBody(op, request);
    errors.push(...bodyErrors);
    return { match, errors: errors.map((e) => `${op.key}: ${e}`), body, unauthenticated: securityError !== undefined };
  }

  /** Validates a serialised response to `op`. */
  validateResponse(op: OperationRef, response: ResponseToValidate, options: ResponseCheckOptions = {}): string[] {
    const contentType = headerOf(response.headers, 'content-type');
    const hasBody = response.body !== undefined && response.body.length > 0;
    if (!hasBody) return this.validateResponseValue(op, response.status, contentType, undefined, options);
    const mediaType = mediaTypeOf(contentType);
    if (mediaType !== undefined && isJsonMediaType(mediaType)) {
      try {
        return this.validateResponseValue(
          op,
          response.status,
          contentType,
          JSON.parse(response.body ?? '') as JsonValue,
          options,
        );
      } catch {
        return [`${op.key}: response ${response.status} body is not valid JSON`];
      }
    }
    return this.validateResponseValue(op, response.status, contentType, response.body ?? '', options);
  }

  /** Validates a response given as a status, a Content-Type and a body value (undefined for no body). */
  validateResponseValue(
    op: OperationRef,
    status: number,
    contentType: string | undefined,
    body: JsonValue | undefined,
    options: ResponseCheckOptions = {},
  ): string[] {
    const prefix = `${op.key}: response ${status}`;
    const response = this.responseFor(op, status);
    if (response === undefined) {
      return [`${prefix} is not a status the operation documents (${Object.keys(op.operation.responses).join(', ')})`];
    }
    const content = response.content ?? {};
    if (Object.keys(content).length === 0) {
      // Error statuses of Admin API writes document no body at all; the emulators still send an error body
      // (specs/README.md), so only success statuses are held to "no body".
      return body !== undefined && status < 400 ? [`${prefix} documents no body, but one was sent`] : [];
    }
    if (body === undefined) return [`${prefix} documents a body, but none was sent`];
    const mediaType = mediaTypeOf(contentType);
    const media = mediaType === undefined ? undefined : findMedia(content, mediaType);
    if (mediaType === undefined || media === undefined) {
      return [
        `${prefix} has content type ${contentType ?? '(none)'}, expected one of ${Object.keys(content).join(', ')}`,
      ];
    }
    if (media.schema === undefined || !isJsonMediaType(mediaType)) return [];
    const partial = options.partial === true;
    const validate = this.compile(
      `${op.key} response ${status} ${mediaType}${partial ? ' partial' : ''}`,
      media.schema,
      false,
      partial,
    );
    return validate(body) ? [] : formatErrors(`${prefix} body`, validate.errors);
  }

  /** Whether the operation documents `status` (exactly, as a range such as 4XX, or through `default`). */
  documentsStatus(op: OperationRef, status: number): boolean {
    return this.responseFor(op, status) !== undefined;
  }

  private responseFor(op: OperationRef, status: number): ResponseObject | undefined {
    const responses = op.operation.responses;
    const candidate = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    return candidate === undefined ? undefined : this.resolve<ResponseObject>(candidate);
  }

  private checkParameters(
    op: OperationRef,
    pathParams: Readonly<Record<string, string>>,
    request: RequestToValidate,
  ): string[] {
    const errors: string[] = [];
    const pathValues: JsonObject = {};
    const queryValues: JsonObject = {};
    const declaredPath = new Set<string>();
    const declaredQuery = new Set<string>();
    const pathSchema: JsonObject = { type: 'object', properties: {}, required: [] };
    const querySchema: JsonObject = { type: 'object', properties: {}, required: [] };
    const implicit = this.options.implicitQueryParameters?.(op) ?? {};
    const queryParameters: ParameterObject[] = op.parameters.filter((p) => p.in === 'query');
    for (const [name, schema] of Object.entries(implicit)) {
      if (!queryParameters.some((p) => p.name === name)) queryParameters.push({ name, in: 'query', schema });
    }

    for (const parameter of op.parameters) {
      if (parameter.in === 'path') {
        declaredPath.add(parameter.name);
        (pathSchema.properties as JsonObject)[parameter.name] = parameter.schema ?? {};
        (pathSchema.required as JsonValue[]).push(parameter.name);
        const value = pathParams[parameter.name];
        if (value !== undefined) pathValues[parameter.name] = value;
      } else if (parameter.in === 'header' && parameter.required === true) {
        if (request.headers[parameter.name.toLowerCase()] === undefined)
          errors.push(`header ${parameter.name} is required`);
      }
    }
    for (const name of Object.keys(pathParams)) {
      if (!declaredPath.has(name)) errors.push(`path parameter {${name}} is not declared by the operation`);
    }
    for (const parameter of queryParameters) {
      declaredQuery.add(parameter.name);
      (querySchema.properties as JsonObject)[parameter.name] = parameter.schema ?? {};
      const values = request.query[parameter.name];
      if (values === undefined) {
        if (parameter.required === true) errors.push(`query parameter ${parameter.name} is required`);
        continue;
      }
      queryValues[parameter.name] =
        this.schemaType(parameter.schema) === 'array' || values.length !== 1 ? [...values] : (values[0] ?? '');
    }
    for (const name of Object.keys(request.query)) {
      if (!declaredQuery.has(name)) errors.push(`query parameter ${name} is not described by the operation`);
    }
    const validatePath = this.compile(`${op.key} path`, pathSchema, true);
    if (!validatePath(pathValues)) errors.push(...formatErrors('path parameter', validatePath.errors, true));
    const validateQuery = this.compile(`${op.key} query ${Object.keys(implicit).join(',')}`, querySchema, true);
    if (!validateQuery(queryValues)) errors.push(...formatErrors('query parameter', validateQuery.errors, true));
    return errors;
  }

  private checkSecurity(op: OperationRef, request: RequestToValidate): string | undefined {
    const requirements = op.operation.security ?? this.document.security;
    if (requirements === undefined || requirements.length === 0) return undefined;
    const satisfied = requirements.some((requirement) =>
      Object.keys(requirement).every((scheme) => this.schemeSatisfied(scheme, request)),
    );
    if (satisfied) return undefined;
    return `credentials satisfy none of the security requirements (${requirements.map((r) => Object.keys(r).join('+') || 'none').join(' | ')})`;
  }

  private schemeSatisfied(name: string, request: RequestToValidate): boolean {
    const scheme = this.document.components?.securitySchemes?.[name];
    if (scheme === undefined) return false;
    const authorization = request.headers.authorization?.[0] ?? '';
    switch (scheme.type) {
      case 'http': {
        if (scheme.scheme?.toLowerCase() === 'basic') return basicCredentials(authorization) !== undefined;
        return /^bearer\s+\S+/i.test(authorization);
      }
      case 'oauth2':
      case 'openIdConnect':
        return /^bearer\s+\S+/i.test(authorization);
      case 'apiKey': {
        const key = scheme.name ?? '';
        if (scheme.in === 'query') return (request.query[key]?.[0] ?? '') !== '';
        if (scheme.in === 'header') return (request.headers[key.toLowerCase()]?.[0] ?? '').trim() !== '';
        return (request.headers.cookie?.[0] ?? '').includes(`${key}=`);
      }
    }
  }

  private checkRequestBody(
    op: OperationRef,
    request: RequestToValidate,
  ): { errors: string[]; body: JsonValue | undefined } {
    const requestBody =
      op.operation.requestBody === undefined ? undefined : this.resolve<RequestBodyObject>(op.operation.requestBody);
    const text = request.body ?? '';
    if (requestBody === undefined) {
      return {
        errors: text.length > 0 ? ['the operation takes no request body, but one was sent'] : [],
        body: undefined,
      };
    }
    if (text.length === 0) {
      return { errors: requestBody.required === true ? ['a request body is required'] : [], body: undefined };
    }
    const contentType = request.headers['content-type']?.[0];
    const mediaType = mediaTypeOf(contentType);
    const media = mediaType === undefined ? undefined : findMedia(requestBody.content, mediaType);
    if (mediaType === undefined || media === undefined) {
      return {
        errors: [
          `request content type ${contentType ?? '(none)'} is not one of ${Object.keys(requestBody.content).join(', ')}`,
        ],
        body: undefined,
      };
    }
    if (!isJsonMediaType(mediaType)) return { errors: [], body: undefined };
    let body: JsonValue;
    try {
      body = JSON.parse(text) as JsonValue;
    } catch {
      return { errors: ['the request body is not valid JSON'], body: undefined };
    }
    if (media.schema === undefined) return { errors: [], body };
    const validate = this.compile(`${op.key} request ${mediaType}`, media.schema, false);
    return { errors: validate(body) ? [] : formatErrors('request body', validate.errors), body };
  }

  /** Follows a local `$ref` to a component; undefined when it does not resolve. */
  private resolve<T>(value: T | { readonly $ref: string }): T | undefined {
    let current: unknown = value;
    for (let hops = 0; isRef(current); hops++) {
      if (hops > 10 || !current.$ref.startsWith('#/')) return undefined;
      let node: unknown = this.document;
      for (const token of current.$ref.slice(2).split('/')) {
        const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
        node = isJsonObject(node) ? node[key] : undefined;
      }
      current = node;
    }
    return current as T | undefined;
  }

  private schemaType(schema: JsonObject | undefined): string | undefined {
    const resolved = schema === undefined ? undefined : this.resolve<JsonObject>(schema);
    return typeof resolved?.type === 'string' ? resolved.type : undefined;
  }

  private compile(key: string, schema: JsonValue, coerce: boolean, partial = false): ValidateFunction {
    const cacheKey = `${coerce ? 'coerce' : 'strict'} ${key}`;
    const cached = this.compiled.get(cacheKey);
    if (cached !== undefined) return cached;
    const ajv = this.ajv(coerce);
    if (partial) this.addPartialDefinitions(ajv);
    const translated = toJsonSchema(schema, (ref) => this.rewriteRef(ref, partial), { dropRequired: partial });
    const validate = ajv.compile(isJsonObject(translated) ? translated : {});
    this.compiled.set(cacheKey, validate);
    return validate;
  }

  private rewriteRef(ref: string, partial = false): string {
    if (!ref.startsWith(COMPONENT_SCHEMA_PREFIX))
      throw new Error(`${this.options.name}: unsupported schema $ref ${ref}`);
    return `${partial ? this.partialSchemaId() : this.schemaId}#/definitions/${ref.slice(COMPONENT_SCHEMA_PREFIX.length)}`;
  }

  private partialSchemaId(): string {
    return this.schemaId.replace(/\.json$/, '.partial.json');
  }

  private addPartialDefinitions(ajv: Ajv): void {
    if (this.partialDefinitionsIn.has(ajv)) return;
    this.partialDefinitionsIn.add(ajv);
    const id = this.partialSchemaId();
    const definitions: JsonObject = {};
    for (const [name, schema] of Object.entries(this.document.components?.schemas ?? {})) {
      definitions[name] = toJsonSchema(schema, (ref) => this.rewriteRef(ref, true), { dropRequired: true });
    }
    ajv.addSchema({ $id: id, definitions });
  }

  private ajv(coerce: boolean): Ajv {
    const existing = coerce ? this.coercingAjv : this.strictAjv;
    if (existing !== undefined) return existing;
    const ajv = new Ajv({
      strict: false,
      allErrors: true,
      logger: false,
      // The component document is large and comes from a spec that already passes document validation.
      validateSchema: false,
      unicodeRegExp: false,
      coerceTypes: coerce ? 'array' : false,
    });
    addFormats(ajv);
    // `int` is used by the organization spec; OpenAPI leaves unknown formats to the tool.
    ajv.addFormat('int', true);
    const definitions: JsonObject = {};
    for (const [name, schema] of Object.entries(this.document.components?.schemas ?? {})) {
      definitions[name] = toJsonSchema(schema, (ref) => this.rewriteRef(ref));
    }
    ajv.addSchema({ $id: this.schemaId, definitions });
    if (coerce) this.coercingAjv = ajv;
    else this.strictAjv = ajv;
    return ajv;
  }
}

/** Decodes `Authorization: Basic …` into user and password; undefined unless both are non-empty. */
export function basicCredentials(authorization: string | undefined): { user: string; password: string } | undefined {
  const m = /^basic\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Parameters the Bitbucket narrative documents for every collection ("Pagination", "Filter and sort", "Partial responses"). */
function bitbucketImplicitQueryParameters(op: OperationRef): Readonly<Record<string, JsonObject>> {
  const parameters: Record<string, JsonObject> = { fields: { type: 'string' } };
  const ok = op.operation.responses['200'];
  const schema = ok !== undefined && !isRef(ok) ? ok.content?.['application/json']?.schema : undefined;
  const paginated = typeof schema?.$ref === 'string' && schema.$ref.startsWith(`${COMPONENT_SCHEMA_PREFIX}paginated_`);
  if (paginated) {
    parameters.page = { type: 'integer', minimum: 1 };
    parameters.pagelen = { type: 'integer', minimum: 1 };
    // Some collections say outright that they do not take BBQL (the permissions-config lists).
    if (!/does not support BBQL/i.test(op.operation.description ?? '')) {
      parameters.q = { type: 'string' };
      parameters.sort = { type: 'string' };
    }
  }
  return parameters;
}

const PROFILES: Partial<Record<SpecName, Omit<ValidatorOptions, 'name'>>> = {
  'bitbucket-cloud': { implicitQueryParameters: bitbucketImplicitQueryParameters },
};

const validators = new Map<SpecName, OpenApiValidator>();

/** Returns the process-wide validator for a vendored spec, loading and correcting the file on first use. */
export function validatorFor(name: SpecName): OpenApiValidator {
  let validator = validators.get(name);
  if (validator === undefined) {
    validator = new OpenApiValidator(loadSpec(name), { name, ...PROFILES[name] });
    validators.set(name, validator);
  }
  return validator;
}
