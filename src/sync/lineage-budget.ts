/**
 * Lineage budgets of queue pushes. Forge refuses push number 1,001 among all the invocations that descend, through
 * queue pushes, from one originating invocation (a web trigger, a scheduled trigger, a resolver), with
 * `InvocationLimitReachedError` (DAC `/limits-async-events`, "cyclic invocations"; docs/notes/forge-platform.md
 * section 5). So every sync job carries `budget`: how many pushes it and everything it leads to may still make. An
 * origin starts a lineage with ORIGIN_PUSH_BUDGET; each push costs one, and the pushing invocation hands what it has
 * left to the events it pushes, split between them (never more than it has), so the pushes of a whole tree never
 * exceed its origin's budget, however large the directory. A lineage that has spent its budget stops pushing; what
 * it leaves in the outbox waits for the next fresh origin: the sync sweep, a job of the five-minute trigger
 * (src/forge/five-minute.ts, src/forge/sync-worker.ts makeSyncSweep), an IdP write's kick, or the hourly reconcile
 * (src/sync/dispatcher.ts).
 */
import type { SyncJob } from './jobs';

/**
 * Pushes a fresh origin gives its lineage: Forge allows 1,000; the rest is kept in hand for what the budget cannot
 * see (a duplicate delivery, which Forge's at-least-once queue may make without a retry context, spends again).
 */
export const ORIGIN_PUSH_BUDGET = 900;

/**
 * Pushes a kick made inside a queue consumer (a directory pull's invocation, src/sources/create-pull.ts) may spend:
 * such a kick is no origin, and its pushes count toward the pull's own chain, which it cannot see; what a small
 * budget leaves is drained by the sync sweep.
 */
export const CHAINED_KICK_BUDGET = 8;

/** The pushes `job`'s lineage may still make; none for an event of an older version, whose lineage is unknown. */
export function budgetOf(job: SyncJob): number {
  return job.budget ?? 0;
}

/** `job` with `budget` pushes left to its lineage. */
export function withBudget<J extends SyncJob>(job: J, budget: number): J {
  return { ...job, budget: Math.max(0, Math.floor(budget)) };
}

/** `total` split into `parts` whole shares as even as can be (the first ones get the remainder). */
export function splitBudget(total: number, parts: number): number[] {
  if (parts <= 0) return [];
  const whole = Math.max(0, Math.floor(total));
  const each = Math.floor(whole / parts);
  const extra = whole - each * parts;
  return Array.from({ length: parts }, (_, i) => each + (i < extra ? 1 : 0));
}

/**
 * Spends `budget` on follow-up pushes in the order given, each costing one and handing the share it gets to what
 * it pushes: only as many as leave each pushed event at least one push of its own (an event with none could push
 * nothing), the shares split evenly among them. A follow-up that decides not to push (another covers it) returns
 * false and spends nothing, leaving its share to the later ones. Returns what is left.
 */
export async function spendInTurn(
  budget: number,
  followUps: readonly ((share: number) => Promise<boolean>)[],
): Promise<number> {
  let left = Math.max(0, Math.floor(budget));
  const affordable = followUps.slice(0, Math.floor(left / 2));
  for (const [index, push] of affordable.entries()) {
    const remaining = affordable.length - index;
    // Rounded up, so the earlier follow-ups get the odd pushes; each later one still gets at least one.
    const share = Math.ceil((left - remaining) / remaining);
    if (await push(share)) left -= 1 + share;
  }
  return left;
}
