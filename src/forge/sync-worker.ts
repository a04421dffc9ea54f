/**
 * The consumer of the `scim-sync` queue. Until the sync engine exists it only checks that an event is one it
 * can read and acknowledges it; the engine will plug in behind `handleSyncEvent`.
 */

/** The version of the event body this code reads; events carry it because they may outlive a deploy. */
export const SYNC_EVENT_VERSION = 1;

/** The body of a `scim-sync` event as this version of the app writes it. */
export interface SyncEventBody {
  readonly version: typeof SYNC_EVENT_VERSION;
  /** What to do; the sync engine defines the kinds. */
  readonly kind: string;
}

/** The fields of a Forge async event the worker reads (@forge/events AsyncEvent). */
export interface SyncEvent {
  readonly body?: unknown;
  readonly jobId?: string;
  readonly eventId?: string;
}

/** What the worker made of an event. */
export type SyncEventOutcome =
  | { readonly outcome: 'accepted'; readonly body: SyncEventBody }
  | { readonly outcome: 'ignored'; readonly reason: string };

/** The log code of an event the worker could not read and dropped; stable so that alerts can match it. */
export const SYNC_EVENT_IGNORED_CODE = 'SYNC_EVENT_IGNORED';

/** What the worker needs from its host. */
export interface SyncWorkerDeps {
  /** Writes one log line. */
  readonly warn: (line: string) => void;
}

/**
 * Reads an event body. A body this version cannot read is reported, not thrown: a thrown error makes Forge
 * redeliver the event for up to 24 hours (DAC /runtime-reference/async-events-api), and it would fail the
 * same way every time.
 */
export function parseSyncEventBody(body: unknown): SyncEventOutcome {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { outcome: 'ignored', reason: 'body is not an object' };
  }
  const { version, kind } = body as Record<string, unknown>;
  if (version !== SYNC_EVENT_VERSION) return { outcome: 'ignored', reason: `unsupported version ${describeValue(version)}` };
  if (typeof kind !== 'string' || kind === '') return { outcome: 'ignored', reason: 'kind is not a non-empty string' };
  return { outcome: 'accepted', body: { version, kind } };
}

/** Handles one event: reads it, logs what it dropped (ids only, never the body) and never throws. */
export function handleSyncEvent(event: SyncEvent | undefined, deps: SyncWorkerDeps): SyncEventOutcome {
  const result = parseSyncEventBody(event?.body);
  if (result.outcome === 'ignored') {
    deps.warn(`${SYNC_EVENT_IGNORED_CODE} job=${event?.jobId ?? '-'} event=${event?.eventId ?? '-'}: ${result.reason}`);
  }
  return result;
}

function describeValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}
