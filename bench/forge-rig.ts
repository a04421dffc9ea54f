/**
 * The parts the benchmarks share to run the app on the strict local Forge runtime (src/local/forge-runtime): a
 * virtual clock, the runtime in `enforce` or `record` mode with the fixed latency model, the embedded KVS service with
 * Forge's quotas whose every request is tallied by invocation and endpoint, and an emulator wrapper that counts
 * calls. Used by bench/forge-cycle.ts and bench/google-cycle.ts.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Emulator } from '../emulators/emulator-types';
import { VirtualClock } from '../emulators/virtual-clock';
import {
  DEFAULT_LATENCY,
  ForgeRuntime,
  scaledLatency,
  type LatencyModel,
  type RuntimeMode,
} from '../src/local/forge-runtime';
import type { ForgeKvs } from '../src/storage/kvs-port';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../src/storage/local-kvs';

/** Requests and quota units of a slice of KVS usage. */
export interface KvsUsage {
  requests: number;
  readUnits: number;
  writeUnits: number;
}

/** Options of a rig. */
export interface ForgeRigOptions {
  readonly mode: RuntimeMode;
  /** Doubles every latency of the model (`--slow`). */
  readonly slow?: boolean;
  /** Whether KVS requests count toward the 100 outbound requests of an invocation (default: they do). */
  readonly storageCountsAsOutbound?: boolean;
  /** Told of every storage request after it is tallied: its endpoint, entity (or key prefix) and units. */
  readonly onRequest?: (
    endpoint: string,
    entity: string,
    cost: { readonly readUnits: number; readonly writeUnits: number },
  ) => void;
}

/** A runtime, its clock and its storage, with the storage usage tallied. */
export interface ForgeRig {
  readonly clock: VirtualClock;
  readonly latency: LatencyModel;
  readonly runtime: ForgeRuntime;
  /** The @forge/kvs client over the runtime's storage transport. */
  readonly kvs: ForgeKvs;
  /** Usage by `<invocation kind> [label] <endpoint> <entity or key prefix>`. */
  readonly usage: Map<string, KvsUsage>;
  /** Usage by invocation kind (`outside` for requests made outside any invocation). */
  readonly byKind: Map<string, KvsUsage>;
  /** Usage per virtual minute since the rig started, by invocation kind and label (as `usage`, without the endpoint). */
  readonly byMinute: Map<number, Map<string, KvsUsage>>;
  /** Usage of every request so far (a copy). */
  total(): KvsUsage;
  /** Closes the storage service (after `runtime.stop()`). */
  close(): Promise<void>;
}

/** Calls counted by countingEmulator: all of them, and by operation (`GET /v2/orgs/{id}/...`) when asked. */
export interface CallTally {
  calls: number;
  byOperation?: Map<string, number>;
  /** Answers by status code, when kept. */
  byStatus?: Map<number, number>;
  /** When each call that succeeded (2xx) was answered (`now()`), when kept. */
  successAt?: number[];
  now?: () => number;
  /** Only this operation's successes are timed (`POST /v2/.../groups`), when set. */
  timedOperation?: string;
}

/** `path` with its ids (UUIDs, numbers, Atlassian account ids, emails, long hex) as `{id}`, so calls group by operation. */
function operationOf(method: string, path: string): string {
  const shape = path
    .split('/')
    .map((segment) =>
      /^[0-9a-f-]{8,}$|^\d+$|^[0-9a-z]+:[0-9a-f-]+$|@|%40|^[0-9a-f]{24,}$/i.test(segment) ? '{id}' : segment,
    )
    .join('/');
  return `${method} ${shape}`;
}

/** A tally that also keeps its answers by status and when each success came. */
export function timedTally(now: () => number, timedOperation?: string): CallTally {
  return {
    calls: 0,
    byOperation: new Map(),
    byStatus: new Map(),
    successAt: [],
    now,
    ...(timedOperation ? { timedOperation } : {}),
  };
}

/** A tally's calls by operation, the commonest `top` first: `GET /v2/... 120; POST /v2/... 80; 40 more (55 calls)`. */
export function operationCounts(tally: CallTally, top = 12): string {
  const sorted = [...(tally.byOperation ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]);
  const rest = sorted.slice(top);
  const shown = sorted.slice(0, top).map(([operation, count]) => `${operation} ${count}`);
  if (rest.length > 0)
    shown.push(`${rest.length} more operations (${rest.reduce((sum, [, count]) => sum + count, 0)} calls)`);
  return shown.join('; ');
}

