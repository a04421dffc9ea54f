/**
 * Is the installation context what the app assumes, and does it name the workspace the app syncs to? The app reads
 * the workspace UUID out of `ari:cloud:bitbucket::workspace/<uuid>` (src/admin/workspace-admin.ts), fills an empty
 * target with `{uuid}` as the Bitbucket workspace and the ARI as the Admin API's resource id, and the resolvers
 * refuse any call whose context does not parse. The check records the context as it came, asks Bitbucket for
 * `{uuid}` with the saved credentials (one outbound request), and compares the answer with the settings' target.
 */
import type { SyncTransport } from '../../sync/sync-connection';
import { workspaceUuidOf } from '../../admin/workspace-admin';
import type { DiagnosticStep } from '../../shared/diagnostics-api';
import type { SyncSettings } from '../../sync/settings';
import { expandPath } from '../../targets/http/api-operation';
import type { CheckOutcome } from './check-outcome';
import { bitbucketAuthorization, probe, shownUrl } from './http-probe';

/** The form the app assumes. */
export const ASSUMED_CONTEXT_FORM = 'ari:cloud:bitbucket::workspace/<uuid>';

/** A workspace UUID without braces, lower-cased. */
function bare(uuid: string): string {
  return uuid.replace(/^\{|\}$/g, '').toLowerCase();
}

function readWorkspace(body: string): { uuid?: string; slug?: string } {
  try {
    const parsed = JSON.parse(body) as { uuid?: unknown; slug?: unknown };
    return {
      ...(typeof parsed.uuid === 'string' ? { uuid: parsed.uuid } : {}),
      ...(typeof parsed.slug === 'string' ? { slug: parsed.slug } : {}),
    };
  } catch {
    return {};
  }
}

/** Runs the check for the context the resolver was called with. */
export async function checkInstallContext(
  transport: SyncTransport,
  target: SyncSettings['target'],
  installContext: unknown,
): Promise<CheckOutcome> {
  const raw = typeof installContext === 'string' ? installContext : JSON.stringify(installContext ?? null);
  const uuid = workspaceUuidOf(installContext);
  const steps: DiagnosticStep[] = [
    {
      name: 'Form of installContext',
      ok: uuid !== undefined,
      detail: `${raw.slice(0, 200)}${uuid ? '' : ` is not ${ASSUMED_CONTEXT_FORM}`}`,
    },
  ];
  if (!uuid)
    return {
      verdict: 'differs',
      finding: 'unexpected-form',
      observed: `The installation context is ${raw.slice(0, 200)}, not ${ASSUMED_CONTEXT_FORM}.`,
      steps,
    };

  const credentials = await transport.credentials();
  if (!credentials)
    return {
      verdict: 'inconclusive',
      finding: 'no-credentials',
      observed: `The context has the assumed form (${raw}); without saved credentials Bitbucket was not asked about {${uuid}}.`,
      steps,
    };
  const url = `${transport.baseUrls().bitbucket}/2.0${expandPath('/workspaces/{workspace}', { workspace: `{${uuid}}` })}`;
  const answer = await probe(transport.fetch, url, {
    authorization: bitbucketAuthorization(credentials.bitbucketEmail, credentials.bitbucketApiToken),
  });
  if (
    answer.kind !== 'answered' ||
    answer.proxyError !== undefined ||
    (answer.status !== 200 && answer.status !== 404)
  ) {
    const what =
      answer.kind === 'answered'
        ? `${answer.status}${answer.proxyError ? ` ${answer.proxyError}` : ''}`
        : answer.detail;
    steps.push({ name: 'Bitbucket knows {uuid}', ok: false, detail: `GET ${shownUrl(url)}: ${what}` });
    return {
      verdict: 'inconclusive',
      finding: 'not-asked',
      observed: `Bitbucket could not be asked about {${uuid}} (${what}).`,
      steps,
    };
  }
  const found = answer.status === 200 ? readWorkspace(answer.body) : {};
  const known = answer.status === 200 && found.uuid !== undefined && bare(found.uuid) === uuid;
  steps.push({
    name: 'Bitbucket knows {uuid}',
    ok: known,
    detail: known
      ? `GET ${shownUrl(url)} answered workspace ${found.slug ?? '?'}`
      : `GET ${shownUrl(url)} answered ${answer.status}${found.uuid ? ` for workspace ${found.uuid}` : ''}`,
  });
  if (!known)
    return {
      verdict: 'differs',
      finding: 'unknown-workspace',
      observed: `Bitbucket does not know the workspace {${uuid}} the installation context names (it answered ${answer.status}).`,
      steps,
    };

  const names = new Set([`{${uuid}}`, uuid, found.slug ?? ''].map((name) => name.toLowerCase()));
  const same = target.workspace === '' || names.has(target.workspace.toLowerCase());
  steps.push({
    name: 'It is the workspace the app syncs to',
    ok: same,
    detail:
      target.workspace === ''
        ? "No target workspace is set yet; the app adopts the installation's"
        : `The settings name ${target.workspace}`,
  });
  const ari = `ari:cloud:bitbucket::workspace/${uuid}`;
  const sameResource = target.workspaceResourceId === '' || target.workspaceResourceId.toLowerCase() === ari;
  steps.push({
    name: 'Its ARI is the Bitbucket resource id',
    ok: sameResource,
    detail:
      target.workspaceResourceId === ''
        ? 'No resource id is set yet; the app adopts the ARI'
        : `The settings name ${target.workspaceResourceId}`,
  });
  if (!same)
    return {
      verdict: 'differs',
      finding: 'other-workspace',
      observed: `The app is set to sync workspace ${target.workspace}, not ${found.slug ?? `{${uuid}}`}, the workspace this installation belongs to.`,
      steps,
    };
  if (!sameResource)
    return {
      verdict: 'differs',
      finding: 'other-resource',
      observed: `The app grants access on ${target.workspaceResourceId}, not ${ari}, the workspace this installation belongs to.`,
      steps,
    };
  return {
    verdict: 'as-assumed',
    finding: 'confirmed',
    observed: `The context is ${raw}; Bitbucket knows {${uuid}} as ${found.slug ?? 'the workspace'}, the one the app syncs to.`,
    steps,
  };
}
