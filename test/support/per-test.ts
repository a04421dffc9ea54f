/** A resource opened before each test of a scope and closed after each, as the per-test fixtures of test/support use it. */

/**
 * Registers the hooks in the scope it is called in; the answer reads the current test's resource, and throws when no
 * test is running (read it inside a test or a later hook).
 */
export function perTest<T>(what: string, open: () => T | Promise<T>, close: (value: T) => Promise<void>): () => T {
  let current: T | undefined;
  beforeEach(async () => {
    current = await open();
  });
  afterEach(async () => {
    if (current !== undefined) await close(current);
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error(`No ${what} is open: read it inside a test`);
    return current;
  };
}
