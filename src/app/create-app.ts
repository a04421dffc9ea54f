/** Composition root shared by Forge and the local host: one App over whichever `@forge/kvs` it is given. */
import { AuthFailureLog } from '../auth/auth-failures';
import { BearerTokens } from '../auth/bearer-tokens';
import { installationSigner, type TokenSigner } from '../auth/cursor-signer';
import type { DirectoryStore } from '../directory/directory-store';
import { errorResponse, type ScimLogger } from '../scim/error-response';
import { SourceSettingsStore } from '../sources/source-settings';
import { profileNamed, type ClientProfile } from '../scim/profile';
import { createScimService, defaultServiceLimits, type ServiceLimits } from '../scim/service';
import { KvsDirectoryStore } from '../storage/kvs-directory-store';
import { throttled } from '../storage/kvs-directory/transactions';
import { isStorageThrottled, type ForgeKvs } from '../storage/kvs-port';
import { meteredKvs } from '../storage/metered-kvs';
import { budgetStorageMeter } from '../sync/call-budget';
import { DiagnosticsStore } from '../diagnostics/diagnostics-store';
import { GuardedDirectoryStore } from '../diagnostics/guarded-directory-store';
import { AuditLog, type AuditEntryInput } from '../sync/audit-log';
import { SettingsStore } from '../sync/settings-store';
import { SyncLinks } from '../sync/sync-links';
import { headerValue, type ScimRequest, type ScimResponse } from '../scim/protocol';
import { peekBody } from '../scim/request-body';
import type { ScimObject } from '../scim/resource/types';
import { bearerToken } from '../scim/authentication';
import { scimWriteOf, type ScimWrite } from '../scim/router';
import { scimActor, withAuditActor } from '../sync/audit-actor';
import { describeScimChange, presentedTokenSuffix } from './scim-change-summary';
import { IdpContactRecorder } from '../auth/idp-contact';
import { IntakeGate, membershipWriteCost } from './intake-gate';
import { recordingStore } from './recording-store';
import type { App } from './app';

/** How long a function instance keeps the settings' SCIM profile before reading it again. */
export const PROFILE_CACHE_MS = 30_000;

/**
 * The answer to an authenticated SCIM write while a pull source owns the directory (src/sources): 403, RFC 7644
 * section 3.12 ("the operation is not permitted based on the supplied authorization"), with a detail that says why
 * and where to change it, so an IdP still pushing shows the admin a clear error instead of silently diverging.
 */
export function pulledSourceRefusal(): ScimResponse {
  return errorResponse(
    403,
    "This installation's directory follows Google Workspace (Set-up > Directory source): users and groups are pulled from Google, so SCIM writes are refused. Choose SCIM push on the Set-up page to accept them again.",
  );
}

/** What the composition root needs from its runtime. */
export interface AppOptions {
  /** Forge's `kvs`, or the same @forge/kvs class over the local KVS service. */
  readonly kvs: ForgeKvs;
  readonly logger: ScimLogger;
  readonly now?: () => Date;
  /** The client profile; default: the settings' `scimProfile`, read at most every PROFILE_CACHE_MS. */
  readonly profile?: () => ClientProfile | Promise<ClientProfile>;
  readonly limits?: Partial<ServiceLimits>;
  /** Called after every accepted SCIM write (the sync dispatcher's kick); its failure never fails the request. */
  readonly onWrite?: () => Promise<void>;
  /** The audit log every SCIM write is recorded in; default: one over `kvs`. */
  readonly auditLog?: AuditLog;
  /**
   * The caller's address a failed authentication is recorded with, where the host knows one it can trust (the local
   * host's socket); Forge gives none (auth-failures.ts).
   */
  readonly failureSource?: (request: ScimRequest) => string | undefined;
  /** Runs a deferred write of failed authentications (the local host's timer; auth-failures.ts). */
  readonly scheduleFlush?: (run: () => void, ms: number) => void;
  /** Waits between tries of a contended storage write; default a timer (the local Forge runtime's clock in benchmarks). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The gate of the IdP's membership writes (src/app/intake-gate.ts); default one over `kvs`; false for none. */
  readonly intakeGate?: IntakeGate | false;
}

