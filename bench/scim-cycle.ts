/**
 * `npx tsx bench/scim-cycle.ts [--users N] [--groups M] [--concurrency C] [--max-seconds S]`: replays an
 * Entra-like initial provisioning cycle against the local host over real HTTP and prints throughput, latency
 * percentiles per request kind, storage operations per request (at the start and at the end of the user load, to
 * show whether cost grows with directory size) and memory. It reports whether the target (≥ 500 requests/s,
 * p99 < 50 ms) was met but never fails on it; it exits non-zero only when requests fail or the time bound is hit.
 */
import { Agent, request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalHost, type LocalHost } from '../src/local/local-host';
import type { OperationCounts } from '../src/storage/local-kvs';

const TARGET_REQUESTS_PER_SECOND = 500;
const TARGET_P99_MS = 50;
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** Users (and list pages) whose storage cost is sampled at the start and at the end of the load. */
const WINDOW = 1000;
/** Requests of one kind issued between two storage-counter snapshots; large enough that draining costs little. */
const STEP = 100;
const MEMBERS_PER_PATCH = 50;
const GROUPS_PER_USER = 3;
const PAGE_SIZE = 100;
/** One user in this many gets an attribute PATCH. */
const PATCH_EVERY = 10;
const REQUEST_TIMEOUT_MS = 15_000;

/** Command-line settings of one run. */
interface Settings {
  readonly users: number;
  readonly groups: number;
  readonly concurrency: number;
  readonly maxSeconds: number;
}

type Kind =
  | 'user filter GET'
  | 'user POST'
  | 'group filter GET'
  | 'group POST'
  | 'group PATCH members'
  | 'user PATCH attributes'
  | 'user list page';

type Counter = Omit<OperationCounts, 'byPath'>;

interface StorageTally {
  requests: number;
  ops: Counter;
}

function parseSettings(argv: readonly string[]): Settings {
  const values = new Map<string, number>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = Number(argv[i + 1]);
    if (!name?.startsWith('--') || !Number.isInteger(value) || value <= 0) {
      throw new Error(
        `Usage: tsx bench/scim-cycle.ts [--users N] [--groups M] [--concurrency C] [--max-seconds S] (got ${argv.join(' ')})`,
      );
    }
    values.set(name.slice(2), value);
  }
  for (const name of values.keys()) {
    if (!['users', 'groups', 'concurrency', 'max-seconds'].includes(name)) throw new Error(`Unknown option --${name}`);
  }
  return {
    users: values.get('users') ?? 10_000,
    groups: values.get('groups') ?? 500,
    concurrency: values.get('concurrency') ?? 8,
    maxSeconds: values.get('max-seconds') ?? 900,
  };
}

function zeroCounter(): Counter {
  return { total: 0, reads: 0, writes: 0, queries: 0, transactions: 0 };
}

