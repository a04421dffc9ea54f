/**
 * The Diagnostics resolvers (the DiagnosticsApi of src/shared/diagnostics-api.ts): each check runs inside the
 * installation, in its own resolver invocation so that it fits Forge's 25 s and 100 outbound requests, reads only or
 * cleans up after itself, and its result is stored with its time for the page and for the app's reactions
 * (src/diagnostics/verdicts.ts). Like every admin call, each goes through the admin calls' one guard (a workspace
 * admin only, DAC /app-context-security/; src/admin/admin-guard.ts), every payload is validated here, and errors
 * become answers in the one failure mapping (src/admin/admin-failure.ts).
 */
import { makeGuard, type Handlers } from '../admin/admin-guard';
import type { AdminApp, AdminSync } from '../admin/admin-parts';
import { optionalChoice, optionalText } from '../admin/payload';
import { AdminError, workspaceUuidOf, type WorkspacePermissionLookup } from '../admin/workspace-admin';
import {
  DIAGNOSTIC_CHECKS,
  type DiagnosticCheckId,
  type DiagnosticResult,
  type DiagnosticsApi,
  type RepositoryChoice,
} from '../shared/diagnostics-api';
import type { ForgeKvs } from '../storage/kvs-port';
import { PERMISSIONS_KEY } from '../sync/jobs';
import { expandPath } from '../targets/http/api-operation';
import type { RetryPolicy } from '../targets/http/retry-policy';
import { systemTargetClock } from '../targets/http/target-fetch';
import { assumptionOf, checkCatalog, impactOf, reactionOf } from './check-catalog';
import { describeError, type CheckOutcome } from './checks/check-outcome';
import { checkEgress } from './checks/egress-check';
import { checkGroupSlug, REPOSITORY_SLUG } from './checks/group-slug-check';
import { bitbucketAuthorization, probe } from './checks/http-probe';
import { checkInstallContext } from './checks/install-context-check';
import { checkKvsConditions } from './checks/kvs-conditions-check';
import { openObservation, outboundOutcome, probeStorageRequests, sealObservation } from './checks/outbound-check';
import { DiagnosticsError } from './diagnostics-error';
import type { DiagnosticsStore } from './diagnostics-store';

/** Retries of the clients inside a check: one more try at most, and never a long wait, in a resolver's 25 s. */
export const DIAGNOSTIC_RETRY: Partial<RetryPolicy> = { maxAttempts: 2, totalBudgetMs: 4_000, requestTimeoutMs: 8_000 };
/** How long the Admin API client looks the scratch group up after creating it. */
const GROUP_LOOKUP_MS = 6_000;
/** Repositories offered for the group-slug check: one page, one request. */
const REPOSITORY_PAGE = 100;

/** What the Diagnostics use of the app (src/app/create-app.ts, AppParts). */
export type DiagnosticsApp = Pick<AdminApp, 'store' | 'cursorSigner'>;

/** What the Diagnostics use of the sync (src/app/create-sync.ts, SyncParts): the stored results beside the admin calls' parts. */
export interface DiagnosticsSync extends Pick<
  AdminSync,
  'settings' | 'auditLog' | 'dispatcher' | 'transport' | 'connect'
> {
  /** The stored Diagnostics results the sync reacts to (src/diagnostics/verdicts.ts). */
  readonly diagnostics: DiagnosticsStore;
}

/** What the Diagnostics resolvers need from their runtime. */
export interface DiagnosticsHandlerDeps {
  readonly getApp: () => Promise<DiagnosticsApp>;
  readonly getSync: () => Promise<DiagnosticsSync>;
  /** Asks Bitbucket for the caller's workspace permission, as the caller (the same lookup as the admin calls). */
  readonly lookupPermission: WorkspacePermissionLookup;
  /** The app's storage, on which the storage checks run. */
  readonly kvs: ForgeKvs;
  /** True when the targets are the emulated Atlassian APIs: results then prove the plumbing only. */
  readonly emulated?: boolean;
  readonly now?: () => Date;
  /** Called with all results after one is stored (the local host switches its runtime's storage counting). */
  readonly onRecorded?: (results: readonly DiagnosticResult[]) => void;
}

