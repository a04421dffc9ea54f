/** Turns a caller's list of emails or IDs into the batches a request takes: blanks and repeats dropped, then chunked. */

/** The values in order without blanks and without repeats by `key` (the first spelling wins). */
export function unique(values: readonly string[], key: (value: string) => string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const value of values) {
    const k = key(value);
    if (value === '' || seen.has(k)) continue;
    seen.add(k);
    out.push(value);
  }
  return out;
}

/** The values in consecutive chunks of at most `size`. */
export function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** The key that makes emails compare case-insensitively. */
export const lowerCase = (value: string): string => value.toLowerCase();
