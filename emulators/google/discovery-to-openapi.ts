/**
 * Google's discovery document of the Admin SDK Directory API (specs/google-admin-directory-v1-discovery.json) as an
 * OpenAPI 3.0 document held in memory, so the one validator the Atlassian emulators use (emulators/openapi/validator.ts)
 * checks Google traffic too. A discovery document is not OpenAPI: schemas are named by `id` and referenced by bare
 * name, `type: any` means any JSON, `int64` values are strings, parameter bounds are strings, methods name their OAuth
 * scopes, and no error response is described at all. The translation keeps every constraint the document states and
 * adds only the corrections listed in specs/README.md ("google-admin-directory-v1-discovery.json" under Known defects),
 * each marked below.
 */
import type {
  JsonObject,
  JsonValue,
  OpenApiDocument,
  OperationObject,
  ParameterObject,
} from '../openapi/openapi-types';
import { isJsonObject } from '../openapi/openapi-types';

/** The security scheme name the translated operations require. */
export const GOOGLE_OAUTH_SCHEME = 'Oauth2';

/** The schema name of Google's JSON error body (not in the discovery document; see googleErrorSchema). */
export const GOOGLE_ERROR_SCHEMA = 'GoogleJsonErrorResponse';

/**
 * Google's error body (developers.google.com/workspace/admin/directory/v1/limits and the JSON error format of Google
 * APIs, AIP-193): `{ "error": { "code", "message", "errors": [{ "domain", "reason", "message" }], "status" } }`. The
 * discovery document describes no error body, so this is the emulator's assumption, written down in the README.
 */
const googleErrorSchema: JsonObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'integer' },
        message: { type: 'string' },
        status: { type: 'string' },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              domain: { type: 'string' },
              reason: { type: 'string' },
              message: { type: 'string' },
              location: { type: 'string' },
              locationType: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

/**
 * Values the reference pages list as "Acceptable values" for Member fields whose discovery schema is a bare string
 * (developers.google.com/admin-sdk/directory/reference/rest/v1/members: `type` CUSTOMER, EXTERNAL, GROUP, USER; `role`
 * MANAGER, MEMBER, OWNER; `delivery_settings` ALL_MAIL, DAILY, DIGEST, DISABLED, NONE). Correction 2 of specs/README.md:
 * without these the emulator could answer a member of a type the app has never heard of and nothing would notice.
 */
export const MEMBER_ENUMS: Readonly<Record<string, readonly string[]>> = {
  type: ['CUSTOMER', 'EXTERNAL', 'GROUP', 'USER'],
  role: ['MANAGER', 'MEMBER', 'OWNER'],
  delivery_settings: ['ALL_MAIL', 'DAILY', 'DIGEST', 'DISABLED', 'NONE'],
};

/** A method of the discovery document, as far as the translation reads it. */
interface DiscoveryMethod {
  readonly id: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly description?: string;
  readonly parameters?: Readonly<Record<string, JsonObject>>;
  readonly request?: { readonly $ref: string };
  readonly response?: { readonly $ref: string };
  readonly scopes?: readonly string[];
}

/** A method's `id` (`directory.users.list`) to its `METHOD /path`, for coverage lists. */
export interface DiscoveryOperation {
  readonly methodId: string;
  readonly key: string;
  readonly scopes: readonly string[];
}

/** The translated document and what was learnt on the way. */
export interface TranslatedDiscovery {
  readonly document: OpenApiDocument;
  /** Every method, by id. */
  readonly operations: ReadonlyMap<string, DiscoveryOperation>;
  /** Every OAuth scope the document declares. */
  readonly scopes: ReadonlySet<string>;
}

function componentRef(name: string): string {
  return `#/components/schemas/${name}`;
}

/** Translates one discovery schema into an OpenAPI 3.0 schema. */
export function translateSchema(schema: JsonValue): JsonValue {
  if (!isJsonObject(schema)) return schema;
  if (typeof schema.$ref === 'string') return { $ref: componentRef(schema.$ref) };
  const out: JsonObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    switch (keyword) {
      case 'id':
      case 'description':
      case 'annotations':
      case 'enumDescriptions':
      case 'default':
      case 'location':
      case 'required':
      case 'repeated':
      case 'deprecated':
        // Annotations, or (`required`, `repeated`) parameter-only keywords handled by the parameter translation.
        break;
      case 'type':
        // `any` admits every JSON value: no `type` at all in JSON Schema.
        if (value !== 'any') out.type = value;
        break;
      case 'format':
        // int64 and uint64 travel as decimal strings in Google's JSON; the other formats are checked by ajv-formats
        // where it knows them (date-time), and ignored where it does not (int32 on integers, byte, google-*).
        if (value === 'int64' || value === 'uint64') out.pattern = value === 'int64' ? '^-?[0-9]+$' : '^[0-9]+$';
        else if (value === 'date-time' || value === 'date') out.format = value;
        break;
      case 'minimum':
      case 'maximum':
        // Discovery writes bounds as strings.
        out[keyword] = typeof value === 'string' ? Number(value) : value;
        break;
      case 'properties': {
        const properties: JsonObject = {};
        if (isJsonObject(value))
          for (const [name, sub] of Object.entries(value)) properties[name] = translateSchema(sub);
        out.properties = properties;
        break;
      }
      case 'items':
      case 'additionalProperties':
        out[keyword] = translateSchema(value);
        break;
      default:
        out[keyword] = value;
    }
  }
  return out;
}

