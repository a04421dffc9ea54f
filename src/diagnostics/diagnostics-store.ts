/**
 * The stored Diagnostics results: one plain KVS key holding the latest result of each check, with its time. The
 * app's reactions read them through src/diagnostics/verdicts.ts; the page shows them until a check runs again.
 *
 * The readers on hot paths (every SCIM write, every sync batch) read through a cache of VERDICT_CACHE_MS, so a
 * verdict costs no storage request per write. One store serves every part of a function instance built over the
 * same `kvs` (`DiagnosticsStore.for`), so a result recorded there is seen at once; another function instance sees
 * it within VERDICT_CACHE_MS.
 */
import type { ForgeKvs } from '../storage/kvs-port';
import { DIAGNOSTIC_CHECKS, type DiagnosticCheckId, type DiagnosticResult } from '../shared/diagnostics-api';

/** The plain KVS key of the results. */
export const DIAGNOSTICS_KEY = 'diagnostics:results';
/** How long a function instance's hot-path readers keep the results before reading them again. */
export const VERDICT_CACHE_MS = 30_000;

interface StoredResults {
  readonly v: 1;
  readonly results: Partial<Record<DiagnosticCheckId, DiagnosticResult>>;
}

function isStored(value: unknown): value is StoredResults {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { v?: unknown }).v === 1 &&
    typeof (value as { results?: unknown }).results === 'object'
  );
}

function ordered(results: Partial<Record<DiagnosticCheckId, DiagnosticResult>>): DiagnosticResult[] {
  return DIAGNOSTIC_CHECKS.map((check) => results[check]).filter(
    (result): result is DiagnosticResult => result !== undefined,
  );
}

type StoreKvs = Pick<ForgeKvs, 'get' | 'set'>;

const shared = new WeakMap<StoreKvs, DiagnosticsStore>();

/** Reads and records the latest result of each check. */
export class DiagnosticsStore {
  private cache: { readonly at: number; readonly results: DiagnosticResult[] } | undefined;

  constructor(
    private readonly kvs: StoreKvs,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The one store of a function instance over this `kvs`. */
  static for(kvs: StoreKvs): DiagnosticsStore {
    let store = shared.get(kvs);
    if (!store) {
      store = new DiagnosticsStore(kvs);
      shared.set(kvs, store);
    }
    return store;
  }

  /** The latest result of each check that has run, in DIAGNOSTIC_CHECKS order; `maxAgeMs` allows a cached copy that old. */
  async results(options: { readonly maxAgeMs?: number } = {}): Promise<DiagnosticResult[]> {
    const cached = this.cache;
    if (options.maxAgeMs !== undefined && cached && this.clock() - cached.at < options.maxAgeMs) return cached.results;
    const stored = await this.kvs.get<StoredResults>(DIAGNOSTICS_KEY);
    const results = isStored(stored) ? ordered(stored.results) : [];
    this.cache = { at: this.clock(), results };
    return results;
  }

  /** Stores a result in place of the check's previous one; answers all results after the change. */
  async record(result: DiagnosticResult): Promise<DiagnosticResult[]> {
    const stored = await this.kvs.get<StoredResults>(DIAGNOSTICS_KEY);
    const results = { ...(isStored(stored) ? stored.results : {}), [result.check]: result };
    await this.kvs.set<StoredResults>(DIAGNOSTICS_KEY, { v: 1, results });
    this.cache = { at: this.clock(), results: ordered(results) };
    return this.cache.results;
  }
}
