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
}

/**
 * The default for a queue consumer: 85 of Forge's 100 requests (the other 15 are the dispatcher's bookkeeping after
 * the engine stops: leases, re-enqueueing what is left, status), and half of its 900 s so a job never nears the limit.
 */
export const CONSUMER_BUDGET: BudgetLimits = { calls: 85, millis: 450_000 };

interface Spending {
  readonly limits: BudgetLimits;
  readonly startedAt: number;
  readonly now: () => number;
  calls: number;
}

const context = new AsyncLocalStorage<Spending>();

/** Runs `body` with a fresh budget; calls reported inside it (however deep) are counted against `limits`. */
export function withinBudget<T>(limits: BudgetLimits, now: () => number, body: () => Promise<T>): Promise<T> {
  return context.run({ limits, startedAt: now(), now, calls: 0 }, body);
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
  return spending.limits.calls - spending.calls >= calls && spending.limits.millis - (spending.now() - spending.startedAt) >= millis;
}

/** Calls spent so far in the current budget (0 outside one). */
export function callsSpent(): number {
  return context.getStore()?.calls ?? 0;
}
