/**
 * Attribute definitions in the shape of RFC 7643 section 7. One table drives /Schemas, key normalisation,
 * value coercion, filter case rules, PATCH path allow-listing and attribute projection.
 */

/** Data types of RFC 7643 section 2.3. */
export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex';

/** Mutability values of RFC 7643 section 7. */
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

/** Returned values of RFC 7643 section 7. */
export type Returned = 'always' | 'never' | 'default' | 'request';

/** Uniqueness values of RFC 7643 section 7. */
export type Uniqueness = 'none' | 'server' | 'global';

/** One attribute as /Schemas presents it (RFC 7643 section 7). */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

/** A schema as /Schemas presents it (RFC 7643 section 7). */
export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

type Options = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

const DEFAULTS = {
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
} as const;

/** Builds a definition with the RFC 7643 section 2.2 defaults for whatever is not given. */
export function attribute(
  name: string,
  type: AttributeType,
  description: string,
  options: Options = {},
): AttributeDefinition {
  return { name, type, description, ...DEFAULTS, ...options };
}

/** A string attribute with the RFC defaults. */
export function stringAttribute(name: string, description: string, options: Options = {}): AttributeDefinition {
  return attribute(name, 'string', description, options);
}

/** A complex attribute with its sub-attributes. */
export function complexAttribute(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  options: Options = {},
): AttributeDefinition {
  return attribute(name, 'complex', description, { ...options, subAttributes });
}

/**
 * The sub-attributes RFC 7643 section 2.4 gives every multi-valued complex attribute: value, display, type,
 * primary. Canonical type values are advertised but not enforced (they are not a closed set in the RFC).
 */
export function multiValuedSubAttributes(
  valueType: AttributeType,
  canonicalTypes: readonly string[],
  valueOptions: Options = {},
): AttributeDefinition[] {
  return [
    attribute('value', valueType, 'The value of the attribute.', valueOptions),
    stringAttribute('display', 'A human-readable name, primarily used for display purposes.'),
    stringAttribute(
      'type',
      "A label indicating the attribute's function.",
      canonicalTypes.length > 0 ? { canonicalValues: canonicalTypes } : {},
    ),
    attribute('primary', 'boolean', 'Indicates the primary or preferred value; at most one value may be primary.'),
  ];
}
