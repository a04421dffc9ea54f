/**
 * The Forge platform limits the local runtime enforces, in one table with their sources, and the fixed latency
 * model its virtual time runs on. Sources: docs/notes/forge-platform.md sections 1, 4 and 5 (DAC
 * `/limits-invocation`, `/limits-async-events`, `/runtime-reference/async-events-api`), ECO-491 for the outbound
 * request limit. Where two published readings differ, the stricter one is taken, so that code which fits here
 * fits on Forge.
 */

/** The kinds of invocation Forge runs for this app's manifest modules. */
export type InvocationKind = 'webtrigger' | 'resolver' | 'consumer' | 'scheduled';

/** The limits, in the units their names say. */
export const FORGE_LIMITS = {
  /** Run time of one invocation, by kind (DAC `/limits-invocation`; consumers and scheduled triggers with `timeoutSeconds: 900`). */
  runtimeSeconds: { webtrigger: 55, resolver: 25, consumer: 900, scheduled: 900 } satisfies Record<
    InvocationKind,
    number
  >,
  /** Outbound requests one invocation may make (ECO-491: the 101st answers 429 with `forge-proxy-error: FETCH_LIMIT_EXCEEDED`). */
  outboundRequestsPerInvocation: 100,
  /** Memory of one invocation (DAC `/limits-invocation`: 512 MB). */
  memoryBytesPerInvocation: 512 * 1024 * 1024,
  /**
   * Invocations a minute per installation, web triggers, consumers, scheduled triggers and resolvers together, on a
   * fixed one-minute window. The January 2026 page says 1,200 per user and 5,000 per installation, the December 2025
   * page 1,200 per installation: the stricter reading is kept.
   */
  invocationsPerMinute: 1200,
  /** Events in one push (@forge/events `MAXIMUM_EVENTS`). */
  eventsPerPush: 50,
  /** Combined size of one push, as `Buffer.byteLength(JSON.stringify(events)) / 1024` (@forge/events `MAXIMUM_PAYLOAD_SIZE_KB`). */
  pushPayloadKb: 200,
  /** Size of one event for a consumer whose `timeoutSeconds` is over 55 (DAC `/limits-async-events`). */
  eventKbForLongConsumers: 100,
  /** Events pushed a minute per installation (DAC `/limits-async-events`; taken on a sliding window, the stricter reading). */
  eventsPerMinute: 500,
  /** Size of `retryData` in a returned InvocationError (enforced by Forge since 13 November 2025). */
  retryDataBytes: 4096,
  /** Push requests across all handlers descending from one original invocation (the cyclic invocation limit). */
  pushesPerOriginatingInvocation: 1000,
  /** Longest `delayInSeconds` and `retryAfter` (@forge/events). */
  maxDelaySeconds: 900,
  /** How long an event is retried after app-level failures before it is dropped (DAC `/runtime-reference/async-events-api`). */
  retentionSeconds: 24 * 3600,
} as const;

/** Virtual milliseconds each platform call costs; the runtime's clock moves by them. */
export interface LatencyModel {
  /** One KVS request (get, set, query, batch, transaction). */
  readonly kvsMs: number;
  /** One Atlassian or Google API call. */
  readonly remoteMs: number;
  /** From a push to the delivery of its event (added to `delayInSeconds`). */
  readonly deliveryMs: number;
}

/** The fixed model of the strict-runtime issue: 30 ms a KVS request, 250 ms an API call, 1 s from push to delivery. */
export const DEFAULT_LATENCY: LatencyModel = { kvsMs: 30, remoteMs: 250, deliveryMs: 1000 };

/** No added latency: for a runtime on the system clock, where calls take the time they take. */
export const NO_LATENCY: LatencyModel = { kvsMs: 0, remoteMs: 0, deliveryMs: 0 };

/** The model with every latency multiplied by `factor` (`bench:forge --slow` doubles them). */
export function scaledLatency(model: LatencyModel, factor: number): LatencyModel {
  return { kvsMs: model.kvsMs * factor, remoteMs: model.remoteMs * factor, deliveryMs: model.deliveryMs * factor };
}