interface Parts {
  readonly app: DiagnosticsApp;
  readonly sync: DiagnosticsSync;
  readonly installContext: unknown;
}

/** The resolver functions, testable without Forge. */
export function makeDiagnosticsHandlers(deps: DiagnosticsHandlerDeps): Handlers<DiagnosticsApi> {
  const now = deps.now ?? (() => new Date());
  // The admin calls' one guard (src/admin/admin-guard.ts), with the installation's context beside the parts.
  const guarded = makeGuard<Parts>(deps.lookupPermission, async (context) => {
    const [app, sync] = await Promise.all([deps.getApp(), deps.getSync()]);
    return { app, sync, installContext: context.installContext };
  });

  const record = async (
    sync: DiagnosticsSync,
    app: DiagnosticsApp,
    check: DiagnosticCheckId,
    outcome: CheckOutcome,
    startedAt: number,
    durationMs: number,
    extra?: unknown,
  ): Promise<DiagnosticResult> => {
    const before = (await sync.diagnostics.results()).find((result) => result.check === check);
    const result: DiagnosticResult = {
      check,
      verdict: outcome.verdict,
      finding: outcome.finding,
      impact: impactOf(check, outcome.verdict),
      assumed: assumptionOf(check),
      observed: outcome.observed,
      reaction: reactionOf(check, outcome.verdict),
      steps: outcome.steps,
      at: new Date(startedAt).toISOString(),
      durationMs,
      emulated: deps.emulated === true,
    };
    const results = await sync.diagnostics.record(result);
    await sync.auditLog.append({
      source: 'admin',
      action: 'diagnostics-run',
      target: { kind: 'Settings', id: `diagnostics:${check}` },
      outcome: 'applied',
      ...(before ? { before: { verdict: before.verdict, finding: before.finding, at: before.at } } : {}),
      after: {
        verdict: result.verdict,
        finding: result.finding,
        observed: result.observed,
        ...(extra === undefined ? {} : { trace: extra }),
      },
    });
    // A lifted refusal: what waited for the check runs again.
    if (before?.verdict === 'differs' && result.verdict !== 'differs') {
      if (check === 'group-slug') await app.store.enqueue([PERMISSIONS_KEY]);
      await sync.dispatcher.drainSoon();
    }
    deps.onRecorded?.(results);
    return result;
  };

  const run = async (
    input: Record<string, unknown>,
    { app, sync, installContext }: Parts,
  ): Promise<ReturnType<DiagnosticsApi['diagnostics/run']>> => {
    const check = optionalChoice(input, 'check', DIAGNOSTIC_CHECKS);
    if (check === undefined)
      throw new AdminError('invalid-input', `check must be one of ${DIAGNOSTIC_CHECKS.join(', ')}`);
    const started = now().getTime();
    if (check === 'storage-outbound') {
      // Loaded first: once the probe has spent the invocation's outbound requests, no storage call may be left to make.
      const signer = await app.cursorSigner();
      const observation = await probeStorageRequests(deps.kvs, () => now().getTime());
      return { kind: 'observation', sealed: sealObservation(signer, observation, started) };
    }
    let outcome: CheckOutcome;
    let trace: unknown;
    if (check === 'kvs-conditions') {
      outcome = await checkKvsConditions(deps.kvs);
    } else if (check === 'group-slug') {
      const repository = optionalText(input, 'repository', 128);
      if (repository === undefined || !REPOSITORY_SLUG.test(repository))
        throw new AdminError('invalid-input', 'repository must be the slug of a repository of the workspace');
      if (input.confirmed !== true)
        throw new AdminError(
          'invalid-input',
          'The group-slug check creates a scratch group and a grant: confirm it first (confirmed: true)',
        );
      const connected = await sync.connect({ retry: DIAGNOSTIC_RETRY, groupLookupBudgetMs: GROUP_LOOKUP_MS });
      outcome = connected.ok
        ? await checkGroupSlug(
            {
              admin: connected.admin,
              bitbucket: connected.bitbucket,
              settings: connected.settings,
              clock: sync.transport.clock ?? systemTargetClock,
            },
            repository,
            (t) => (trace = t),
          )
        : {
            verdict: 'inconclusive',
            finding: 'not-connected',
            observed: `Nothing was created: the app cannot call Atlassian yet; missing: ${connected.missing.join(', ')}.`,
            steps: [],
          };
    } else {
      const settings = await sync.settings.get();
      if (check === 'egress') {
        const uuid = workspaceUuidOf(installContext);
        outcome = await checkEgress(sync.transport, {
          orgId: settings.target.orgId,
          workspace: settings.target.workspace || (uuid ? `{${uuid}}` : ''),
        });
      } else {
        outcome = await checkInstallContext(sync.transport, settings.target, installContext);
      }
    }
    return {
      kind: 'result',
      result: await record(sync, app, check, outcome, started, now().getTime() - started, trace),
    };
  };

  return {
    'diagnostics/get': guarded(async (_payload, { sync }) => ({
      checks: checkCatalog(),
      results: await sync.diagnostics.results(),
      emulated: deps.emulated === true,
    })),
    'diagnostics/run': guarded.fields(run),
    'diagnostics/record': guarded.fields(async (input, { app, sync }) => {
      const sealed = optionalText(input, 'sealed', 8192);
      if (sealed === undefined) throw new AdminError('invalid-input', 'sealed is required');
      let opened: ReturnType<typeof openObservation>;
      try {
        opened = openObservation(await app.cursorSigner(), sealed, now().getTime());
      } catch (error) {
        if (error instanceof DiagnosticsError) throw new AdminError('invalid-input', error.message, { cause: error });
        throw error;
      }
      return record(
        sync,
        app,
        'storage-outbound',
        outboundOutcome(opened.observation),
        opened.at,
        opened.observation.durationMs,
      );
    }),
    'diagnostics/repositories': guarded(async (_payload, { sync, installContext }) => {
      const [credentials, settings] = await Promise.all([sync.transport.credentials(), sync.settings.get()]);
      const uuid = workspaceUuidOf(installContext);
      const workspace = settings.target.workspace || (uuid ? `{${uuid}}` : '');
      if (!credentials || workspace === '')
        throw new AdminError('invalid-input', 'Save the Bitbucket credentials under Connections first');
      const url = `${sync.transport.baseUrls().bitbucket}/2.0${expandPath('/repositories/{workspace}', { workspace })}?pagelen=${REPOSITORY_PAGE}`;
      const answer = await probe(sync.transport.fetch, url, {
        authorization: bitbucketAuthorization(credentials.bitbucketEmail, credentials.bitbucketApiToken),
      });
      if (answer.kind !== 'answered' || answer.status !== 200) {
        throw new AdminError(
          'invalid-input',
          `Bitbucket did not list the repositories (${answer.kind === 'answered' ? `HTTP ${answer.status}` : answer.detail})`,
        );
      }
      return repositoriesOf(answer.body);
    }),
  };
}

/** The repositories of one page of `GET /2.0/repositories/{workspace}`. */
function repositoriesOf(body: string): RepositoryChoice[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new AdminError(
      'invalid-input',
      `Bitbucket answered a repository list that is not JSON (${describeError(error)})`,
    );
  }
  const values = (parsed as { values?: unknown }).values;
  if (!Array.isArray(values)) return [];
  return values.flatMap((value: unknown): RepositoryChoice[] => {
    const repository = value as { slug?: unknown; project?: { key?: unknown } };
    if (typeof repository.slug !== 'string') return [];
    return [
      {
        slug: repository.slug,
        ...(typeof repository.project?.key === 'string' ? { projectKey: repository.project.key } : {}),
      },
    ];
  });
}
