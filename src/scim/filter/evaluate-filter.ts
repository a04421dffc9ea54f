/**
 * Evaluation of parsed filters against resources in SCIM JSON form (RFC 7644 section 3.4.2.2). A filter is first
 * compiled against a resource type: every path is resolved and every operator/type pair is checked before any
 * resource is looked at, so a bad filter fails the same way whether or not some resource has the attribute.
 */
import { ScimError } from '../errors';
import { uniquenessKey } from '../resource/name-text';
import { findAttribute, resolvePath, type ResolvedPath, type ResourceType } from '../schema/registry';
import { stringAttribute, type AttributeDefinition } from '../schema/attribute';
import type { CompareOperator, Filter, FilterValue } from './ast';
import { compareInstants, parseDateTime } from './date-time';

/** A resource, or one element of a multi-valued complex attribute, in SCIM JSON form. */
type JsonObject = Readonly<Record<string, unknown>>;

/** A compiled filter: answers whether one resource (or element) matches. */
export type FilterPredicate = (record: JsonObject) => boolean;

/**
 * `schemas` is in no schema's attribute table (RFC 7643 section 3 defines it beside them), yet clients filter on
 * it. It is matched case-exactly because the service always writes the canonical URNs into it.
 */
const SCHEMAS_ATTRIBUTE: AttributeDefinition = stringAttribute('schemas', 'The schema URIs the resource conforms to.', {
  multiValued: true,
  caseExact: true,
});

/** What a path addresses: the definition of the addressed attribute and how to read its values. */
interface Target {
  readonly label: string;
  readonly definition: AttributeDefinition;
  /** Every value the path addresses in a record; multi-valued attributes are flattened, null and undefined dropped. */
  readonly read: (record: JsonObject) => readonly unknown[];
  /** True for an attribute the resource type does not define, read as unassigned (a search at the root). */
  readonly unassigned?: boolean;
}

/** How compileFilter treats a path the resource type does not define. */
export interface CompileOptions {
  /**
   * `invalid` (the default): 400 invalidFilter. `unassigned`: the attribute has no value in any resource of this
   * type, as at the root, where a filter spans types (RFC 7644 section 3.4.3); an `eq` on it matches nothing.
   */
  readonly undefinedAttributes?: 'invalid' | 'unassigned';
}

/** Where paths are resolved: the whole resource, or the sub-attributes of one complex element. */
interface Scope {
  readonly resolve: (path: string) => Target;
  readonly allowsValuePath: boolean;
}

function invalid(detail: string): never {
  throw ScimError.invalidFilter(detail);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a member by its canonical name, falling back to a case-insensitive match (RFC 7643 section 2.1). */
function member(record: JsonObject, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(record, name)) return record[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === lower) return record[key];
  }
  return undefined;
}

function expand(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.filter((element) => element !== undefined && element !== null);
  return [value];
}

/**
 * `pr` (RFC 7644 section 3.4.2.2): a value is present when it is not null, not "", not an empty array, and, for
 * a complex value, when at least one sub-attribute is present. The depth cut-off bounds the work on odd data:
 * SCIM values never nest deeper than complex-within-multi-valued.
 */
function isPresent(value: unknown, depth = 0): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return depth < 3 && value.some((element) => isPresent(element, depth + 1));
  if (typeof value === 'object')
    return depth < 3 && Object.values(value).some((element) => isPresent(element, depth + 1));
  return true;
}

/**
 * Entra filters on enterprise attributes without their URN (`id eq "…" and manager eq "…"`), although RFC 7644
 * section 3.10 reads unprefixed names as core attributes; accept an unprefixed name that exactly one extension
 * defines and the core schema does not.
 */
function resolveInExtension(resourceType: ResourceType, path: string): ResolvedPath | undefined {
  if (/^urn:/i.test(path)) return undefined;
  const matches = resourceType.extensions
    .map((extension) => resolvePath(resourceType, `${extension.schema.id}:${path}`))
    .filter((resolved): resolved is ResolvedPath => resolved?.attribute !== undefined);
  return matches.length === 1 ? matches[0] : undefined;
}

function resourceScope(resourceType: ResourceType, options: CompileOptions = {}): Scope {
  return {
    allowsValuePath: true,
    resolve(path) {
      if (path.toLowerCase() === 'schemas') {
        return { label: path, definition: SCHEMAS_ATTRIBUTE, read: (record) => expand(member(record, 'schemas')) };
      }
      const resolved = resolvePath(resourceType, path) ?? resolveInExtension(resourceType, path);
      const attribute = resolved?.attribute;
      if (!resolved || !attribute) {
        if (options.undefinedAttributes === 'unassigned')
          return {
            label: path,
            definition: stringAttribute(path, 'Not defined for this resource type.'),
            read: () => [],
            unassigned: true,
          };
        return invalid(`The filter names '${path}', which is not an attribute of ${resourceType.name} resources`);
      }
      const subAttribute = resolved.subAttribute;
      const extensionUrn = resolved.inExtension ? resolved.schemaUrn : undefined;
      return {
        label: path,
        definition: subAttribute ?? attribute,
        read(record) {
          const container = extensionUrn === undefined ? record : member(record, extensionUrn);
          if (!isObject(container)) return [];
          const values = expand(member(container, attribute.name));
          if (!subAttribute) return values;
          return values.flatMap((element) => (isObject(element) ? expand(member(element, subAttribute.name)) : []));
        },
      };
    },
  };
}

