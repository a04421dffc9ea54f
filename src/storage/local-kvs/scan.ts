/**
 * Index entries and the contiguous regions a query selects from them.
 *
 * Every query (a key prefix, or an index partition plus an optional range condition) selects one contiguous run of
 * the sorted entries. A region is described by two monotone predicates: `before` holds for entries ordered before the
 * run and `after` for entries ordered after it, so SortedList.findFirst can seek to either end in O(log n).
 */
import type { RangeCondition } from './conditions';
import { compareScalars, compareStrings, sameScalarType, type ScalarValue } from './values';

/** One item's position in one index: partition (JSON of the partition values), range value, item key. */
export interface IndexEntry {
  /** JSON array of the item's partition attribute values; "[]" for an unpartitioned index. */
  readonly p: string;
  /** The item's range attribute value. */
  readonly r: ScalarValue;
  /** The item key, which breaks ties between equal range values. */
  readonly k: string;
}

/** A contiguous run of a sorted list, given by what lies before it and what lies after it. */
export interface Region<T> {
  /** Holds for elements ordered before the run (monotone: a prefix of the list). */
  before(item: T): boolean;
  /** Holds for elements ordered after the run (monotone: a suffix of the list). */
  after(item: T): boolean;
}

/** The order of an index: partition, then range value, then key. */
export function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return compareStrings(a.p, b.p) || compareScalars(a.r, b.r) || compareStrings(a.k, b.k);
}

/** The run of keys starting with `prefix` (all keys when it is empty). */
export function prefixRegion(prefix: string): Region<string> {
  return {
    before: (key) => key < prefix,
    after: (key) => key > prefix && !key.startsWith(prefix),
  };
}

/** The run of an index's entries in partition `partition` whose range value satisfies `range` (all when absent). */
export function indexRegion(partition: string, range: RangeCondition | undefined): Region<IndexEntry> {
  const rangeRegion = range === undefined ? undefined : rangeValueRegion(range);
  return {
    before: (entry) => {
      const order = compareStrings(entry.p, partition);
      return order < 0 || (order === 0 && rangeRegion !== undefined && rangeRegion.before(entry.r));
    },
    after: (entry) => {
      const order = compareStrings(entry.p, partition);
      return order > 0 || (order === 0 && rangeRegion !== undefined && rangeRegion.after(entry.r));
    },
  };
}

// Values of another type sort wholly before or after the operand's type group, so "outside the operand's type on the
// high side" is `differs in type && compares greater`.
function rangeValueRegion(range: RangeCondition): Region<ScalarValue> {
  const operand = range.values[0] as ScalarValue;
  const higherType = (value: ScalarValue): boolean =>
    !sameScalarType(value, operand) && compareScalars(value, operand) > 0;
  const lowerType = (value: ScalarValue): boolean =>
    !sameScalarType(value, operand) && compareScalars(value, operand) < 0;
  switch (range.condition) {
    case 'EQUAL_TO':
      return { before: (v) => compareScalars(v, operand) < 0, after: (v) => compareScalars(v, operand) > 0 };
    case 'BETWEEN': {
      const upper = range.values[1] as ScalarValue;
      return { before: (v) => compareScalars(v, operand) < 0, after: (v) => compareScalars(v, upper) > 0 };
    }
    case 'GREATER_THAN':
      return { before: (v) => compareScalars(v, operand) <= 0, after: higherType };
    case 'GREATER_THAN_EQUAL_TO':
      return { before: (v) => compareScalars(v, operand) < 0, after: higherType };
    case 'LESS_THAN':
      return { before: lowerType, after: (v) => compareScalars(v, operand) >= 0 };
    case 'LESS_THAN_EQUAL_TO':
      return { before: lowerType, after: (v) => compareScalars(v, operand) > 0 };
    case 'BEGINS_WITH': {
      const prefix = operand as string;
      return {
        before: (v) => compareScalars(v, prefix) < 0,
        after: (v) => compareScalars(v, prefix) > 0 && !(typeof v === 'string' && v.startsWith(prefix)),
      };
    }
  }
}
