/**
 * What the engine keeps of an invocation's budget (src/sync/call-budget.ts: Forge's 100 outbound requests and the
 * consumer's run time) before it starts on a resource or on one more change of it, so a job stops between two
 * resources or two changes, never inside one.
 */
import { budgetAllows } from './call-budget';

/**
 * What one resource may cost at most, in outbound requests, before the engine starts on it: reads of its link and
 * the remote state, its writes, link and outbox updates and its audit entry. A resource is started only when this
 * much is left, so a job stops between resources, never inside one.
 */
export const CALLS_PER_USER = 16;
/** See CALLS_PER_USER. */
export const CALLS_PER_GROUP = 40;
/** Run time a resource may take at most before the engine starts on it (several API calls at their latency). */
export const MILLIS_PER_RESOURCE = 30_000;
/** What comparing a group the org created anew again may cost (its reads, role, a few members, link, audit). */
export const CALLS_PER_FOLLOW_UP = 20;
/** What asking the circuit breaker costs (the user count, its lease, state and audit entry). */
export const CALLS_TO_ADMIT = 8;
/**
 * Calls and time to keep for one more change of a resource being applied: its Admin API write, then what the resource
 * ends with (the carry of the rest or the outbox acknowledgement with its read-back, and the link); its audit entries
 * are counted apart (recordCalls). A huge group's members are added over several jobs, each stopping between two
 * changes.
 */
export const CALLS_PER_CHANGE = 4;
/**
 * Entries one request of the audit record handles: AuditLog.appendMany writes 25 to a transaction, and a group's
 * member entries first read their accounts' index records and links in batches of 25 (src/app/create-sync.ts
 * audit.record, src/sync/sync-links.ts).
 */
const AUDIT_ENTRIES_PER_CALL = 25;

/**
 * What recording `entries` audit entries of one resource may cost: for every 25, an append and, for a group's member
 * changes, the reads of their accounts' index records and links. It grows with the changes a job applies, so a job
 * keeps it for the entries it has and the one it is about to add before each change.
 */
export function recordCalls(entries: number): number {
  return 3 * Math.ceil(entries / AUDIT_ENTRIES_PER_CALL);
}

/** What only appending `entries` audit entries costs (entries with no member accounts to look up: grants). */
export function appendCalls(entries: number): number {
  return Math.ceil(entries / AUDIT_ENTRIES_PER_CALL);
}

/**
 * What taking a group's carried plan costs (src/sync/plan-carry.ts take: its read, and its delete when one was
 * there): spent before the group's own cost, so a job asks for both before it reads the carry.
 */
export const CALLS_TO_TAKE_CARRY = 2;
/** See CALLS_PER_CHANGE. */
export const MILLIS_PER_CHANGE = 5_000;

/** Requests a group's plan makes for its members beyond the fixed ones: their links 25 a request, org members 100 a page. */
export function planCalls(members: number): number {
  return Math.ceil(members / 25) + Math.ceil(members / 100);
}

/** How many more users, up to `max`, this job will surely start: each starts only while CALLS_PER_USER are left. */
export function usersTheBudgetHolds(max: number): number {
  let count = 1;
  while (count < max && budgetAllows(CALLS_TO_ADMIT + (count + 1) * CALLS_PER_USER, (count + 1) * MILLIS_PER_RESOURCE))
    count += 1;
  return count;
}