/**
 * When a tally's successful calls were answered, in minutes after `since`: the first, the 100th, 500th and 1,000th,
 * and the last; and its answers by status (`200 1167; 429 40`).
 */
export function callTimeline(tally: CallTally, since: number): string {
  const at = tally.successAt ?? [];
  const minute = (i: number): string => (at[i] === undefined ? '-' : ((at[i] - since) / 60_000).toFixed(1));
  // The 90th and 99th percentiles too: whether a late last one is a straggler or the tail of a slow stream.
  const tail = at.length >= 20 ? [Math.ceil(at.length * 0.9) - 1, Math.ceil(at.length * 0.99) - 1] : [];
  const marks = [...new Set([0, 99, 499, 999, ...tail])]
    .filter((i) => i < at.length - 1)
    .sort((a, b) => a - b)
    .map((i) => `#${i + 1} at ${minute(i)}`);
  if (at.length > 0) marks.push(`last (#${at.length}) at ${minute(at.length - 1)}`);
  const statuses = [...(tally.byStatus ?? new Map<number, number>()).entries()].sort((a, b) => a[0] - b[0]);
  return `${marks.join(', ') || 'none'} virtual min; answers ${statuses.map(([status, n]) => `${status} ${n}`).join('; ')}`;
}

/** An emulator whose every request adds one to `tally.calls` (and to its operation's count) first. */
export function countingEmulator(emulator: Emulator, tally: CallTally): Emulator {
  return {
    async handle(request) {
      tally.calls += 1;
      if (tally.byOperation) {
        const operation = operationOf(request.method, request.path);
        tally.byOperation.set(operation, (tally.byOperation.get(operation) ?? 0) + 1);
      }
      const response = await emulator.handle(request);
      tally.byStatus?.set(response.status, (tally.byStatus.get(response.status) ?? 0) + 1);
      const timed =
        tally.timedOperation === undefined || tally.timedOperation === operationOf(request.method, request.path);
      if (timed && tally.successAt && tally.now && response.status >= 200 && response.status < 300)
        tally.successAt.push(tally.now());
      return response;
    },
  };
}

/** The entity (or key prefix) a storage request names, for the usage table. */
export function entityOf(body: unknown): string {
  const first = (Array.isArray(body) ? body[0] : body) as Record<string, unknown> | undefined;
  const keys = first?.['keys'] ?? first?.['operations'] ?? first?.['set'];
  const item = (Array.isArray(keys) ? keys[0] : first) as Record<string, unknown> | undefined;
  const inner = (item?.['set'] ?? item?.['delete'] ?? item) as Record<string, unknown> | undefined;
  return String(inner?.['entityName'] ?? first?.['entityName'] ?? String(inner?.['key'] ?? '').split(/[:.]/)[0] ?? '');
}

function add(map: Map<string, KvsUsage>, key: string, cost: { readUnits: number; writeUnits: number }): void {
  const row = map.get(key) ?? { requests: 0, readUnits: 0, writeUnits: 0 };
  row.requests += 1;
  row.readUnits += cost.readUnits;
  row.writeUnits += cost.writeUnits;
  map.set(key, row);
}

