/**
 * The intake gate: holds the identity provider's membership writes to a share of the installation's storage quotas.
 * Forge meters storage per installation (4,000 read and 4,000 write units a minute, DAC `/limits-kvs-ce`) and tells an
 * app only by refusing it. A member PATCH of 50 costs 3 read and 4 write units (test/local/forge-runtime/
 * scim-request-reads.test.ts); an IdP sending them at 15 a second would spend 2,700 and 3,600 a minute by itself, and
 * the sync, paced to at most 2,000 plus its lanes' saved 600 (src/sync/call-budget.ts, lane-pace.ts), would take the
 * installation over. So writes that change a group's members pass this gate first: a token bucket per shard (a plain
 * key each, GCRA: the time its bucket would be empty), charged with the units the write is expected to cost. A write
 * the gate holds is answered 429 with Retry-After before it touches storage, and the IdP comes back (RFC 6585 section
 * 4; Entra and Okta honour Retry-After).
 *
 * The gate costs a read and a write of a few bytes per gated request. Shards spread concurrent requests over keys so
 * that last-writer-wins updates rarely lose a charge; the share is set below what is free to leave room for the few
 * that are lost. Creates, user writes and reads are not gated: each costs at most 2 units of either kind.
 */
import type { ScimRequest } from '../scim/protocol';
import { peekBody } from '../scim/request-body';
import type { ForgeKvs } from '../storage/kvs-port';

/**
 * Units a minute the gated writes may spend, of each kind, over all shards: with the sync's sustained 2,000 and its
 * lanes' saved 600 (src/sync/call-budget.ts, lane-pace.ts) that leaves 400 of the 4,000 for the writes not gated and
 * for charges lost to concurrent updates. bench:forge at 10,000 users with 1,600 here still took the installation
 * over its write quota while the IdP pushed members.
 */
export const INTAKE_UNITS_PER_MINUTE = 1_000;
/** Shards of the bucket: a request charges one, chosen at random, so concurrent requests rarely share a key. */
export const INTAKE_SHARDS = 8;
/** How far ahead a shard may be booked before it refuses: a burst of about 10 seconds of its rate. */
export const INTAKE_BURST_MS = 10_000;
const KEY_PREFIX = 'intake-gate:';

/** What a gated write is expected to cost: the larger of its read and write units. */
export interface IntakeCost {
  readonly units: number;
}

/** The gate's answer: admitted, or held with the seconds to wait. */
export type IntakeDecision =
  { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number };

/** Admits gated writes within INTAKE_UNITS_PER_MINUTE. */
export class IntakeGate {
  constructor(
    private readonly kvs: Pick<ForgeKvs, 'get' | 'set'>,
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
    private readonly unitsPerMinute = INTAKE_UNITS_PER_MINUTE,
  ) {}

  /** Charges `cost` to a shard, or says how long to wait when the shard is booked past its burst. */
  async admit(cost: IntakeCost): Promise<IntakeDecision> {
    const key = `${KEY_PREFIX}${Math.min(INTAKE_SHARDS - 1, Math.floor(this.random() * INTAKE_SHARDS))}`;
    const msPerUnit = 60_000 / (this.unitsPerMinute / INTAKE_SHARDS);
    const now = this.now();
    const stored = await this.kvs.get<number>(key);
    const emptyAt = Math.max(typeof stored === 'number' ? stored : 0, now);
    const next = emptyAt + Math.max(1, cost.units) * msPerUnit;
    // A shard with nothing booked admits any one write, however large (a PATCH of 1,000 members is 42 units).
    if (emptyAt > now && next - now > INTAKE_BURST_MS) {
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((next - now - INTAKE_BURST_MS) / 1000)) };
    }
    // A day is far longer than any booking lasts; the key only has to outlive the bucket.
    await this.kvs.set(key, next, { ttl: { value: 86_400, unit: 'SECONDS' } });
    return { admitted: true };
  }
}

/**
 * The cost of a SCIM write that changes a group's members, or undefined for any other request (not gated): reads
 * of the gate's bucket, the group and the members' kind markers (25 a batch), and writes of 25 membership records a
 * transaction with the group's version, the audit entry and the gate's bucket. The body is read through the SCIM
 * layer's own checks (src/scim/request-body.ts peekBody, with the service's `maxBodyBytes`): one the service refuses
 * (too large, too deep, not JSON) costs nothing here and is never parsed, and meets the service's RFC 7644 section
 * 3.12 error rather than this gate's 429.
 */
export function membershipWriteCost(
  request: ScimRequest,
  resourceType: string,
  maxBodyBytes: number,
): IntakeCost | undefined {
  if (resourceType !== 'Group' || !request.body) return undefined;
  const parsed = peekBody(request, maxBodyBytes);
  if (parsed === undefined) return undefined;
  const members = countMembers(request.method.toUpperCase(), parsed);
  if (members === 0) return undefined;
  const reads = 2 + Math.ceil(members / 25);
  const writes = Math.ceil((members + 2) / 25) + 2;
  return { units: Math.max(reads, writes) };
}

function countMembers(method: string, body: unknown): number {
  if (typeof body !== 'object' || body === null) return 0;
  const record = body as Record<string, unknown>;
  if (method === 'POST' || method === 'PUT') return Array.isArray(record.members) ? record.members.length : 0;
  if (method !== 'PATCH') return 0;
  const operations = record.Operations ?? record.operations;
  if (!Array.isArray(operations)) return 0;
  let count = 0;
  for (const operation of operations) {
    if (typeof operation !== 'object' || operation === null) continue;
    const { path, value } = operation as { path?: unknown; value?: unknown };
    const target = typeof path === 'string' ? path.toLowerCase() : '';
    if (target.startsWith('members')) count += Array.isArray(value) ? value.length : 1;
    else if (target === '' && typeof value === 'object' && value !== null) {
      const inner = (value as Record<string, unknown>).members;
      if (Array.isArray(inner)) count += inner.length;
    }
  }
  return count;
}
