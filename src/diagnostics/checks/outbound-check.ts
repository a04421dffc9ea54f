/**
 * Do KVS requests count toward the 100 outbound requests of one invocation (ECO-491: the 101st answers 429 with
 * `forge-proxy-error: FETCH_LIMIT_EXCEEDED`)? The probe makes 101 tiny reads of one key that does not exist, one
 * after another, inside one resolver invocation: if storage counts, one of them is refused, since the invocation
 * has then made more than 100 outbound requests whatever it made before. The reads cost 101 requests and about as
 * many read units, far inside the KVS quotas (1,000 requests a second, 4,000 read units a minute), and take a few
 * seconds of the resolver's 25.
 *
 * Because a probe that was refused may have no outbound requests left, its invocation stores nothing: it answers
 * the observation signed with the installation's key, and the page hands it to `diagnostics/record`, a new
 * invocation, which checks the signature and stores the result.
 */
import { randomUUID } from 'node:crypto';
import type { TokenSigner } from '../../auth/cursor-signer';
import type { ForgeKvs } from '../../storage/kvs-port';
import type { DiagnosticStep } from '../../shared/diagnostics-api';
import { DiagnosticsError } from '../diagnostics-error';
import { describeError, type CheckOutcome } from './check-outcome';

/** Reads the probe makes: one more than the limit. */
export const PROBE_READS = 101;
/** How long a signed observation may wait for `diagnostics/record`. */
export const OBSERVATION_TTL_MS = 10 * 60_000;
/** Marks a signed payload as a probe observation, so no other signed token of the app passes for one. */
const PURPOSE = 'diagnostics-outbound-probe';

/** How a refused read was refused. */
export type RefusalKind = 'outbound-limit' | 'kvs-quota' | 'other';

/** What the probe saw: every read answered, or read number `refusedAt` refused. */
export interface ProbeObservation {
  readonly reads: number;
  readonly refusedAt?: number;
  readonly refusal?: { readonly kind: RefusalKind; readonly detail: string };
  readonly durationMs: number;
}

/**
 * What a refused read is. Forge's proxy answers the 101st request with 429 and the header `forge-proxy-error:
 * FETCH_LIMIT_EXCEEDED` (ECO-491); @forge/kvs does not read that header, so it surfaces as a ForgeKvsAPIError with
 * status 429 and no code of its own. A 429 with `RATE_LIMIT_EXCEEDED` is the KVS quota instead.
 */
export function refusalKind(error: unknown): RefusalKind {
  const details = error as { code?: unknown; message?: unknown; responseDetails?: { status?: unknown } } | undefined;
  const text = `${String(details?.code ?? '')} ${String(details?.message ?? '')}`;
  if (/FETCH_LIMIT_EXCEEDED/.test(text)) return 'outbound-limit';
  if (details?.responseDetails?.status !== 429) return 'other';
  return details.code === 'RATE_LIMIT_EXCEEDED' ? 'kvs-quota' : 'outbound-limit';
}

/** Makes the reads; never throws. */
export async function probeStorageRequests(
  kvs: Pick<ForgeKvs, 'get'>,
  now: () => number = Date.now,
): Promise<ProbeObservation> {
  const key = `diagnostics:probe:${randomUUID()}`;
  const started = now();
  for (let read = 1; read <= PROBE_READS; read += 1) {
    try {
      await kvs.get(key);
    } catch (error) {
      return {
        reads: read - 1,
        refusedAt: read,
        refusal: { kind: refusalKind(error), detail: describeError(error) },
        durationMs: now() - started,
      };
    }
  }
  return { reads: PROBE_READS, durationMs: now() - started };
}

/** The outcome an observation stands for. */
export function outboundOutcome(observation: ProbeObservation): CheckOutcome {
  const steps: DiagnosticStep[] = [
    {
      name: `${PROBE_READS} reads of one missing key in one invocation`,
      ok: true,
      detail:
        observation.refusedAt === undefined
          ? `All ${observation.reads} answered in ${observation.durationMs} ms`
          : `Read ${observation.refusedAt} was refused after ${observation.durationMs} ms: ${observation.refusal?.detail ?? ''}`,
    },
  ];
  if (observation.refusedAt === undefined) {
    return {
      verdict: 'differs',
      finding: 'not-counted',
      observed: `All ${PROBE_READS} KVS reads of one invocation were answered: storage requests do not count toward its 100 outbound requests.`,
      steps,
    };
  }
  const kind = observation.refusal?.kind ?? 'other';
  if (kind === 'outbound-limit') {
    return {
      verdict: 'as-assumed',
      finding: 'counted',
      observed: `Read ${observation.refusedAt} of the probe (after the invocation's earlier requests) was refused with 429, the outbound request limit: storage requests count.`,
      steps,
    };
  }
  const why =
    kind === 'kvs-quota' ? 'the KVS rate quota, not the outbound limit' : 'something other than the outbound limit';
  return {
    verdict: 'inconclusive',
    finding: kind === 'kvs-quota' ? 'kvs-quota' : 'error',
    observed: `Read ${observation.refusedAt} of the probe was refused by ${why} (${observation.refusal?.detail ?? ''}).`,
    steps,
  };
}

/** Signs an observation for the page to hand back. */
export function sealObservation(signer: TokenSigner, observation: ProbeObservation, at: number): string {
  return signer.sign(JSON.stringify({ p: PURPOSE, at, nonce: randomUUID(), observation }));
}

function isObservation(value: unknown): value is ProbeObservation {
  if (typeof value !== 'object' || value === null) return false;
  const { reads, refusedAt, durationMs } = value as Record<string, unknown>;
  return (
    typeof reads === 'number' &&
    typeof durationMs === 'number' &&
    (refusedAt === undefined || typeof refusedAt === 'number')
  );
}

/** The observation inside a sealed token this installation signed within OBSERVATION_TTL_MS; DiagnosticsError otherwise. */
export function openObservation(
  signer: TokenSigner,
  sealed: string,
  now: number,
): { observation: ProbeObservation; at: number } {
  const payload = signer.verify(sealed);
  let parsed: unknown;
  try {
    parsed = payload === undefined ? undefined : JSON.parse(payload);
  } catch (error) {
    throw new DiagnosticsError('The observation is not one this installation signed', { cause: error });
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (record.p !== PURPOSE || typeof record.at !== 'number' || !isObservation(record.observation))
    throw new DiagnosticsError('The observation is not one this installation signed');
  if (now - record.at > OBSERVATION_TTL_MS || record.at > now + 60_000)
    throw new DiagnosticsError('The observation is too old: run the check again');
  return { observation: record.observation, at: record.at };
}
