/**
 * Does a NOT_EXISTS condition pass on a key that does not exist? Every create of the directory store takes its
 * uniqueness claim in a transaction whose set carries `FilterConditions.notExists()` on the claim's `owner`
 * (src/storage/kvs-directory/name-claims.ts, `takeClaim`), and Forge does not document what a condition on a
 * missing item does. The check makes the same write on a scratch claim key, makes it again (it must now fail, or
 * conditions are not checked at all), and deletes the key: four KVS requests, nothing left behind.
 */
import { randomUUID } from 'node:crypto';
import { Filter, FilterConditions } from '@forge/kvs';
import type { ForgeKvs } from '../../storage/kvs-port';
import { CLAIM_ENTITY } from '../../storage/kvs-directory/name-claims';
import type { DiagnosticStep } from '../../shared/diagnostics-api';
import { describeError, type CheckOutcome } from './check-outcome';

/** The prefix of the scratch keys; claim keys of the store are `user.<sha256>` and `group.<sha256>`, so none collides. */
export const SCRATCH_CLAIM_PREFIX = 'diagnostics.';

interface Attempt {
  readonly ok: boolean;
  readonly error?: unknown;
}

/** Whether a failed transaction was a condition that did not hold (409 or a code naming a condition), not some other failure. */
function isConditionFailure(error: unknown): boolean {
  const details = error as { code?: unknown; responseDetails?: { status?: unknown } } | undefined;
  return (
    details?.responseDetails?.status === 409 || (typeof details?.code === 'string' && /CONDITION/i.test(details.code))
  );
}

async function claim(kvs: ForgeKvs, key: string): Promise<Attempt> {
  const absent = new Filter<Record<string, unknown>>().and('owner', FilterConditions.notExists());
  try {
    await kvs
      .transact()
      .set<Record<string, unknown>>(key, { owner: 'diagnostics' }, { entityName: CLAIM_ENTITY, conditions: absent })
      .execute();
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Runs the check on `kvs` (the app's own storage). */
export async function checkKvsConditions(kvs: ForgeKvs): Promise<CheckOutcome> {
  const key = `${SCRATCH_CLAIM_PREFIX}${randomUUID()}`;
  const steps: DiagnosticStep[] = [];
  const first = await claim(kvs, key);
  steps.push({
    name: 'Set with NOT_EXISTS on a new key',
    ok: first.ok,
    detail: first.ok ? 'The transaction passed' : `Refused: ${describeError(first.error)}`,
  });
  const second = first.ok ? await claim(kvs, key) : undefined;
  if (second)
    steps.push({
      name: 'The same set on the key it created',
      ok: !second.ok,
      detail: second.ok
        ? 'The transaction passed again: the condition was not checked'
        : `Refused, as it must be: ${describeError(second.error)}`,
    });
  try {
    await kvs.entity(CLAIM_ENTITY).delete(key);
    steps.push({ name: 'Remove the scratch key', ok: true, detail: `${CLAIM_ENTITY} ${key} deleted` });
  } catch (error) {
    steps.push({
      name: 'Remove the scratch key',
      ok: false,
      detail: `${CLAIM_ENTITY} ${key} could not be deleted: ${describeError(error)}`,
    });
  }
  if (!first.ok) {
    if (!isConditionFailure(first.error))
      return {
        verdict: 'inconclusive',
        finding: 'error',
        observed: `The first transaction failed for another reason than its condition: ${describeError(first.error)}`,
        steps,
      };
    return {
      verdict: 'differs',
      finding: 'missing-key-fails',
      observed: `A NOT_EXISTS condition did not pass on a key that does not exist (${describeError(first.error)}).`,
      steps,
    };
  }
  if (second?.ok)
    return {
      verdict: 'differs',
      finding: 'condition-ignored',
      observed: 'A NOT_EXISTS condition passed on a key that exists: transaction conditions were not checked.',
      steps,
    };
  if (second && !isConditionFailure(second.error))
    return {
      verdict: 'inconclusive',
      finding: 'error',
      observed: `The second transaction failed for another reason than its condition: ${describeError(second.error)}`,
      steps,
    };
  return {
    verdict: 'as-assumed',
    finding: 'honoured',
    observed: 'A NOT_EXISTS condition passed on a new key and stopped the same write on the key once it existed.',
    steps,
  };
}