/**
 * Correction 1 of specs/README.md: `groups.list` and `members.list` state their maximum only in prose ("Max allowed
 * value is 200.") where `users.list` has `"maximum": "500"`; the prose becomes the bound.
 */
function maximumFromProse(parameter: JsonObject): JsonObject {
  if (parameter.maximum !== undefined || typeof parameter.description !== 'string') return parameter;
  const stated = /Max allowed value is ([0-9]+)/.exec(parameter.description);
  return stated ? { ...parameter, maximum: stated[1] ?? '' } : parameter;
}

function translateParameter(name: string, parameter: JsonObject): ParameterObject {
  const corrected = maximumFromProse(parameter);
  const base = translateSchema(corrected) as JsonObject;
  const schema: JsonObject = corrected.repeated === true ? { type: 'array', items: base } : base;
  return {
    name,
    in: parameter.location === 'path' ? 'path' : 'query',
    ...(parameter.required === true || parameter.location === 'path' ? { required: true } : {}),
    schema,
  };
}

function collectMethods(resources: JsonValue | undefined, out: DiscoveryMethod[]): void {
  if (!isJsonObject(resources)) return;
  for (const resource of Object.values(resources)) {
    if (!isJsonObject(resource)) continue;
    if (isJsonObject(resource.methods))
      for (const method of Object.values(resource.methods))
        if (isJsonObject(method)) out.push(method as unknown as DiscoveryMethod);
    collectMethods(resource.resources, out);
  }
}

/** Translates a parsed discovery document; the input is not changed. */
export function discoveryToOpenApi(discovery: JsonObject): TranslatedDiscovery {
  const schemas: Record<string, JsonObject> = {};
  if (isJsonObject(discovery.schemas)) {
    for (const [name, schema] of Object.entries(discovery.schemas))
      schemas[name] = translateSchema(schema) as JsonObject;
  }
  const member = schemas.Member;
  if (member !== undefined && isJsonObject(member.properties)) {
    for (const [property, values] of Object.entries(MEMBER_ENUMS)) {
      const declared = member.properties[property];
      if (isJsonObject(declared)) member.properties[property] = { ...declared, enum: [...values] };
    }
  }
  schemas[GOOGLE_ERROR_SCHEMA] = googleErrorSchema;

  const globalParameters: ParameterObject[] = [];
  if (isJsonObject(discovery.parameters)) {
    for (const [name, parameter] of Object.entries(discovery.parameters))
      if (isJsonObject(parameter)) globalParameters.push(translateParameter(name, parameter));
  }
  const methods: DiscoveryMethod[] = [];
  collectMethods(discovery.resources, methods);
  const paths: Record<string, Record<string, OperationObject>> = {};
  const operations = new Map<string, DiscoveryOperation>();
  const servicePath = typeof discovery.servicePath === 'string' ? discovery.servicePath : '';
  for (const method of methods) {
    const template = `/${servicePath}${method.path}`.replace(/\{\+/g, '{');
    const verb = method.httpMethod.toLowerCase();
    const own = Object.entries(method.parameters ?? {}).map(([name, parameter]) => translateParameter(name, parameter));
    const ownNames = new Set(own.map((p) => p.name));
    const success: JsonObject = method.response
      ? {
          description: 'Successful response',
          content: { 'application/json': { schema: { $ref: componentRef(method.response.$ref) } } },
        }
      : { description: 'Successful response' };
    const operation: OperationObject = {
      operationId: method.id,
      ...(method.description !== undefined ? { description: method.description } : {}),
      parameters: [...own, ...globalParameters.filter((p) => !ownNames.has(p.name))],
      ...(method.request
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: componentRef(method.request.$ref) } } },
            },
          }
        : {}),
      // Google answers 204 with no body to methods without a response (deletes), 200 otherwise.
      responses: {
        [method.response ? '200' : '204']: success as never,
        default: {
          description: 'Google JSON error',
          content: { 'application/json': { schema: { $ref: componentRef(GOOGLE_ERROR_SCHEMA) } } },
        },
      },
      security: [{ [GOOGLE_OAUTH_SCHEME]: [...(method.scopes ?? [])] }],
    };
    (paths[template] ??= {})[verb] = operation;
    operations.set(method.id, {
      methodId: method.id,
      key: `${verb.toUpperCase()} ${template}`,
      scopes: method.scopes ?? [],
    });
  }
  const scopes = new Set<string>();
  const auth =
    isJsonObject(discovery.auth) && isJsonObject(discovery.auth.oauth2) && isJsonObject(discovery.auth.oauth2.scopes)
      ? discovery.auth.oauth2.scopes
      : {};
  for (const scope of Object.keys(auth)) scopes.add(scope);
  const document = {
    openapi: '3.0.3',
    info: { title: String(discovery.title ?? discovery.name ?? 'discovery'), version: String(discovery.version ?? '') },
    servers: [{ url: String(discovery.rootUrl ?? '') }],
    paths,
    components: { schemas, securitySchemes: { [GOOGLE_OAUTH_SCHEME]: { type: 'oauth2' } } },
  } as unknown as OpenApiDocument;
  return { document, operations, scopes };
}
