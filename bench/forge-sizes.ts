/**
 * How bench/forge-cycle.ts runs its sizes: its options, each size in a child process of its own with a V8 heap
 * limit sized to it, and the summary line. Under its default limit (4,144 MB on this machine) V8 let the heap of a
 * 10,000-user run grow to about five times what was live before collecting (1,245 MB committed while full
 * collections left about 250 MB); under 1,098 MB, to about two and a half times (434 MB for about 190 MB), and the
 * peak RSS went from 1,136 MB to 524 MB (README). A size also no longer starts on the heap the size before it left.
 * A child that dies is reported as that size's fatal, and the run goes on.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RuntimeMode } from '../src/local/forge-runtime';

/** Options of a run. */
export interface Options {
  readonly sizes: number[];
  readonly slow: boolean;
  readonly mode: RuntimeMode;
  /** The wall-time cap of each phase, in minutes; by default phaseMinutesFor the size. */
  readonly phaseMinutes?: number;
  /** Whether KVS requests count toward the 100 outbound requests (the runtime's switch; --storage-not-outbound turns it off). */
  readonly storageCountsAsOutbound: boolean;
}

/** Reads the options the comment at the top of bench/forge-cycle.ts lists. */
export function parseOptions(argv: readonly string[]): Options {
  let sizes = [1000, 10_000, 100_000];
  let slow = false;
  let mode: RuntimeMode = 'enforce';
  let phaseMinutes: number | undefined;
  let storageCountsAsOutbound = true;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--sizes')
      sizes = String(argv[(i += 1)])
        .split(',')
        .map(Number);
    else if (arg === '--slow') slow = true;
    else if (arg === '--record') mode = 'record';
    else if (arg === '--storage-not-outbound') storageCountsAsOutbound = false;
    else if (arg === '--phase-minutes') phaseMinutes = Number(argv[(i += 1)]);
    else throw new Error(`Unknown option ${arg}; see the comment at the top of bench/forge-cycle.ts`);
  }
  if (sizes.some((n) => !Number.isInteger(n) || n < 20)) throw new Error('--sizes takes whole numbers of at least 20');
  return { sizes, slow, mode, ...(phaseMinutes === undefined ? {} : { phaseMinutes }), storageCountsAsOutbound };
}

/**
 * A phase's default wall-time cap at `users`: 6 minutes up to 20,000 users, 30 at 100,000 (its initial sync took 11
 * minutes of wall time on the 2-core machine, 2026-12-08), so the default run finishes every size it can.
 */
export function phaseMinutesFor(users: number): number {
  return Math.max(6, Math.ceil((users * 30) / 100_000));
}

/** Figures of one size. */
export interface SizeResult {
  readonly users: number;
  readonly completed: boolean;
  readonly fatal: string | undefined;
  /** NaN when the size's child process died before it could count them. */
  readonly violations: number;
  readonly convergeRatio: number | undefined;
  readonly adminCallsPerWrite: number | undefined;
  readonly deliveriesPerEntry: number;
  readonly maxInvocationFraction: number;
  readonly kvsWriteUnitsPerScimWrite: number | undefined;
  readonly kvsWriteUnitsPerRemoteChange: number | undefined;
  readonly peakHeapMb: number;
  readonly scim429s: number;
  /** SCIM requests the IdP gave up on after IDP_TRIES tries, or that failed otherwise (5xx other than a retried 503). */
  readonly scimFailures: number;
  /** The largest RSS sampled while the size ran (for a child that died, the largest VmHWM the parent read). */
  readonly peakRssMb: number;
}

/** The environment variable that tells a child process which size to run. */
const SIZE_VARIABLE = 'FORGE_BENCH_CHILD_SIZE';
/** The heap of a size: a base for code, emulators and the runtime, and a share per user. */
const HEAP_BASE_MB = 512;
/**
 * About three times the 19 KB a user takes of the live heap at 10,000 users (about 190 MB after the initial sync
 * converged, most of it the KVS store), for what a longer run adds (audit entries, the big group's links).
 */
const HEAP_KB_PER_USER = 60;
/** The most any size gets, so its process stays well under the run's 8 GiB with code, buffers and the young generation. */
const HEAP_MAX_MB = 6144;

/** The V8 old-generation limit (`--max-old-space-size`, MB) of the child process that runs `users`. */
export function heapLimitMb(users: number): number {
  return Math.min(HEAP_MAX_MB, Math.round(HEAP_BASE_MB + (users * HEAP_KB_PER_USER) / 1024));
}

