/**
 * The local host's Forge runtime and storage: the local KVS service on the data directory, metered by the strict
 * local Forge runtime (which counts KVS requests as outbound ones as the stored Diagnostics verdict says), and the
 * first breach of each Forge limit logged.
 */
import path from 'node:path';
import { DiagnosticsStore } from '../diagnostics/diagnostics-store';
import { storageCountsAsOutbound } from '../diagnostics/verdicts';
import type { ScimLogger } from '../scim/error-response';
import type { DiagnosticResult } from '../shared/diagnostics-api';
import type { ForgeKvs } from '../storage/kvs-port';
import {
  createLocalKvs,
  createLocalKvsService,
  loadEntityDefinitions,
  type LocalKvsService,
} from '../storage/local-kvs';
import { ForgeRuntime, NO_LATENCY, systemRuntimeClock } from './forge-runtime';
import type { LocalHostOptions } from './local-host-types';

/** The runtime and storage a local host runs on. */
export interface LocalRuntime {
  /** The local KVS service (the host closes it last). */
  readonly kvsService: LocalKvsService;
  readonly runtime: ForgeRuntime;
  /** The app's KVS client, its requests going through the runtime's storage metering. */
  readonly kvs: ForgeKvs;
  /** Switches whether KVS requests count as outbound to what these Diagnostics results observed (unless pinned). */
  useDiagnostics(results: readonly DiagnosticResult[]): void;
}

/** Opens the local KVS service (locking the data directory) and starts the runtime over it. */
export async function openLocalRuntime(
  options: Pick<
    LocalHostOptions,
    | 'manifestPath'
    | 'dataDir'
    | 'dataKeyFile'
    | 'fsync'
    | 'transactionConditions'
    | 'runtimeMode'
    | 'storageCountsAsOutbound'
    | 'egressAllowed'
    | 'queue'
  >,
  logger: ScimLogger,
): Promise<LocalRuntime> {
  const manifestPath = options.manifestPath ?? path.resolve(__dirname, '../../manifest.yml');
  const kvsService = createLocalKvsService({
    entities: loadEntityDefinitions(manifestPath),
    dataDir: options.dataDir,
    ...(options.dataKeyFile !== undefined ? { dataKeyFile: options.dataKeyFile } : {}),
    fsync: options.fsync ?? false,
    // Storage quotas are metered and reported here, not refused: on the system clock, with no latency, the host makes
    // storage requests far faster than Forge's network-bound ones, so a quota a minute would stop what Forge lets
    // through. The benchmarks enforce them on a virtual clock with Forge's latencies (bench/forge-cycle.ts), and
    // the tests that replay the Forge review's findings do too (test/local/forge-runtime/todays-findings.test.ts).
    quotaMode: 'record',
    onQuotaViolation: (violation) =>
      runtime.report({
        limit: violation.limit,
        observed: violation.observed,
        allowed: violation.allowed,
        detail: `${violation.path}: ${violation.observed} against ${violation.allowed}`,
      }),
    ...(options.transactionConditions ? { transactionConditions: options.transactionConditions } : {}),
  });
  // Until the stored Diagnostics verdict is read below, storage counts (the stricter reading).
  let storageCounts = true;
  const runtime = new ForgeRuntime({
    mode: options.runtimeMode ?? 'enforce',
    clock: systemRuntimeClock,
    latency: NO_LATENCY,
    storageCountsAsOutbound: options.storageCountsAsOutbound ?? (() => storageCounts),
    ...(options.egressAllowed ? { egressAllowed: options.egressAllowed } : {}),
    delivery: {
      // As Forge delivers: in parallel, bounded only by the jobs' concurrency keys (one job per sync lane, one drain).
      ...options.queue,
      onError: (error) =>
        logger.error('SYNC-JOB', 'A sync job failed and will be retried', {
          error: error instanceof Error ? error.message : String(error),
        }),
    },
  });
  // The first breach of each limit is logged; all are counted in runtime.violations.
  const logged = new Set<string>();
  runtime.onViolation((violation) => {
    // The Diagnostics' storage probe passes the outbound limit on purpose, in its own enforced invocation.
    if (violation.invocation?.label?.startsWith('diagnostics/')) return;
    if (logged.has(violation.limit)) return;
    logged.add(violation.limit);
    logger.error('FORGE-LIMIT', `A Forge limit was breached (record mode: counted, not refused): ${violation.limit}`, {
      detail: violation.detail,
    });
  });
  const kvs = createLocalKvs({ fetch: runtime.storage(kvsService.fetch) });
  // The counting switch is a stored setting: what the Diagnostics last observed (src/diagnostics/verdicts.ts).
  storageCounts = storageCountsAsOutbound(await DiagnosticsStore.for(kvs).results());
  return {
    kvsService,
    runtime,
    kvs,
    useDiagnostics: (results) => {
      storageCounts = storageCountsAsOutbound(results);
    },
  };
}
