/**
 * Translates OpenAPI 3.0 Schema Objects into JSON Schema (draft-07) that ajv can compile. OpenAPI 3.0 is a
 * dialect: `nullable` widens the type, `$ref` replaces its siblings, and annotation keywords such as
 * `readOnly` or `discriminator` carry no validation meaning for the emulators.
 */
import type { JsonObject, JsonValue } from './openapi-types';
import { isJsonObject } from './openapi-types';

/** Keywords dropped from every schema: annotations, or behaviour the emulators deliberately do not enforce. */
const DROPPED_KEYWORDS = new Set([
  'nullable',
  'readOnly',
  'writeOnly',
  'example',
  'examples',
  'xml',
  'discriminator',
  'externalDocs',
  'deprecated',
]);

/** Keywords whose value is a map from names to schemas. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions']);

/** Keywords whose value is a single schema. */
const SCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'not',
  'additionalItems',
  'propertyNames',
  'contains',
  'if',
  'then',
  'else',
]);

/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf']);

/** Where a component schema reference points after translation. */
export type RefRewriter = (ref: string) => string;

/** Translation switches. */
export interface TranslateOptions {
  /**
   * Drop `required`: for partial representations (Bitbucket's `fields` parameter), where any property may
   * be left out on request but what is present must still match.
   */
  readonly dropRequired?: boolean;
}

/**
 * Returns the JSON Schema equivalent of an OpenAPI 3.0 schema. References to `#/components/schemas/X` are
 * passed through `rewriteRef`, so that they can point into a document registered with ajv.
 */
export function toJsonSchema(schema: JsonValue, rewriteRef: RefRewriter, options: TranslateOptions = {}): JsonValue {
  if (!isJsonObject(schema)) return schema;
  if (typeof schema.$ref === 'string') {
    // OpenAPI 3.0 section 4.7.25: properties next to $ref SHALL be ignored.
    return { $ref: rewriteRef(schema.$ref) };
  }
  const out: JsonObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (DROPPED_KEYWORDS.has(keyword) || keyword.startsWith('x-')) continue;
    if (keyword === 'required' && options.dropRequired === true) continue;
    if (SCHEMA_MAP_KEYWORDS.has(keyword) && isJsonObject(value)) {
      const map: JsonObject = {};
      for (const [name, sub] of Object.entries(value)) map[name] = toJsonSchema(sub, rewriteRef, options);
      out[keyword] = map;
    } else if (SCHEMA_KEYWORDS.has(keyword) && isJsonObject(value)) {
      out[keyword] = toJsonSchema(value, rewriteRef, options);
    } else if (SCHEMA_LIST_KEYWORDS.has(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((sub) => toJsonSchema(sub, rewriteRef, options));
    } else {
      out[keyword] = value;
    }
  }
  return schema.nullable === true ? allowNull(out) : out;
}

/** Widens a translated schema to also accept null, the meaning of OpenAPI 3.0 `nullable: true`. */
function allowNull(schema: JsonObject): JsonObject {
  if (typeof schema.type === 'string') {
    const widened: JsonObject = { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) widened.enum = [...schema.enum, null];
    return widened;
  }
  return { anyOf: [schema, { type: 'null' }] };
}
