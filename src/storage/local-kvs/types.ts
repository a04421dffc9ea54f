/**
 * Shapes shared by the local implementation of the Forge storage service.
 *
 * Entity definitions mirror `app.storage.entities` in manifest.yml (DAC `/runtime-reference/custom-entities`):
 * an index is either an attribute name (a range index on that attribute) or `{ name, range: [attr], partition?: [attrs] }`.
 */

/** The attribute types Forge custom entities accept in the manifest. */
export type AttributeType = 'string' | 'boolean' | 'float' | 'integer' | 'any';

/** One declared attribute of a custom entity. */
export interface EntityAttributeDefinition {
  /** The declared type that every stored value of this attribute must have. */
  type: AttributeType;
}

/** An index declared in object form: exactly one range attribute and optional partition attributes. */
export interface EntityIndexDefinition {
  /** The index name used by `kvs.entity(e).query().index(name)`. */
  name: string;
  /** The single attribute the index is ordered by. */
  range: string[];
  /** Attributes whose values a query must supply, in this order, to select one partition. */
  partition?: string[];
}

/** A custom entity as declared in the manifest. */
export interface EntityDefinition {
  /** The entity name (3–60 characters) used by `kvs.entity(name)`. */
  name: string;
  /** Every attribute a stored value may carry; anything else is rejected. */
  attributes: Record<string, EntityAttributeDefinition>;
  /** Indexes; a plain string is a range index named after its attribute. */
  indexes?: Array<string | EntityIndexDefinition>;
}

/** An index after normalisation: always named, one range attribute, zero or more partition attributes. */
export interface NormalizedIndex {
  /** The index name. */
  name: string;
  /** The range attribute. */
  range: string;
  /** The partition attributes, possibly empty. */
  partition: string[];
}

/** An entity definition after validation and normalisation. */
export interface NormalizedEntity {
  /** The entity name. */
  name: string;
  /** Declared attribute types by attribute name. */
  attributes: Map<string, AttributeType>;
  /** Normalised indexes by index name. */
  indexes: Map<string, NormalizedIndex>;
}

/** A value stored under one key, with the timestamps Forge exposes as metadata (milliseconds since the epoch). */
export interface StoredItem {
  /** The JSON value. */
  value: unknown;
  /** When the key was first written (or rewritten after it expired or was deleted). */
  createdAt: number;
  /** When the key was last written. */
  updatedAt: number;
  /** When the item stops existing, if it was written with a TTL. */
  expireAt?: number;
}

/** One physical change to the store; a committed request is a list of these, replayed verbatim from the log. */
export type Mutation = { t: 'put'; ns: string; key: string; item: StoredItem } | { t: 'del'; ns: string; key: string };