/** The App plus the parts the admin resolvers, the local host and tests reach into. */
export interface AppParts extends App {
  readonly store: DirectoryStore;
  readonly tokens: BearerTokens;
  readonly auditLog: AuditLog;
  /** Failed SCIM authentications per hour. */
  readonly authFailures: AuthFailureLog;
  /** The signer of opaque cursors (SCIM lists, the admin page's paging), under the installation's secret. */
  readonly cursorSigner: () => Promise<TokenSigner>;
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The audit entry of one SCIM write (source `scim`), as the router named it (src/scim/router.ts): before is the
 * stored resource, after the response or the PATCH operations; `stored` is the resource as stored after the write,
 * when the response did not carry it, so the detail can say what changed (`active: true -> false`). The request's
 * body is read through the service's checks (peekBody, `maxBodyBytes`): one the service refused is not parsed.
 */
export function scimWriteAudit(
  request: ScimRequest,
  response: ScimResponse,
  write: ScimWrite,
  before: unknown,
  stored?: ScimObject,
  maxBodyBytes: number = defaultServiceLimits.maxBodyBytes,
): AuditEntryInput {
  const operation = write.operation;
  const responseBody = parseJson(response.body) as Record<string, unknown> | undefined;
  const ok = response.status >= 200 && response.status < 300;
  const id = write.id ?? (ok && typeof responseBody?.id === 'string' ? responseBody.id : '(new)');
  const requestBody = peekBody(request, maxBodyBytes) as Record<string, unknown> | undefined;
  const after = !ok
    ? undefined
    : operation === 'delete'
      ? undefined
      : operation === 'patch'
        ? (responseBody ?? { Operations: requestBody?.Operations })
        : responseBody;
  const previous = before as ScimObject | undefined;
  const display = (responseBody?.userName ??
    responseBody?.displayName ??
    requestBody?.userName ??
    requestBody?.displayName ??
    stored?.userName ??
    stored?.displayName ??
    previous?.userName ??
    previous?.displayName) as unknown;
  const change =
    ok && (operation === 'patch' || operation === 'replace')
      ? describeScimChange(previous, (responseBody as ScimObject | undefined) ?? stored, requestBody?.Operations)
      : undefined;
  return {
    source: 'scim',
    action: `${operation}-${write.resourceType.toLowerCase()}`,
    target: { kind: write.resourceType, id, ...(typeof display === 'string' ? { display } : {}) },
    ...(write.resourceType === 'User' ? { userKey: id } : { groupKey: id }),
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
    outcome: ok ? 'applied' : 'failed',
    ...(ok
      ? change
        ? { detail: change }
        : {}
      : {
          detail: `HTTP ${response.status}: ${typeof responseBody?.detail === 'string' ? responseBody.detail : 'rejected'}`,
        }),
  };
}

/** Builds the App. */
export function createApp(options: AppOptions): AppParts {
  const now = options.now ?? (() => new Date());
  // Every storage request is counted against the running invocation's budget (src/sync/call-budget.ts).
  const kvs = meteredKvs(options.kvs, budgetStorageMeter);
  const store = new KvsDirectoryStore({ kvs, now, ...(options.sleep ? { sleep: options.sleep } : {}) });
  const tokens = new BearerTokens(kvs, now);
  const links = new SyncLinks(kvs);
  const auditLog = options.auditLog ?? new AuditLog({ kvs, now });
  const settings = new SettingsStore(kvs);
  const cursorSigner = installationSigner(kvs);
  const logFailure = (error: unknown): void =>
    options.logger.error('AUTH-FAILURES', 'Could not record failed authentications', {
      error: error instanceof Error ? error.message : String(error),
    });
  const authFailures = new AuthFailureLog({
    kvs,
    now,
    sourceKnown: options.failureSource !== undefined,
    ...(options.scheduleFlush ? { schedule: options.scheduleFlush } : {}),
    onError: logFailure,
  });
  let cachedProfile: { at: number; profile: ClientProfile } | undefined;
  const profileFromSettings = async (): Promise<ClientProfile> => {
    const at = now().getTime();
    if (!cachedProfile || at - cachedProfile.at >= PROFILE_CACHE_MS)
      cachedProfile = { at, profile: profileNamed((await settings.get()).scimProfile) };
    return cachedProfile.profile;
  };
  // The identity provider's writes meet the stored Diagnostics verdicts (src/diagnostics/verdicts.ts); the sync does not.
  const guarded = new GuardedDirectoryStore(store, DiagnosticsStore.for(options.kvs));
  const profile = options.profile ?? profileFromSettings;
  const serve = createScimService({
    store: guarded,
    authenticate: unthrottled((token: string | undefined) => tokens.verify(token)),
    profile: unthrottled(async () => profile()),
    logger: options.logger,
    cursorSigner,
    now,
    ...(options.limits ? { limits: options.limits } : {}),
    accountLinks: unthrottled(async (ids: readonly string[]) => {
      const found = await links.getMany(ids.map((id) => `User.${id}`));
      const out = new Map<string, { accountId?: string; syncState: string }>();
      for (const id of ids) {
        const link = found.get(`User.${id}`);
        if (link) out.set(id, { ...(link.accountId ? { accountId: link.accountId } : {}), syncState: link.state });
      }
      return out;
    }),
  });
  const onWrite = options.onWrite;
  const contact = new IdpContactRecorder(options.kvs, now);
  const sources = new SourceSettingsStore(kvs);
  let cachedSource: { at: number; pulled: boolean } | undefined;
  const pulledSource = async (): Promise<boolean> => {
    const at = now().getTime();
    if (!cachedSource || at - cachedSource.at >= PROFILE_CACHE_MS)
      cachedSource = { at, pulled: (await sources.get()).kind !== 'scim' };
    return cachedSource.pulled;
  };
  // The service's body limit, so that the gate prices no body the service refuses (src/scim/request-body.ts).
  const maxBodyBytes = options.limits?.maxBodyBytes ?? defaultServiceLimits.maxBodyBytes;
  const intakeGate =
    options.intakeGate === false ? undefined : (options.intakeGate ?? new IntakeGate(kvs, () => now().getTime()));
  const handleScim: App['handleScim'] = async (request) => {
    // The route's write (src/scim/router.ts): its operation, resource type and id; none for reads and unroutable requests.
    const write = scimWriteOf(request);
    // An authenticated write of a group's members first passes the intake gate (src/app/intake-gate.ts); one it holds
    // is answered 429 with Retry-After before it touches storage, and is not audited: under pressure each entry would
    // be one more write.
    const cost = write && intakeGate ? membershipWriteCost(request, write.resourceType, maxBodyBytes) : undefined;
    if (cost && intakeGate && (await tokens.verify(bearerToken(request)))) {
      // A gate that cannot read its bucket lets the write through: the write meets storage's own refusal then.
      const decision = await intakeGate.admit(cost).catch(() => ({ admitted: true }) as const);
      if (!decision.admitted)
        return errorResponse(
          429,
          'The app is taking in group members as fast as its storage quota allows; retry later',
          undefined,
          { 'retry-after': String(decision.retryAfterSeconds) },
        );
    }
    // Unauthenticated writes still get their 401 from the service; authenticated ones meet the pull source's 403.
    const refused = write !== undefined && (await pulledSource()) && (await tokens.verify(bearerToken(request)));
    // The audit's before and after are what the handlers read and wrote (src/app/recording-store.ts): no extra reads.
    const seen = recordingStore(guarded);
    const response = refused ? pulledSourceRefusal() : await serve(request, seen.store);
    const before = write?.id ? seen.firstRead(write.resourceType, write.id) : undefined;
    // Counted in memory and written at most every 10 s, so a flood of bad tokens costs no storage quota to speak of.
    if (response.status === 401) await authFailures.record(options.failureSource?.(request)).catch(logFailure);
    else {
      await authFailures.flushIfDue();
      await contact
        .record(request.method.toUpperCase(), presentedTokenSuffix(headerValue(request, 'authorization')))
        .catch((error: unknown) =>
          options.logger.error('IDP-CONTACT', 'Could not record the IdP contact', {
            error: error instanceof Error ? error.message : String(error),
          }),
        );
    }
    // Unauthenticated requests are not the IdP's writes; every routed write is, accepted or refused.
    if (write && response.status !== 401) {
      // A 204 carries no user: the version the handler wrote (or, when nothing changed, read) says what changed; a
      // group's PATCH is described by its operations.
      const stored =
        write.resourceType === 'User' &&
        write.id &&
        !response.body &&
        response.status >= 200 &&
        response.status < 300 &&
        write.operation !== 'delete'
          ? (seen.lastWritten(write.resourceType, write.id) ?? before)
          : undefined;
      await withAuditActor(scimActor(presentedTokenSuffix(headerValue(request, 'authorization'))), () =>
        auditLog.append(scimWriteAudit(request, response, write, before, stored, maxBodyBytes)),
      ).catch((error: unknown) =>
        options.logger.error('AUDIT-WRITE', 'Could not record a SCIM write in the audit log', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
    if (onWrite && write && response.status >= 200 && response.status < 300) {
      // The change and its outbox entry are stored already; a failed kick only delays the sync until the next drain.
      await onWrite().catch((error: unknown) =>
        options.logger.error('SYNC-KICK', 'Could not schedule a sync', {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
    return response;
  };
  return { handleScim, store, tokens, auditLog, authFailures, cursorSigner };
}

/**
 * A storage read the SCIM service makes beside the directory store (the token check, the client profile, the account
 * links), answering a storage quota breach as the store answers one (src/storage/kvs-directory-store.ts): as
 * DirectoryError('throttled'), which the service answers 429 with Retry-After. The token check met Forge's 1,000
 * requests a second in an IdP's burst and answered 500 (test/local/forge-runtime/todays-findings.test.ts, under load).
 */
function unthrottled<A extends unknown[], R>(read: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await read(...args);
    } catch (error) {
      throw isStorageThrottled(error) ? throttled(error) : error;
    }
  };
}