/** Builds a runtime on a self-advancing virtual clock with metered storage; quota breaches are reported to the runtime. */
export function forgeRig(options: ForgeRigOptions): ForgeRig {
  const clock = new VirtualClock({ autoAdvance: true });
  const latency = options.slow ? scaledLatency(DEFAULT_LATENCY, 2) : DEFAULT_LATENCY;
  const runtime = new ForgeRuntime({
    mode: options.mode,
    clock,
    latency,
    storageCountsAsOutbound: options.storageCountsAsOutbound ?? true,
  });
  const usage = new Map<string, KvsUsage>();
  const byKind = new Map<string, KvsUsage>();
  const byMinute = new Map<number, Map<string, KvsUsage>>();
  const startedAt = clock.now();
  const total: KvsUsage = { requests: 0, readUnits: 0, writeUnits: 0 };
  const service = createLocalKvsService({
    entities: loadEntityDefinitions(path.resolve(__dirname, '../manifest.yml')),
    clock: () => clock.now(),
    quotaMode: options.mode,
    onCost: (kvsPath, cost, body) => {
      const invocation = runtime.currentInvocation();
      const endpoint = kvsPath.replace('/api/v1/', '');
      const entity = entityOf(body);
      add(
        usage,
        `${invocation ? `${invocation.kind}${invocation.label ? ` ${invocation.label}` : ''}` : 'outside'} ${endpoint} ${entity}`,
        cost,
      );
      add(byKind, invocation?.kind ?? 'outside', cost);
      const minute = Math.floor((clock.now() - startedAt) / 60_000);
      let slot = byMinute.get(minute);
      if (!slot) byMinute.set(minute, (slot = new Map()));
      add(slot, invocation ? `${invocation.kind}${invocation.label ? ` ${invocation.label}` : ''}` : 'outside', cost);
      total.requests += 1;
      total.readUnits += cost.readUnits;
      total.writeUnits += cost.writeUnits;
      options.onRequest?.(endpoint, entity, cost);
    },
    onQuotaViolation: (violation) =>
      runtime.report({
        limit: violation.limit,
        observed: violation.observed,
        allowed: violation.allowed,
        detail: `${violation.path}: ${violation.observed} against ${violation.allowed}`,
      }),
  });
  const kvs = createLocalKvs({ fetch: runtime.storage(service.fetch) });
  return {
    clock,
    latency,
    runtime,
    kvs,
    usage,
    byKind,
    byMinute,
    total: () => ({ ...total }),
    close: () => service.close(),
  };
}

/** The `top` virtual minutes by read units, one line each with what each invocation kind and label spent in it. */
export function busiestMinuteLines(byMinute: ReadonlyMap<number, ReadonlyMap<string, KvsUsage>>, top = 3): string[] {
  const sum = (slot: ReadonlyMap<string, KvsUsage>, unit: 'readUnits' | 'writeUnits'): number =>
    [...slot.values()].reduce((total, row) => total + row[unit], 0);
  return [...byMinute.entries()]
    .sort((a, b) => sum(b[1], 'readUnits') - sum(a[1], 'readUnits'))
    .slice(0, top)
    .map(
      ([minute, slot]) =>
        `minute ${minute}: ${sum(slot, 'readUnits')} read / ${sum(slot, 'writeUnits')} write units (${[
          ...slot.entries(),
        ]
          .sort((a, b) => b[1].readUnits - a[1].readUnits)
          .map(([key, row]) => `${key} ${row.readUnits}/${row.writeUnits}`)
          .join(', ')})`,
    );
}

/** The `top` rows of a usage table by units, one line each: `key: requests / read units / write units`. */
export function usageLines(usage: ReadonlyMap<string, KvsUsage>, top = 20): string[] {
  return [...usage.entries()]
    .sort((a, b) => b[1].readUnits + b[1].writeUnits - (a[1].readUnits + a[1].writeUnits))
    .slice(0, top)
    .map(([key, row]) => `${key}: ${row.requests} / ${row.readUnits} / ${row.writeUnits}`);
}

/** Breaches by limit at the end of each phase of a run (`note` at a phase's end), so a record run shows which made them. */
export function phaseBreaches(runtime: Pick<ForgeRuntime, 'violations'>): {
  note(label: string): void;
  readonly lines: readonly string[];
} {
  const lines: string[] = [];
  let before: Record<string, number> = {};
  return {
    lines,
    note(label) {
      const now = runtime.violations.byLimit();
      const delta = Object.entries(now)
        .map(([limit, count]) => [limit, count - (before[limit] ?? 0)] as const)
        .filter(([, count]) => count > 0);
      lines.push(
        `${label}: ${delta.length === 0 ? 'none' : delta.map(([limit, count]) => `${limit} ${count}`).join(', ')}`,
      );
      before = now;
    },
  };
}

/** A line a long push prints as it goes (the figures come only when a size ends): requests, virtual and wall time. */
export function progressLine(requests: number, virtualMs: number, wallStart: number): string {
  const wall = (performance.now() - wallStart) / 1000;
  const rss = process.memoryUsage().rss / 1024 ** 2;
  return `  ... ${requests} SCIM requests, ${(virtualMs / 60_000).toFixed(1)} virtual min, wall ${wall.toFixed(0)} s, RSS ${rss.toFixed(0)} MB`;
}
