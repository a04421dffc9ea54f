/** Ordering and equality of the scalar values that index ranges, partitions and conditions work on. */

/** A value an index can be ordered by. */
export type ScalarValue = string | number | boolean;

/** Whether `value` is a string, a finite number or a boolean. */
export function isScalar(value: unknown): value is ScalarValue {
  return (
    typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  );
}

// Values of different types never compare equal; they are grouped booleans, then numbers, then strings.
function typeRank(value: ScalarValue): number {
  return typeof value === 'boolean' ? 0 : typeof value === 'number' ? 1 : 2;
}

/**
 * Total order over scalars: by type group, then naturally. Strings compare by UTF-16 code units, which matches
 * byte order for text without astral-plane characters (an assumption about how the real service sorts).
 */
export function compareScalars(a: ScalarValue, b: ScalarValue): number {
  const rankDifference = typeRank(a) - typeRank(b);
  if (rankDifference !== 0) {
    return rankDifference;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether `a` and `b` are scalars of the same type, i.e. comparisons between them are meaningful. */
export function sameScalarType(a: unknown, b: unknown): boolean {
  return isScalar(a) && isScalar(b) && typeof a === typeof b;
}

/** Plain string comparison by UTF-16 code units, used for keys. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
