/** What a Diagnostics check answers before the runner adds its assumption, reaction and time (src/diagnostics/diagnostics-handlers.ts). */
import type { DiagnosticStep, DiagnosticVerdict } from '../../shared/diagnostics-api';

/** A check's observation. */
export interface CheckOutcome {
  readonly verdict: DiagnosticVerdict;
  /** One word the reactions read (src/diagnostics/verdicts.ts). */
  readonly finding: string;
  /** One or two sentences of what the installation answered. */
  readonly observed: string;
  readonly steps: readonly DiagnosticStep[];
}

/**
 * A short description of an error for the page: its name (when it says something), message, and the HTTP status
 * and code a storage error (@forge/kvs ForgeKvsAPIError) carries.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
  const { code, responseDetails } = error as { code?: unknown; responseDetails?: { status?: unknown } };
  const extra = [
    typeof responseDetails?.status === 'number' ? `HTTP ${responseDetails.status}` : '',
    typeof code === 'string' ? code : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
  return `${name}${error.message}${extra === '' ? '' : ` (${extra})`}`.slice(0, 300);
}
