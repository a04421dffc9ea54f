/**
 * Parsing and evaluation of the conditions @forge/kvs sends: index range conditions (`range`), query filters
 * (`filters: { and | or: [...] }`) and transaction conditions (same shape as filters).
 *
 * Semantics (DynamoDB-like; Forge does not document them, so they are assumptions):
 * - A missing attribute (or a missing item, which has no attributes) satisfies only NOT_EXISTS and the negated
 *   conditions NOT_EQUAL_TO and NOT_CONTAINS, which are the exact negations of EQUAL_TO and CONTAINS.
 * - Ordering conditions (BETWEEN, GREATER_THAN…, BEGINS_WITH) hold only between values of the same type.
 * - CONTAINS holds for a substring of a string attribute or an element of an array attribute.
 */
import { KvsErrorCode, KvsServiceError } from './errors';
import { compareScalars, isScalar, sameScalarType, type ScalarValue } from './values';

/** Conditions an index range may use. */
export type RangeConditionName =
  | 'BEGINS_WITH'
  | 'BETWEEN'
  | 'EQUAL_TO'
  | 'GREATER_THAN'
  | 'GREATER_THAN_EQUAL_TO'
  | 'LESS_THAN'
  | 'LESS_THAN_EQUAL_TO';

/** Conditions a filter or transaction condition may use. */
export type FilterConditionName =
  RangeConditionName | 'CONTAINS' | 'NOT_CONTAINS' | 'EXISTS' | 'NOT_EXISTS' | 'NOT_EQUAL_TO';

/** A validated range condition. */
export interface RangeCondition {
  /** The condition. */
  condition: RangeConditionName;
  /** Its operands: two for BETWEEN, one otherwise. */
  values: ScalarValue[];
}

/** A validated filter condition on one attribute. */
export interface FilterCondition extends Omit<RangeCondition, 'condition'> {
  /** The attribute tested. */
  property: string;
  /** The condition. */
  condition: FilterConditionName;
}

/** A validated filter: all conditions must hold (`and`) or at least one (`or`). */
export interface Filter {
  /** How the conditions combine. */
  operator: 'and' | 'or';
  /** The conditions, at least one. */
  conditions: FilterCondition[];
}

const RANGE_CONDITIONS: ReadonlySet<string> = new Set<RangeConditionName>([
  'BEGINS_WITH',
  'BETWEEN',
  'EQUAL_TO',
  'GREATER_THAN',
  'GREATER_THAN_EQUAL_TO',
  'LESS_THAN',
  'LESS_THAN_EQUAL_TO',
]);
const FILTER_CONDITIONS: ReadonlySet<string> = new Set<FilterConditionName>([
  ...(RANGE_CONDITIONS as ReadonlySet<RangeConditionName>),
  'CONTAINS',
  'NOT_CONTAINS',
  'EXISTS',
  'NOT_EXISTS',
  'NOT_EQUAL_TO',
]);

/** Validates a `range` request field. */
export function parseRangeCondition(raw: unknown): RangeCondition {
  if (typeof raw !== 'object' || raw === null) {
    throw new KvsServiceError(KvsErrorCode.BAD_REQUEST, 'range must be an object');
  }
  const { condition, values } = raw as { condition?: unknown; values?: unknown };
  if (typeof condition !== 'string' || !RANGE_CONDITIONS.has(condition)) {
    throw new KvsServiceError(
      KvsErrorCode.INVALID_FILTER_CONDITION,
      `${String(condition)} is not supported as an index range condition`,
    );
  }
  return { condition: condition as RangeConditionName, values: parseOperands(condition as RangeConditionName, values) };
}

/** Validates a `filters` request field or a transaction's `conditions` field. */
export function parseFilter(raw: unknown): Filter {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new KvsServiceError(KvsErrorCode.BAD_REQUEST, 'filters must be an object with "and" or "or"');
  }
  const { and, or } = raw as { and?: unknown; or?: unknown };
  if (and !== undefined && or !== undefined) {
    throw new KvsServiceError(
      KvsErrorCode.INVALID_FILTER_OPERATORS_COMBINATION,
      'Filter operators "and" and "or" cannot be present at the same level',
    );
  }
  const operator = and !== undefined ? 'and' : 'or';
  const list = and ?? or;
  if (!Array.isArray(list) || list.length === 0) {
    throw new KvsServiceError(KvsErrorCode.EMPTY_FILTER_OPERATOR, 'Filter operators "and" and "or" cannot be empty');
  }
  return { operator, conditions: list.map(parseFilterCondition) };
}

