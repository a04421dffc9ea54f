/**
 * Throughput of the local storage service through the genuine @forge/kvs client: entity sets and index-equality
 * queries at 10,000 and 100,000 entities, in memory and with a data directory (no fsync).
 * Run with `npx tsx bench/local-kvs.ts`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WhereConditions } from '@forge/kvs/out/conditions';
import { createLocalKvs, createLocalKvsService, loadEntityDefinitions } from '../src/storage/local-kvs';

const QUERY_SAMPLES = 10_000;
const entities = loadEntityDefinitions(path.join(__dirname, '..', 'manifest.yml'));

interface Figures {
  variant: string;
  entities: number;
  setsPerSecond: number;
  queriesPerSecond: number;
  requestsPerQuery: number;
}

async function measure(variant: 'memory' | 'file', count: number): Promise<Figures> {
  const dataDir = variant === 'file' ? fs.mkdtempSync(path.join(os.tmpdir(), 'local-kvs-bench-')) : undefined;
  // A throughput benchmark on the system clock exceeds Forge's quotas by design: metered, not refused.
  const service = createLocalKvsService({
    entities,
    quotaMode: 'record',
    ...(dataDir === undefined ? {} : { dataDir }),
  });
  const users = createLocalKvs(service).entity<Record<string, unknown>>('scim-user');
  try {
    const setStart = performance.now();
    for (let i = 0; i < count; i += 1) {
      await users.set(`u${i}`, {
        userNameKey: `user${i}@example.com`,
        externalId: `ext-${i}`,
        workEmailKey: `user${i}@example.com`,
        version: 1,
        doc: {
          id: `u${i}`,
          userName: `user${i}@example.com`,
          active: true,
          name: { givenName: 'Given', familyName: `Family${i}` },
        },
      });
    }
    const setSeconds = (performance.now() - setStart) / 1000;

    service.stats.reset();
    let found = 0;
    const queryStart = performance.now();
    for (let i = 0; i < QUERY_SAMPLES; i += 1) {
      const target = (i * 7919) % count;
      const page = await users
        .query()
        .index('userNameKey')
        .where(WhereConditions.equalTo(`user${target}@example.com`))
        .limit(2)
        .getMany();
      found += page.results.length;
    }
    const querySeconds = (performance.now() - queryStart) / 1000;
    if (found !== QUERY_SAMPLES) {
      throw new Error(`expected ${QUERY_SAMPLES} hits, found ${found}`);
    }
    return {
      variant,
      entities: count,
      setsPerSecond: Math.round(count / setSeconds),
      queriesPerSecond: Math.round(QUERY_SAMPLES / querySeconds),
      requestsPerQuery: service.stats.snapshot().queries / QUERY_SAMPLES,
    };
  } finally {
    await service.close();
    if (dataDir !== undefined) {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

async function main(): Promise<void> {
  // A throw-away run first, so the measured runs do not include JIT warm-up.
  await measure('memory', 5_000);
  const rows: Figures[] = [];
  for (const count of [10_000, 100_000]) {
    for (const variant of ['memory', 'file'] as const) {
      rows.push(await measure(variant, count));
    }
  }
  console.log(`Node ${process.version}, ${os.cpus().length} CPU(s): ${os.cpus()[0]?.model ?? 'unknown'}`);
  console.table(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