function difference(after: OperationCounts, before: OperationCounts): Counter {
  return {
    total: after.total - before.total,
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    queries: after.queries - before.queries,
    transactions: after.transactions - before.transactions,
  };
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function padEnd(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function pad(value: string | number, width: number): string {
  const text = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : value;
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

/** The benchmark's client: keep-alive HTTP, per-kind latency, per-kind storage cost and a record of failures. */
class Bench {
  private readonly agent: Agent;
  private readonly latencies = new Map<Kind, number[]>();
  private readonly storage = new Map<string, StorageTally>();
  readonly failures: string[] = [];
  private failureCount = 0;
  private readonly deadline: number;
  private readonly basePath: string;
  private readonly port: number;

  constructor(
    private readonly host: LocalHost,
    private readonly token: string,
    private readonly settings: Settings,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: settings.concurrency });
    const base = new URL(host.scimBaseUrl);
    this.basePath = base.pathname;
    this.port = Number(base.port);
    this.deadline = performance.now() + settings.maxSeconds * 1000;
  }

  get requestCount(): number {
    let count = 0;
    for (const values of this.latencies.values()) count += values.length;
    return count;
  }

  get failed(): number {
    return this.failureCount;
  }

  /** Sends one request and returns its status and parsed body; a status other than `expected` is a failure. */
  // SCIM bodies are arbitrary JSON; the callers read the few fields they need.
  async send(
    kind: Kind,
    method: string,
    pathAndQuery: string,
    expected: readonly number[],
    body?: unknown,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any }> {
    if (performance.now() > this.deadline) throw new Error(`Time bound of ${this.settings.maxSeconds} s exceeded`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = performance.now();
    const result = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          path: `${this.basePath}${pathAndQuery}`,
          method,
          agent: this.agent,
          timeout: REQUEST_TIMEOUT_MS,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/scim+json',
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`No answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    }).catch((error: unknown) => ({ status: 0, text: error instanceof Error ? error.message : String(error) }));
    const elapsed = performance.now() - started;
    let list = this.latencies.get(kind);
    if (!list) this.latencies.set(kind, (list = []));
    list.push(elapsed);
    if (!expected.includes(result.status)) {
      this.failureCount += 1;
      if (this.failures.length < 20)
        this.failures.push(`${kind}: ${method} ${pathAndQuery} -> ${result.status} ${result.text.slice(0, 300)}`);
    }
    let parsed: unknown;
    try {
      parsed = result.text === '' ? undefined : JSON.parse(result.text);
    } catch {
      parsed = undefined;
    }
    return { status: result.status, body: parsed };
  }

  /**
   * Runs `tasks` with `concurrency` in flight and charges the storage operations counted meanwhile to `label`. Every
   * task of one step issues requests of a single kind, so the charge is exact even though requests overlap.
   */
  async step(label: string, requests: number, tasks: readonly (() => Promise<void>)[]): Promise<void> {
    const before = this.host.kvs.stats.snapshot();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tasks.length) {
        const task = tasks[next];
        next += 1;
        await task?.();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, tasks.length) }, worker));
    const ops = difference(this.host.kvs.stats.snapshot(), before);
    let tally = this.storage.get(label);
    if (!tally) this.storage.set(label, (tally = { requests: 0, ops: zeroCounter() }));
    tally.requests += requests;
    for (const key of Object.keys(ops) as (keyof Counter)[]) tally.ops[key] += ops[key];
  }

  printLatencies(): number {
    console.log('\nLatency per request kind (ms)');
    console.log(
      `${padEnd('kind', 24)} ${pad('requests', 9)} ${pad('p50', 8)} ${pad('p95', 8)} ${pad('p99', 8)} ${pad('max', 8)} ${pad('mean', 8)}`,
    );
    const all: number[] = [];
    const row = (name: string, values: number[]): void => {
      const sorted = [...values].sort((a, b) => a - b);
      const mean = sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length);
      console.log(
        `${padEnd(name, 24)} ${pad(sorted.length, 9)} ${pad(percentile(sorted, 0.5), 8)} ${pad(percentile(sorted, 0.95), 8)} ` +
          `${pad(percentile(sorted, 0.99), 8)} ${pad(sorted[sorted.length - 1] ?? Number.NaN, 8)} ${pad(mean, 8)}`,
      );
    };
    for (const [kind, values] of this.latencies) {
      row(kind, values);
      all.push(...values);
    }
    row('all requests', all);
    return percentile(
      [...all].sort((a, b) => a - b),
      0.99,
    );
  }

  printStorage(): void {
    console.log(
      '\nStorage operations per request (local KVS requests: total = reads + writes + queries + transactions)',
    );
    console.log(
      `${padEnd('kind @ directory state', 52)} ${pad('requests', 9)} ${pad('total', 7)} ${pad('reads', 7)} ${pad('writes', 7)} ${pad('queries', 7)} ${pad('tx', 7)}`,
    );
    for (const [label, tally] of this.storage) {
      const per = (n: number): string => (n / Math.max(1, tally.requests)).toFixed(2);
      const { ops } = tally;
      console.log(
        `${padEnd(label, 52)} ${pad(tally.requests, 9)} ${pad(per(ops.total), 7)} ${pad(per(ops.reads), 7)} ${pad(per(ops.writes), 7)} ` +
          `${pad(per(ops.queries), 7)} ${pad(per(ops.transactions), 7)}`,
      );
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

function userName(index: number): string {
  return `bench.user${index}@example.com`;
}

function groupName(index: number): string {
  return `Bench Group ${index}`;
}

function userResource(index: number): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    externalId: `ext-${index}`,
    userName: userName(index),
    active: true,
    displayName: `Bench User ${index}`,
    name: { givenName: 'Bench', familyName: `User${index}`, formatted: `Bench User${index}` },
    emails: [{ primary: true, type: 'work', value: userName(index) }],
    [ENTERPRISE_SCHEMA]: { department: `Department ${index % 20}`, employeeNumber: String(index) },
  };
}

/** Labels the window a position falls in, or undefined outside both; with fewer than 2×WINDOW items they overlap. */
function windowOf(position: number, count: number, noun: string): string | undefined {
  if (position < Math.min(WINDOW, count))
    return `first ${Math.min(WINDOW, count)} ${noun} (0→${Math.min(WINDOW, count)})`;
  if (position >= count - WINDOW)
    return `last ${Math.min(WINDOW, count)} ${noun} (${Math.max(0, count - WINDOW)}→${count})`;
  return undefined;
}

async function timed(name: string, bench: Bench, phases: string[], body: () => Promise<void>): Promise<void> {
  const requestsBefore = bench.requestCount;
  const started = performance.now();
  await body();
  const seconds = (performance.now() - started) / 1000;
  const requests = bench.requestCount - requestsBefore;
  phases.push(
    `${padEnd(name, 24)} ${pad(requests, 7)} requests in ${pad(seconds, 7)} s = ${pad(requests / seconds, 8)} requests/s`,
  );
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'scim-bench-'));
  const serverErrors: string[] = [];
  const host = await startLocalHost({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logger: { error: (code, message) => serverErrors.push(`${code} ${message}`) },
    // Sync jobs are queued (each write still pays for its outbox entry, its audit entry and its kick) but not run,
    // so the storage counts are the SCIM path's own; `npm run bench:sync` measures the sync engine.
    queue: { paused: true },
  });
  const token = host.generatedToken;
  if (token === undefined) throw new Error('A fresh data directory must yield a generated token');
  const bench = new Bench(host, token, settings);
  try {
    await run(settings, host, bench, serverErrors);
  } finally {
    bench.close();
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The cycle itself, then the report. */
async function run(settings: Settings, host: LocalHost, bench: Bench, serverErrors: readonly string[]): Promise<void> {
  console.log(
    `SCIM cycle benchmark: ${settings.users} users, ${settings.groups} groups, ${settings.concurrency} requests in flight, ` +
      `against ${host.scimBaseUrl} (client and server share this process; sync jobs are queued, not run)`,
  );

  const phases: string[] = [];
  const userIds: string[] = new Array<string>(settings.users);
  const groupIds: string[] = new Array<string>(settings.groups);
  const started = performance.now();
  await timed('users: filter + POST', bench, phases, async () => {
    for (let from = 0; from < settings.users; from += STEP) {
      const indexes = Array.from({ length: Math.min(STEP, settings.users - from) }, (_, i) => from + i);
      const window = windowOf(from, settings.users, 'users');
      const label = (kind: Kind): string => `${kind} @ ${window ?? 'middle users'}`;
      await bench.step(
        label('user filter GET'),
        indexes.length,
        indexes.map((i) => async () => {
          const filter = encodeURIComponent(`userName eq "${userName(i)}"`);
          const found = await bench.send('user filter GET', 'GET', `/Users?filter=${filter}`, [200]);
          if (found.body?.totalResults !== 0)
            bench.failures.push(`user filter GET for ${userName(i)} found ${found.body?.totalResults}`);
        }),
      );
      await bench.step(
        label('user POST'),
        indexes.length,
        indexes.map((i) => async () => {
          const created = await bench.send('user POST', 'POST', '/Users', [201], userResource(i));
          userIds[i] = created.body?.id;
        }),
      );
    }
  });

  await timed('groups: filter + POST', bench, phases, async () => {
    for (let from = 0; from < settings.groups; from += STEP) {
      const indexes = Array.from({ length: Math.min(STEP, settings.groups - from) }, (_, i) => from + i);
      await bench.step(
        'group filter GET',
        indexes.length,
        indexes.map((g) => async () => {
          const filter = encodeURIComponent(`displayName eq "${groupName(g)}"`);
          await bench.send('group filter GET', 'GET', `/Groups?filter=${filter}&excludedAttributes=members`, [200]);
        }),
      );
      await bench.step(
        'group POST',
        indexes.length,
        indexes.map((g) => async () => {
          const body = {
            schemas: [GROUP_SCHEMA],
            externalId: `group-ext-${g}`,
            displayName: groupName(g),
            members: [],
          };
          const created = await bench.send('group POST', 'POST', '/Groups', [201], body);
          groupIds[g] = created.body?.id;
        }),
      );
    }
  });

  // Each user joins GROUPS_PER_USER groups spread by different strides; Entra creates groups empty and then adds
  // members in batches. One group's batches go one after the other, as Entra sends them.
  const membersOf: string[][] = Array.from({ length: settings.groups }, () => []);
  for (let i = 0; i < settings.users; i += 1) {
    const chosen = new Set([i % settings.groups, (i * 7 + 3) % settings.groups, (i * 31 + 11) % settings.groups]);
    for (const g of [...chosen].slice(0, GROUPS_PER_USER)) {
      const id = userIds[i];
      if (id) membersOf[g]?.push(id);
    }
  }
  let memberPatches = 0;
  await timed('groups: PATCH members', bench, phases, async () => {
    const tasks = membersOf.map((members, g) => async () => {
      for (let from = 0; from < members.length; from += MEMBERS_PER_PATCH) {
        const value = members.slice(from, from + MEMBERS_PER_PATCH).map((id) => ({ value: id }));
        const body = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Add', path: 'members', value }] };
        await bench.send('group PATCH members', 'PATCH', `/Groups/${groupIds[g]}`, [200, 204], body);
      }
    });
    memberPatches = membersOf.reduce((sum, members) => sum + Math.ceil(members.length / MEMBERS_PER_PATCH), 0);
    await bench.step(`group PATCH members (≤${MEMBERS_PER_PATCH} per request)`, memberPatches, tasks);
  });

  await timed('users: PATCH attributes', bench, phases, async () => {
    const sample = userIds.map((id, i) => ({ id, i })).filter(({ i }) => i % PATCH_EVERY === 0);
    for (let from = 0; from < sample.length; from += STEP) {
      const chunk = sample.slice(from, from + STEP);
      await bench.step(
        'user PATCH attributes (4 ops, one per attribute)',
        chunk.length,
        chunk.map(({ id, i }) => async () => {
          // Entra's default job: capitalised ops, one Replace per changed attribute, "True" as a string.
          const body = {
            schemas: [PATCH_SCHEMA],
            Operations: [
              { op: 'Replace', path: 'displayName', value: `Bench User ${i} (renamed)` },
              { op: 'Replace', path: 'title', value: 'Engineer' },
              { op: 'Replace', path: `${ENTERPRISE_SCHEMA}:department`, value: `Department ${(i + 1) % 20}` },
              { op: 'Replace', path: 'active', value: 'True' },
            ],
          };
          await bench.send('user PATCH attributes', 'PATCH', `/Users/${id}`, [200, 204], body);
        }),
      );
    }
  });

  const listed = new Set<string>();
  let announced = Number.NaN;
  await timed('users: paged listing', bench, phases, async () => {
    const pages = Math.ceil(settings.users / PAGE_SIZE);
    const pageWindow = Math.max(1, Math.floor(WINDOW / PAGE_SIZE));
    for (let from = 0; from < pages; from += pageWindow) {
      const chunk = Array.from({ length: Math.min(pageWindow, pages - from) }, (_, i) => from + i);
      const where = from === 0 ? 'first' : from + pageWindow >= pages ? 'last' : 'middle';
      await bench.step(
        `user list page (count=${PAGE_SIZE}) @ ${where} pages`,
        chunk.length,
        chunk.map((page) => async () => {
          const listing = await bench.send(
            'user list page',
            'GET',
            `/Users?startIndex=${page * PAGE_SIZE + 1}&count=${PAGE_SIZE}`,
            [200],
          );
          announced = Number(listing.body?.totalResults);
          for (const resource of (listing.body?.Resources ?? []) as { id: string }[]) listed.add(resource.id);
        }),
      );
    }
  });
  if (listed.size !== settings.users || announced !== settings.users) {
    bench.failures.push(
      `Paged listing saw ${listed.size} distinct users, totalResults ${announced}; expected ${settings.users}`,
    );
  }

  const seconds = (performance.now() - started) / 1000;
  const total = bench.requestCount;
  const rate = total / seconds;
  console.log('\nPhases');
  for (const line of phases) console.log(line);
  const p99 = bench.printLatencies();
  bench.printStorage();
  const memory = process.memoryUsage();
  const storageTotal = host.kvs.stats.snapshot().total;
  console.log(
    `\nTotal: ${total} requests in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} requests/s; ` +
      `${storageTotal} storage operations (${(storageTotal / Math.max(1, total)).toFixed(2)} per request)`,
  );
  console.log(
    `Memory at the end (client and server together): RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB, ` +
      `heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
  const met = rate >= TARGET_REQUESTS_PER_SECOND && p99 < TARGET_P99_MS;
  console.log(
    `Target ≥ ${TARGET_REQUESTS_PER_SECOND} requests/s with p99 < ${TARGET_P99_MS} ms: ${met ? 'MET' : 'NOT MET'} ` +
      `(${rate.toFixed(0)} requests/s, p99 ${p99.toFixed(2)} ms)`,
  );
  if (serverErrors.length > 0)
    console.log(`Server logged ${serverErrors.length} errors, first: ${serverErrors.slice(0, 5).join(' | ')}`);
  if (bench.failed > 0 || bench.failures.length > 0) {
    console.log(`\n${bench.failed} requests answered unexpectedly; first problems:\n${bench.failures.join('\n')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
