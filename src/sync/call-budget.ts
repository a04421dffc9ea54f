/**
 * The budget of one invocation: Forge stops an invocation at its 101st outbound request (ECO-491; storage
 * requests are counted too until a live installation says otherwise, docs/notes/forge-platform.md section 1) and at
 * its time limit, and no API tells the app how much it has used. So the app counts its own calls: the storage and
 * remote transports report each call here, and a job asks, before it starts on the next resource, whether enough
 * is left to finish it. What a job leaves stays in the outbox for the next one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What one invocation may spend. */
export interface BudgetLimits {
  /** Outbound requests (storage and remote calls). */
  readonly calls: number;
  /** Milliseconds of run time. */
  readonly millis: number;
  /**
   * The invocation's share of the installation's storage quotas (4,000 read and 4,000 write units a minute, shared
   * by every invocation): storage requests are paced so that its units stay within this rate, with a small burst.
   * Without it, storage is not paced.
   */
  readonly kvsUnitsPerMinute?: { readonly read: number; readonly write: number };
}

/** Units an invocation may use ahead of its pace when nothing carried a lane's allowance over (withinBudget). */
const PACE_BURST_UNITS = 10;

/** Storage units an invocation may use at once before its pace applies (a lane's saved-up allowance). */
export interface StorageAllowance {
  readonly read: number;
  readonly write: number;
}

/**
 * The default for a queue consumer: 78 of Forge's 100 requests for the engine's work, each resource, change and grant
 * started only while its whole cost (its closing link, carry and audit writes included: src/sync/resource-budget.ts)
 * is left. The other 22 are what a job spends past the engine's checks, about 16 at most: its entries' pending
 * versions and the lane's allowance read before the budget starts and the allowance saved after it (3), the batch's
 * closing writes (permission sync due again: 3; the Permissions entry's acknowledgement: 2) and the dispatcher's after
 * the engine (status: 1; re-enqueueing what is left: 1 per 25 entries; a deferred drain's claim: 3). Half of its 900 s
 * so a job never nears the limit, and 400 read and 400 write units a minute: with SYNC_LANES (5) lanes and one drain at
 * a time (src/forge/forge-job-queue.ts), the sustained sync uses at most 2,400 of the installation's 4,000 a minute
 * (plus what idle lanes saved up, src/sync/lane-pace.ts; the permission lane's runs spend mostly Bitbucket requests,
 * little storage), and leaves the rest to the SCIM web trigger (whose membership writes the intake gate holds to
 * 1,000: src/app/intake-gate.ts).
 */
export const CONSUMER_BUDGET: BudgetLimits = {
  calls: 78,
  millis: 450_000,
  kvsUnitsPerMinute: { read: 400, write: 400 },
};

/** The clock a budget measures and waits with (the app clock, so a local runtime sees the waits). */
export interface BudgetClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

interface Spending {
  readonly limits: BudgetLimits;
  readonly startedAt: number;
  readonly clock: BudgetClock;
  readonly allowance: StorageAllowance;
  calls: number;
  readUnits: number;
  writeUnits: number;
}

const context = new AsyncLocalStorage<Spending>();

/**
 * Runs `body` with a fresh budget; calls reported inside it (however deep) are counted against `limits`. Storage is
 * paced once `allowance` is used up (default: a few units).
 */
export function withinBudget<T>(
  limits: BudgetLimits,
  clockOrNow: BudgetClock | (() => number),
  body: () => Promise<T>,
  allowance?: StorageAllowance,
): Promise<T> {
  // A bare `now` paces (when the limits ask for it) on real timers.
  const clock: BudgetClock =
    typeof clockOrNow === 'function'
      ? { now: clockOrNow, sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)) }
      : clockOrNow;
  const start = allowance ?? { read: PACE_BURST_UNITS, write: PACE_BURST_UNITS };
  return context.run(
    { limits, startedAt: clock.now(), clock, allowance: start, calls: 0, readUnits: 0, writeUnits: 0 },
    body,
  );
}

/**
 * Waits, before a storage request, until the current budget's storage units are back within its pace (nothing
 * outside a budget, or in one without a pace). Units are charged after each request (chargeStorage), so a large
 * read delays the next request, not itself.
 */
export async function paceStorage(): Promise<void> {
  const spending = context.getStore();
  const pace = spending?.limits.kvsUnitsPerMinute;
  if (!spending || !pace) return;
  const dueAt = (used: number, allowance: number, perMinute: number): number =>
    ((used - allowance) / perMinute) * 60_000;
  const due = Math.max(
    dueAt(spending.readUnits, spending.allowance.read, pace.read),
    dueAt(spending.writeUnits, spending.allowance.write, pace.write),
  );
  const wait = due - (spending.clock.now() - spending.startedAt);
  if (wait > 0) await spending.clock.sleep(Math.ceil(wait));
}

/** Charges storage units to the current budget (nothing outside one). */
export function chargeStorage(quota: 'read' | 'write', units: number): void {
  const spending = context.getStore();
  if (!spending) return;
  if (quota === 'read') spending.readUnits += units;
  else spending.writeUnits += units;
}

/** Storage units charged so far in the current budget. */
export function storageUnitsSpent(): { read: number; write: number } {
  const spending = context.getStore();
  return { read: spending?.readUnits ?? 0, write: spending?.writeUnits ?? 0 };
}

/** Counts one outbound request of the current budget (nothing outside a budget). */
export function spendCall(): void {
  const spending = context.getStore();
  if (spending) spending.calls += 1;
}

/** Whether at least `calls` requests and `millis` of time are left in the current budget (always true outside one). */
export function budgetAllows(calls: number, millis = 0): boolean {
  const spending = context.getStore();
  if (!spending) return true;
  return (
    spending.limits.calls - spending.calls >= calls &&
    spending.limits.millis - (spending.clock.now() - spending.startedAt) >= millis
  );
}

/** Calls spent so far in the current budget (0 outside one). */
export function callsSpent(): number {
  return context.getStore()?.calls ?? 0;
}

/** The storage meter of a budget (src/storage/metered-kvs.ts StorageMeter): counts each request, paces, charges units. */
export const budgetStorageMeter = {
  async before(): Promise<void> {
    spendCall();
    await paceStorage();
  },
  charge: chargeStorage,
};
