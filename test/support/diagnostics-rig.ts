/**
 * The Diagnostics as the admin page runs them: each check one resolver call over the local host's admin bridge
 * (so each is one invocation of the local Forge runtime, enforced), the storage probe's signed observation handed
 * to `diagnostics/record`. Used by the Diagnostics tests against the emulators.
 */
import type { LocalHostOptions } from '../../src/local/local-host';
import type {
  DiagnosticCheckId,
  DiagnosticResult,
  DiagnosticRunAnswer,
  DiagnosticsView,
} from '../../src/shared/diagnostics-api';
import { startInProcessHost, type InProcessHost } from './in-process-host';

/** The admin key the rig's hosts use. */
export const RIG_ADMIN_KEY = 'diagnostics-rig-admin-key';
/** The SCIM token the rig's hosts accept. */
export const RIG_TOKEN = 'diagnostics-rig-token';

/** A failed bridge call. */
export class BridgeCallError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeCallError';
  }
}

/** A host with the rig's key and token, and the bridge calls. */
export interface DiagnosticsRig {
  readonly started: InProcessHost;
  invoke<T>(key: string, payload?: unknown): Promise<T>;
  /** Runs one check as the page does and answers its stored result. */
  run(check: DiagnosticCheckId, extra?: { repository?: string; confirmed?: boolean }): Promise<DiagnosticResult>;
  view(): Promise<DiagnosticsView>;
  stop(): Promise<void>;
}

/** Starts an in-process host with these options (test switches included). */
export async function startDiagnosticsRig(options: Partial<LocalHostOptions> = {}): Promise<DiagnosticsRig> {
  const started = await startInProcessHost({ bearerToken: RIG_TOKEN, adminKey: RIG_ADMIN_KEY, ...options });
  const invoke = async <T>(key: string, payload: unknown = {}): Promise<T> => {
    const response = await fetch(`${started.host.url}/admin/api/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-key': RIG_ADMIN_KEY },
      body: JSON.stringify({ key, payload }),
    });
    const body = (await response.json()) as { result?: T; error?: { reason: string; message: string } };
    if (body.error) throw new BridgeCallError(body.error.reason, body.error.message);
    return body.result as T;
  };
  const run = async (
    check: DiagnosticCheckId,
    extra: { repository?: string; confirmed?: boolean } = {},
  ): Promise<DiagnosticResult> => {
    const answer = await invoke<DiagnosticRunAnswer>('diagnostics/run', { check, ...extra });
    if (answer.kind === 'result') return answer.result;
    return invoke<DiagnosticResult>('diagnostics/record', { sealed: answer.sealed });
  };
  return { started, invoke, run, view: () => invoke<DiagnosticsView>('diagnostics/get'), stop: () => started.stop() };
}
