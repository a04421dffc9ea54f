/**
 * A Google pull run in process: the Google client against the emulator (test/sources/google/google-harness.ts), the
 * production directory store and pull store on a genuine @forge/kvs client over the local KVS service (Forge's
 * quotas enforced), the circuit breaker with default settings, and every invocation inside a call budget of
 * Forge's size, its storage and Google calls counted. Time moves 15 s per invocation.
 */
import { makeKvs } from '../../../rigs/local-kvs-fixture';
import type { GoogleSelection } from '../../../src/sources/google/google-selection';
import { SELECT_EVERYTHING } from '../../../src/sources/google/google-selection';
import { GoogleDirectoryClient } from '../../../src/sources/google/google-directory-client';
import { GoogleReader } from '../../../src/sources/google/google-reader';
import { GoogleTokenSource } from '../../../src/sources/google/google-token-source';
import { GOOGLE_READ_ONLY_SCOPES } from '../../../src/sources/google/scopes';
import { parseServiceAccountKey } from '../../../src/sources/google/service-account-key';
import { breakerGate } from '../../../src/sources/pull/breaker-gate';
import {
  PullRunner,
  type PullMode,
  type PullStepResult,
  type PullSummary,
} from '../../../src/sources/pull/pull-runner';
import { PullStore } from '../../../src/sources/pull/pull-store';
import { KvsDirectoryStore } from '../../../src/storage/kvs-directory-store';
import { meteredKvs } from '../../../src/storage/metered-kvs';
import { budgetAllows, callsSpent, spendCall, withinBudget } from '../../../src/sync/call-budget';
import { CircuitBreakerStore } from '../../../src/sync/circuit-breaker';
import { defaultSettings } from '../../../src/sync/settings';
import type { TargetFetch } from '../../../src/targets/http/target-fetch';
import { googleHarness, type GoogleHarnessOptions } from '../google/google-harness';

/** Forge's 100 outbound requests less the consumer's bookkeeping (src/sync/call-budget.ts CONSUMER_BUDGET). */
export const PULL_CALLS = 85;

/** A pull harness. */
export function pullHarness(options: GoogleHarnessOptions & { selection?: GoogleSelection } = {}) {
  const google = googleHarness(options);
  const fixture = makeKvs(google.clock.now());
  const kvs = meteredKvs(fixture.kvs, spendCall);
  const store = new KvsDirectoryStore({ kvs, now: () => new Date(fixture.clock.ms) });
  const pullStore = new PullStore(kvs);
  const breaker = new CircuitBreakerStore({ kvs, now: () => new Date(fixture.clock.ms), sleep: async () => undefined });
  let selection = options.selection ?? SELECT_EVERYTHING;
  const counting: TargetFetch = (url, init) => {
    spendCall();
    return google.fetch(url, init);
  };
  const tokens = new GoogleTokenSource({
    key: parseServiceAccountKey(JSON.stringify(google.registered)),
    subject: 'gadmin@example.com',
    scopes: GOOGLE_READ_ONLY_SCOPES,
    fetch: counting,
    clock: google.clock,
  });
  const client = new GoogleDirectoryClient({ tokens, fetch: counting, clock: google.clock, random: () => 0.5 });
  const gate = breakerGate(
    breaker,
    async () => defaultSettings,
    () => new Date(fixture.clock.ms),
    'Google Workspace',
  );
  let kicks = 0;
  const runner = new PullRunner({
    store,
    pullStore,
    reader: async () => new GoogleReader({ directory: client, selection, subject: 'gadmin@example.com' }),
    gate,
    canCall: (calls) => budgetAllows(calls),
    afterWrites: async () => {
      kicks += 1;
    },
    now: () => new Date(fixture.clock.ms),
  });
  const stats = { invocations: 0, maxCalls: 0 };
  const step = async (): Promise<PullStepResult> => {
    fixture.clock.ms += 15_000;
    stats.invocations += 1;
    return withinBudget(
      { calls: PULL_CALLS, millis: 450_000 },
      { now: () => fixture.clock.ms, sleep: async () => undefined },
      async () => {
        const result = await runner.advance();
        stats.maxCalls = Math.max(stats.maxCalls, callsSpent());
        return result;
      },
    );
  };
  /** Starts a run and steps it to the end; waiting results are stepped through after their wait (at most `maxWaits`). */
  const pull = async (mode: PullMode = 'apply', maxWaits = 0): Promise<{ summary: PullSummary; waits: string[] }> => {
    await runner.start(mode, 'test', JSON.stringify(selection));
    const waits: string[] = [];
    for (let i = 0; i < 5000; i += 1) {
      const result = await step();
      if (result.state === 'done') return { summary: result.summary, waits };
      if (result.state === 'idle') throw new Error('no run');
      if (result.state === 'waiting') {
        waits.push(result.error);
        if (waits.length > maxWaits) throw new Error(`the pull stopped: ${result.error}`);
        fixture.clock.ms += result.retryAfterSeconds * 1000;
      }
    }
    throw new Error('the pull did not finish');
  };
  return {
    ...google,
    client,
    fixture,
    store,
    pullStore,
    breaker,
    runner,
    stats,
    step,
    pull,
    kicks: () => kicks,
    select(next: GoogleSelection) {
      selection = next;
    },
  };
}