/** Inside `attr[...]` paths name sub-attributes of `attr`, evaluated on one element (RFC 7644 section 3.4.2.2). */
function elementScope(parent: AttributeDefinition, parentLabel: string): Scope {
  return {
    allowsValuePath: false,
    resolve(path) {
      const definition = findAttribute(parent.subAttributes, path);
      if (!definition)
        return invalid(`The filter names '${path}' inside '${parentLabel}[…]', which has no such sub-attribute`);
      return { label: `${parentLabel}.${path}`, definition, read: (record) => expand(member(record, definition.name)) };
    },
  };
}

type Ordering = (comparison: number) => boolean;

const ORDERINGS: Readonly<Record<'eq' | 'gt' | 'ge' | 'lt' | 'le', Ordering>> = {
  eq: (c) => c === 0,
  gt: (c) => c > 0,
  ge: (c) => c >= 0,
  lt: (c) => c < 0,
  le: (c) => c <= 0,
};

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds the test one attribute value must pass for `operator value`. `ne` never reaches here: it is evaluated
 * as the negation of `eq` per value. Type rules follow RFC 7644 section 3.4.2.2 table 3 and the notes under it.
 */
function valueTest(
  target: Target,
  operator: Exclude<CompareOperator, 'ne'>,
  value: Exclude<FilterValue, null>,
): (candidate: unknown) => boolean {
  const { definition, label } = target;
  const substring = operator === 'co' || operator === 'sw' || operator === 'ew';
  switch (definition.type) {
    case 'string':
    case 'reference':
    case 'binary': {
      // RFC 7644 section 3.4.2.2 rules out ordering binary values; substrings of base64 text mean nothing either.
      if (definition.type === 'binary' && operator !== 'eq')
        return invalid(`'${label}' is binary; only eq, ne and pr apply to it`);
      // Unquoted numbers and booleans reach a string attribute from lenient clients (`externalId eq 12345`).
      const needle = typeof value === 'string' ? value : String(value);
      // caseExact=false text compares as unique names do (src/scim/resource/name-text.ts): NFC, then
      // toLowerCase, the locale-independent Unicode mapping, so the index lookups of userName and displayName
      // and this predicate agree on which names are equal.
      const fold = definition.caseExact ? (text: string) => text : uniquenessKey;
      const folded = fold(needle);
      const matches: (candidate: string) => boolean =
        operator === 'co'
          ? (candidate) => candidate.includes(folded)
          : operator === 'sw'
            ? (candidate) => candidate.startsWith(folded)
            : operator === 'ew'
              ? (candidate) => candidate.endsWith(folded)
              : (candidate) => ORDERINGS[operator](compareStrings(candidate, folded));
      return (candidate) => typeof candidate === 'string' && matches(fold(candidate));
    }
    case 'boolean': {
      // RFC 7644 section 3.4.2.2 rules out ordering booleans; substring operators make no sense for them.
      if (operator !== 'eq') return invalid(`'${label}' is boolean; only eq, ne and pr apply to it`);
      const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
      const expected =
        typeof value === 'boolean' ? value : lower === 'true' ? true : lower === 'false' ? false : undefined;
      if (expected === undefined)
        return invalid(`'${label}' is boolean and cannot be compared with ${JSON.stringify(value)}`);
      return (candidate) => candidate === expected;
    }
    case 'integer':
    case 'decimal': {
      if (substring) return invalid(`'${label}' is a number; ${operator} applies only to strings`);
      const expected =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      if (!Number.isFinite(expected))
        return invalid(`'${label}' is a number and cannot be compared with ${JSON.stringify(value)}`);
      return (candidate) => typeof candidate === 'number' && ORDERINGS[operator](candidate - expected);
    }
    case 'dateTime': {
      if (substring) return invalid(`'${label}' is a dateTime; ${operator} applies only to strings`);
      const expected = typeof value === 'string' ? parseDateTime(value) : undefined;
      if (!expected)
        return invalid(
          `'${label}' is a dateTime and ${JSON.stringify(value)} is not a valid xsd:dateTime (RFC 7643 section 2.3.5)`,
        );
      return (candidate) => {
        const instant = typeof candidate === 'string' ? parseDateTime(candidate) : undefined;
        return instant !== undefined && ORDERINGS[operator](compareInstants(instant, expected));
      };
    }
    case 'complex':
      return invalid(`'${label}' is complex; compare one of its sub-attributes`);
  }
}

/**
 * A complex attribute compared as a whole is compared through its `value` sub-attribute (RFC 7644 section
 * 3.4.2.2: `emails co "@x"`); Entra relies on the same rule for the single-valued `manager eq "id"`.
 */
