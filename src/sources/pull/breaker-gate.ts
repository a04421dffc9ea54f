/**
 * The circuit breaker (src/sync/circuit-breaker.ts) as a pull asks it. A pull knows all its deactivations before it
 * writes any, so it asks once for all of them: if the breaker is tripped, or they would not all fit in its window,
 * none is written and the breaker trips (with a reason naming the pull) until an admin confirms; the confirmation's
 * allowance then lets the next pull's deactivations through, and the engine's own gate admits them from it. Within
 * the limit they are written, and the engine's gate counts them as it counts SCIM deactivations.
 */
import { evaluateBreaker, type CircuitBreakerStore } from '../../sync/circuit-breaker';
import type { SyncSettings } from '../../sync/settings';
import type { PullGate } from './pull-run';

/** The pull's gate over the breaker's stored state and the settings' thresholds. */
export function breakerGate(
  breaker: CircuitBreakerStore,
  settings: () => Promise<Pick<SyncSettings, 'circuitBreaker'>>,
  now: () => Date,
  source: string,
): PullGate {
  return {
    async admit(requested, totalUsers, dryRun) {
      const state = await breaker.state();
      const decision = evaluateBreaker(state, await settings(), now(), totalUsers, requested);
      if (!decision.tripped && decision.allowed >= requested) return { allowed: true };
      const reason = state.tripped
        ? (state.reason ?? 'Deactivations are paused until an admin confirms')
        : `A ${source} pull would deactivate ${requested} of ${totalUsers} users at once; ${decision.reason ?? 'over the limit'}. None was deactivated.`;
      if (!dryRun && !state.tripped) await breaker.trip(reason);
      return { allowed: false, reason };
    },
  };
}
