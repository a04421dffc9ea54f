/**
 * The filter syntax tree of RFC 7644 section 3.4.2.2 (and the PATCH path grammar of section 3.5.2). Attribute
 * paths are kept as written (case, URN prefix); consumers resolve them with `resolvePath` from schema/registry.
 */

/** Comparison operators of RFC 7644 section 3.4.2.2 table 3, lower-cased. */
export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** A comparison value: JSON literal, or a string (quoted, or bare where the profile allows unquoted values). */
export type FilterValue = string | number | boolean | null;

/** `attrPath op value`. `path` is the full attribute path as written, e.g. `name.familyName` or `urn:...:User:userName`. */
export interface CompareFilter {
  readonly kind: 'compare';
  readonly path: string;
  readonly operator: CompareOperator;
  readonly value: FilterValue;
}

/** `attrPath pr`. */
export interface PresentFilter {
  readonly kind: 'present';
  readonly path: string;
}

/** `a and b` / `a or b`; `and` binds tighter than `or`. */
export interface LogicalFilter {
  readonly kind: 'and' | 'or';
  readonly left: Filter;
  readonly right: Filter;
}

/** `not (a)`. */
export interface NotFilter {
  readonly kind: 'not';
  readonly filter: Filter;
}

/**
 * `emails[type eq "work" and value co "@x"]`: true when one element of the multi-valued attribute satisfies the
 * inner filter, whose paths are relative to the element. Entra also sends `emails[type eq "work"].value eq "x"`:
 * that arrives here with `then` set, and is true when one matching element's sub-attribute satisfies `then`.
 */
export interface ValuePathFilter {
  readonly kind: 'valuePath';
  readonly path: string;
  readonly filter: Filter;
  readonly then?: {
    readonly subAttribute: string;
    readonly operator: CompareOperator | 'pr';
    readonly value: FilterValue;
  };
}

/** Any filter expression. */
export type Filter = CompareFilter | PresentFilter | LogicalFilter | NotFilter | ValuePathFilter;

/**
 * A PATCH path (RFC 7644 section 3.5.2): `attrPath`, or `attrPath[valFilter]` optionally followed by `.subAttr`.
 * `path` is the attribute part as written (may carry a URN prefix and a sub-attribute when there is no filter).
 */
export interface PatchPath {
  readonly path: string;
  readonly filter?: Filter;
  readonly subAttribute?: string;
}