function comparedTarget(target: Target): Target {
  if (target.definition.type !== 'complex') return target;
  const valueDefinition = findAttribute(target.definition.subAttributes, 'value');
  if (!valueDefinition)
    return invalid(`'${target.label}' is complex and has no 'value' sub-attribute; compare one of its sub-attributes`);
  return {
    label: `${target.label}.value`,
    definition: valueDefinition,
    read: (record) =>
      target
        .read(record)
        .flatMap((element) => (isObject(element) ? expand(member(element, valueDefinition.name)) : [])),
  };
}

function compileComparison(target: Target, operator: CompareOperator | 'pr', value: FilterValue): FilterPredicate {
  if (operator === 'pr') return (record) => target.read(record).some((candidate) => isPresent(candidate));
  if (value === null) {
    // A JSON null stands for "no value" (RFC 7643 section 2.5): `eq null` is absence, `ne null` is presence.
    if (operator === 'eq') return (record) => !target.read(record).some((candidate) => isPresent(candidate));
    if (operator === 'ne') return (record) => target.read(record).some((candidate) => isPresent(candidate));
    return invalid(`'${target.label} ${operator} null' is not a valid comparison; null works only with eq and ne`);
  }
  const compared = comparedTarget(target);
  if (operator === 'ne') {
    // ne holds for an absent attribute, and for a multi-valued one when any value differs (RFC 7644 section 3.4.2.2).
    const equals = valueTest(compared, 'eq', value);
    return (record) => {
      const candidates = compared.read(record);
      return candidates.length === 0 || candidates.some((candidate) => !equals(candidate));
    };
  }
  const test = valueTest(compared, operator, value);
  return (record) => compared.read(record).some(test);
}

/** Operands of a chain of one logical operator, in order, without recursing (and-chains are left-deep). */
function chainOperands(filter: Filter, kind: 'and' | 'or'): Filter[] {
  const operands: Filter[] = [];
  const pending: Filter[] = [filter];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (current.kind === kind) pending.push(current.right, current.left);
    else operands.push(current);
  }
  return operands;
}

function compile(filter: Filter, scope: Scope): FilterPredicate {
  switch (filter.kind) {
    case 'and': {
      const operands = chainOperands(filter, 'and').map((operand) => compile(operand, scope));
      return (record) => operands.every((operand) => operand(record));
    }
    case 'or': {
      const operands = chainOperands(filter, 'or').map((operand) => compile(operand, scope));
      return (record) => operands.some((operand) => operand(record));
    }
    case 'not': {
      const operand = compile(filter.filter, scope);
      return (record) => !operand(record);
    }
    case 'present':
      return compileComparison(scope.resolve(filter.path), 'pr', null);
    case 'compare':
      return compileComparison(scope.resolve(filter.path), filter.operator, filter.value);
    case 'valuePath': {
      if (!scope.allowsValuePath) return invalid(`Value filters cannot be nested ('${filter.path}[…]')`);
      const outer = scope.resolve(filter.path);
      if (outer.unassigned) return () => false;
      const elementMatches = compileElementFilter(filter.filter, outer.definition, outer.label);
      const then = filter.then;
      const thenMatches = then
        ? compileComparison(
            elementScope(outer.definition, outer.label).resolve(then.subAttribute),
            then.operator,
            then.value,
          )
        : undefined;
      // All conditions must hold for the same element, not each for some element (RFC 7644 section 3.4.2.2).
      return (record) =>
        outer
          .read(record)
          .some((element) => isObject(element) && elementMatches(element) && (!thenMatches || thenMatches(element)));
    }
    default: {
      const unknown: never = filter;
      return invalid(`Unsupported filter node ${JSON.stringify((unknown as { kind?: unknown }).kind)}`);
    }
  }
}

function compileElementFilter(filter: Filter, attribute: AttributeDefinition, label: string): FilterPredicate {
  if (attribute.type !== 'complex')
    return invalid(`'${label}' is not a complex attribute, so it cannot take a value filter '[…]'`);
  return compile(filter, elementScope(attribute, label));
}

/**
 * Checks a filter against a resource type and returns a predicate for resources in SCIM JSON form; compile once
 * and apply it to many resources. Throws ScimError invalidFilter when a path names no attribute or an operator
 * does not apply to an attribute's type.
 */
export function compileFilter(filter: Filter, resourceType: ResourceType, options?: CompileOptions): FilterPredicate {
  return compile(filter, resourceScope(resourceType, options));
}

/**
 * Compiles the filter of a value path (`emails[type eq "work"]`) for the elements of the complex attribute
 * `attribute`, e.g. to pick the elements a PATCH operation targets. Throws ScimError invalidFilter.
 */
export function compileValueFilter(filter: Filter, attribute: AttributeDefinition): FilterPredicate {
  return compileElementFilter(filter, attribute, attribute.name);
}

/** True when `resource` matches `filter` (RFC 7644 section 3.4.2.2); throws ScimError invalidFilter for a filter the resource type cannot evaluate. */
export function evaluateFilter(
  filter: Filter,
  resource: Readonly<Record<string, unknown>>,
  resourceType: ResourceType,
): boolean {
  return compileFilter(filter, resourceType)(resource);
}
