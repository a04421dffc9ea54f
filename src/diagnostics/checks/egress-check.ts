/**
 * May the app's fetch reach the Admin API and Bitbucket with the credentials the admin saved? The manifest declares
 * both hosts under `permissions.external.fetch.backend`, but whether Forge lets an app call Atlassian's own API hosts
 * through `fetch` is unconfirmed (docs/notes/forge-platform.md section 8). One GET to each, through the very fetch,
 * base URLs and credentials the sync uses: two outbound requests.
 */
import type { SyncTransport } from '../../sync/sync-connection';
import type { DiagnosticStep } from '../../shared/diagnostics-api';
import { ADMIN_API_OPERATIONS } from '../../targets/admin-api/admin-api-operations';
import { expandPath } from '../../targets/http/api-operation';
import type { CheckOutcome } from './check-outcome';
import { adminAuthorization, bitbucketAuthorization, probe, shownUrl, type ProbeAnswer } from './http-probe';

/** What the check needs: the sync's transport and the target it would call. */
export interface EgressTarget {
  readonly orgId: string;
  /** The workspace as the sync addresses it (slug or `{uuid}`). */
  readonly workspace: string;
}

type Reach = 'accepted' | 'credential-refused' | 'reached' | 'refused' | 'no-answer';

function reachOf(answer: ProbeAnswer): Reach {
  if (answer.kind === 'egress-refused') return 'refused';
  if (answer.kind === 'no-answer') return 'no-answer';
  // Forge's proxy answering instead of the API: the outbound budget is no egress verdict, anything else is a refusal.
  if (answer.proxyError !== undefined) return answer.proxyError === 'FETCH_LIMIT_EXCEEDED' ? 'no-answer' : 'refused';
  if (answer.status >= 200 && answer.status < 300) return 'accepted';
  return answer.status === 401 || answer.status === 403 ? 'credential-refused' : 'reached';
}

function describe(url: string, answer: ProbeAnswer): string {
  if (answer.kind !== 'answered')
    return `GET ${shownUrl(url)}: ${answer.kind === 'egress-refused' ? 'refused by the platform' : 'no answer'} (${answer.detail})`;
  return `GET ${shownUrl(url)} answered ${answer.status}${answer.proxyError ? ` with forge-proxy-error ${answer.proxyError}` : ''}`;
}

/** Runs the check. */
export async function checkEgress(transport: SyncTransport, target: EgressTarget): Promise<CheckOutcome> {
  const credentials = await transport.credentials();
  if (!credentials)
    return {
      verdict: 'inconclusive',
      finding: 'no-credentials',
      observed: 'No credentials are saved yet, so nothing was called. Save them under Connections.',
      steps: [],
    };
  const orgId = target.orgId || credentials.orgId || '';
  const bases = transport.baseUrls();
  const probes: { api: string; url: string; authorization: string }[] = [];
  if (orgId !== '') {
    probes.push({
      api: 'Admin API',
      url: `${bases.admin}${expandPath(ADMIN_API_OPERATIONS.listDirectories.pathTemplate, { orgId })}?limit=1`,
      authorization: adminAuthorization(credentials.orgApiKey),
    });
  }
  if (target.workspace !== '') {
    probes.push({
      api: 'Bitbucket',
      url: `${bases.bitbucket}/2.0${expandPath('/workspaces/{workspace}', { workspace: target.workspace })}`,
      authorization: bitbucketAuthorization(credentials.bitbucketEmail, credentials.bitbucketApiToken),
    });
  }
  const steps: DiagnosticStep[] = [];
  const reaches: Reach[] = [];
  for (const { api, url, authorization } of probes) {
    const answer = await probe(transport.fetch, url, { authorization });
    const reach = reachOf(answer);
    reaches.push(reach);
    steps.push({ name: api, ok: reach === 'accepted' || reach === 'reached', detail: describe(url, answer) });
  }
  const missing = [
    ...(orgId === '' ? ['the organization id'] : []),
    ...(target.workspace === '' ? ['the workspace'] : []),
  ];
  if (missing.length > 0)
    steps.push({ name: 'Not called', ok: false, detail: `Not set yet: ${missing.join(' and ')}` });
  const summary = steps.map((step) => step.detail).join('; ');
  if (reaches.includes('refused'))
    return {
      verdict: 'differs',
      finding: 'refused',
      observed: `The platform refused the app's fetch: ${summary}.`,
      steps,
    };
  if (reaches.includes('no-answer'))
    return { verdict: 'inconclusive', finding: 'no-answer', observed: `No answer came back: ${summary}.`, steps };
  if (reaches.includes('credential-refused'))
    return {
      verdict: 'inconclusive',
      finding: 'credential-refused',
      observed: `The hosts were reached but refused the credentials: ${summary}.`,
      steps,
    };
  if (missing.length > 0 || reaches.includes('reached'))
    return { verdict: 'inconclusive', finding: 'partial', observed: `${summary || 'Nothing could be called'}.`, steps };
  return {
    verdict: 'as-assumed',
    finding: 'reached',
    observed: `Both APIs answered with the saved credentials: ${summary}.`,
    steps,
  };
}