/** The size this process was started to run for a parent (runSizes), or undefined in the parent itself. */
export function childSize(): number | undefined {
  const size = process.env[SIZE_VARIABLE];
  return size === undefined || process.send === undefined ? undefined : Number(size);
}

/** In a size's child process: hands the size's figures and the process's peak RSS to the parent. */
export async function reportToParent(result: SizeResult): Promise<void> {
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  await new Promise<void>((resolve, reject) =>
    process.send?.({ result, maxRssMb }, undefined, {}, (error) => (error ? reject(error) : resolve())),
  );
  process.disconnect?.();
}

/** The VmHWM of process `pid` in MB, or 0 when /proc cannot say (another system, or the process is gone). */
function vmHwmMb(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
    return line ? Number(line[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs `users` in a child process of this script with its heap limit; a child that dies gives a result with its fatal. */
async function runChild(users: number): Promise<SizeResult> {
  const heapMb = heapLimitMb(users);
  const child = fork(String(process.argv[1]), process.argv.slice(2), {
    execArgv: [...process.execArgv, `--max-old-space-size=${heapMb}`],
    env: { ...process.env, [SIZE_VARIABLE]: String(users) },
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  let report: { result: SizeResult; maxRssMb: number } | undefined;
  let polledMb = 0;
  child.on('message', (message) => (report = message as typeof report));
  const poll = setInterval(() => (polledMb = Math.max(polledMb, vmHwmMb(child.pid))), 2000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
    child.on('error', () => resolve([null, null]));
  });
  clearInterval(poll);
  const peakMb = Math.max(report?.maxRssMb ?? 0, polledMb);
  const peak = peakMb > 0 ? `${peakMb.toFixed(0)} MB` : 'unknown';
  console.log(`  child process: heap limit ${heapMb} MB, peak RSS (VmHWM) ${peak}`);
  if (report) return report.result;
  const fatal = `the size's child process ended (${signal ?? `exit code ${code}`}) before reporting its figures; heap limit ${heapMb} MB, peak RSS ${peak}`;
  console.log(`  FATAL: ${fatal}`);
  return {
    users,
    completed: false,
    fatal,
    violations: Number.NaN,
    convergeRatio: undefined,
    adminCallsPerWrite: undefined,
    deliveriesPerEntry: 0,
    maxInvocationFraction: 0,
    kvsWriteUnitsPerScimWrite: undefined,
    kvsWriteUnitsPerRemoteChange: undefined,
    peakHeapMb: 0,
    scim429s: 0,
    scimFailures: 0,
    peakRssMb: peakMb > 0 ? peakMb : Number.NaN,
  };
}

/** Runs every size of `options`, one child process after another, and returns their figures in order. */
export async function runSizes(options: Options): Promise<SizeResult[]> {
  const results: SizeResult[] = [];
  for (const size of options.sizes) results.push(await runChild(size));
  return results;
}

/** The run's last line: one JSON object with the keys the strict-runtime issue names. */
export function summaryOf(options: Options, results: readonly SizeResult[]): Record<string, unknown> {
  const at = (n: number): SizeResult | undefined => results.find((r) => r.users === n);
  const round = (x: number | undefined, digits = 2): number | null =>
    x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits));
  return {
    mode: options.mode,
    slow: options.slow,
    sizes: options.sizes,
    violations: round(
      results.reduce((sum, r) => sum + r.violations, 0),
      0,
    ),
    converge_ratio_10k: round(at(10_000)?.convergeRatio),
    admin_calls_per_write_1k: round(at(1000)?.adminCallsPerWrite),
    admin_calls_per_write_10k: round(at(10_000)?.adminCallsPerWrite),
    deliveries_per_entry: round(Math.max(0, ...results.map((r) => r.deliveriesPerEntry))),
    max_invocation_fraction: round(Math.max(0, ...results.map((r) => r.maxInvocationFraction))),
    kvs_write_units_per_scim_write: round(Math.max(0, ...results.map((r) => r.kvsWriteUnitsPerScimWrite ?? 0))),
    kvs_write_units_per_remote_change: round(Math.max(0, ...results.map((r) => r.kvsWriteUnitsPerRemoteChange ?? 0))),
    peak_heap_mb_per_invocation: round(Math.max(0, ...results.map((r) => r.peakHeapMb)), 0),
    scim_429s: results.reduce((sum, r) => sum + r.scim429s, 0),
    scim_failures: results.reduce((sum, r) => sum + r.scimFailures, 0),
    completed_100k: at(100_000)?.completed ?? false,
    peak_rss_mb_10k: round(at(10_000)?.peakRssMb, 0),
    fatal: Object.fromEntries(results.filter((r) => r.fatal).map((r) => [r.users, r.fatal])),
  };
}