function parseFilterCondition(raw: unknown): FilterCondition {
  if (typeof raw !== 'object' || raw === null) {
    throw new KvsServiceError(KvsErrorCode.BAD_REQUEST, 'a filter condition must be an object');
  }
  const { property, condition, values } = raw as { property?: unknown; condition?: unknown; values?: unknown };
  if (typeof property !== 'string' || property.length === 0) {
    throw new KvsServiceError(KvsErrorCode.BAD_REQUEST, 'a filter condition needs a property');
  }
  if (typeof condition !== 'string' || !FILTER_CONDITIONS.has(condition)) {
    throw new KvsServiceError(
      KvsErrorCode.INVALID_FILTER_CONDITION,
      `${String(condition)} is not a supported filter condition`,
    );
  }
  const name = condition as FilterConditionName;
  return { property, condition: name, values: parseOperands(name, values) };
}

function parseOperands(condition: FilterConditionName, values: unknown): ScalarValue[] {
  if (!Array.isArray(values)) {
    throw new KvsServiceError(KvsErrorCode.INVALID_FILTER_VALUES, `${condition} needs a values array`);
  }
  const expected = condition === 'BETWEEN' ? 2 : 1;
  if (values.length < expected) {
    throw new KvsServiceError(
      condition === 'BETWEEN' ? KvsErrorCode.INSUFFICIENT_FILTER_VALUES : KvsErrorCode.INVALID_FILTER_VALUES,
      `${condition} needs ${expected} value(s)`,
    );
  }
  if (values.length > expected || !values.every(isScalar)) {
    throw new KvsServiceError(
      KvsErrorCode.INVALID_FILTER_VALUES,
      `${condition} takes ${expected} string, number or boolean value(s)`,
    );
  }
  if (condition === 'BETWEEN' && !sameScalarType(values[0], values[1])) {
    throw new KvsServiceError(KvsErrorCode.INVALID_FILTER_VALUES, 'BETWEEN needs two values of the same type');
  }
  if (
    (condition === 'BEGINS_WITH' || condition === 'CONTAINS' || condition === 'NOT_CONTAINS') &&
    typeof values[0] !== 'string'
  ) {
    throw new KvsServiceError(KvsErrorCode.INVALID_FILTER_VALUES, `${condition} needs a string value`);
  }
  return values as ScalarValue[];
}

/** Whether `attributes` (the stored object, or undefined for a missing item) satisfies `filter`. */
export function matchesFilter(filter: Filter, attributes: Record<string, unknown> | undefined): boolean {
  return filter.operator === 'and'
    ? filter.conditions.every((condition) => matchesCondition(condition, attributes))
    : filter.conditions.some((condition) => matchesCondition(condition, attributes));
}

function matchesCondition(condition: FilterCondition, attributes: Record<string, unknown> | undefined): boolean {
  const present = attributes !== undefined && Object.prototype.hasOwnProperty.call(attributes, condition.property);
  const actual = present ? attributes[condition.property] : undefined;
  switch (condition.condition) {
    case 'EXISTS':
      return present;
    case 'NOT_EXISTS':
      return !present;
    case 'NOT_EQUAL_TO':
      return !(present && actual === condition.values[0]);
    case 'CONTAINS':
      return present && contains(actual, condition.values[0] as ScalarValue);
    case 'NOT_CONTAINS':
      return !(present && contains(actual, condition.values[0] as ScalarValue));
    default:
      return present && matchesRange({ condition: condition.condition, values: condition.values }, actual);
  }
}

function contains(actual: unknown, operand: ScalarValue): boolean {
  if (typeof actual === 'string') {
    return typeof operand === 'string' && actual.includes(operand);
  }
  return Array.isArray(actual) && actual.some((element) => element === operand);
}

/** Whether a single value satisfies a range condition (same-type comparisons only). */
export function matchesRange(range: RangeCondition, actual: unknown): boolean {
  const first = range.values[0] as ScalarValue;
  if (!sameScalarType(actual, first)) {
    return false;
  }
  const value = actual as ScalarValue;
  const order = compareScalars(value, first);
  switch (range.condition) {
    case 'EQUAL_TO':
      return order === 0;
    case 'GREATER_THAN':
      return order > 0;
    case 'GREATER_THAN_EQUAL_TO':
      return order >= 0;
    case 'LESS_THAN':
      return order < 0;
    case 'LESS_THAN_EQUAL_TO':
      return order <= 0;
    case 'BEGINS_WITH':
      return (value as string).startsWith(first as string);
    case 'BETWEEN':
      return order >= 0 && compareScalars(value, range.values[1] as ScalarValue) <= 0;
  }
}
