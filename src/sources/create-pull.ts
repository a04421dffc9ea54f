/**
 * Composition of the pull, shared by Forge and the local host: the source settings, the Google client (pointed at
 * Google, or at the emulator locally), the pull runner over the directory store, the breaker's gate, and the queue
 * the pull's invocations travel on (`directory-pull`: each invocation pushes the next until the run is done, so a
 * pull is a chain of bounded consumer invocations). Storage and Google calls are counted against each invocation's
 * budget (src/sync/call-budget.ts), as the sync's are.
 */
import type { DirectoryStore } from '../directory/directory-store';
import type { ForgeKvs } from '../storage/kvs-port';
import { meteredKvs } from '../storage/metered-kvs';
import type { AuditLog } from '../sync/audit-log';
import { SYNC_ACTOR } from '../sync/audit-actor';
import { budgetAllows, budgetStorageMeter, CONSUMER_BUDGET, spendCall, withinBudget } from '../sync/call-budget';
import type { CircuitBreakerStore } from '../sync/circuit-breaker';
import type { SyncSettings } from '../sync/settings';
import type { TargetClock, TargetFetch } from '../targets/http/target-fetch';
import { GoogleDirectoryClient } from './google/google-directory-client';
import { GoogleReader } from './google/google-reader';
import { GoogleTokenSource } from './google/google-token-source';
import { GOOGLE_READ_ONLY_SCOPES } from './google/scopes';
import type { ServiceAccountKey } from './google/service-account-key';
import { breakerGate } from './pull/breaker-gate';
import { PullRunner, type PullMode, type PullStepResult, type PullSummary } from './pull/pull-runner';
import { PullStore } from './pull/pull-store';
import {
  configFingerprint,
  DEFAULT_GOOGLE,
  SCHEDULE_MS,
  SourceSettingsStore,
  type GoogleSourceSettings,
} from './source-settings';
import type { PullStatus, SourceCheck } from '../shared/source-types';

/** The queue a pull's invocations travel on (manifest.yml `consumer`). */
export const PULL_QUEUE_KEY = 'directory-pull';

/** The one event a pull queue carries: "advance the run in progress". */
export interface PullJob {
  readonly v: 1;
  readonly type: 'pull';
}

/** Pushes the next invocation of a run, optionally later (Forge allows 0..900 s). */
export type PullQueue = (delaySeconds: number) => Promise<void>;

/** What the pull composition needs from its runtime. */
export interface PullOptions {
  readonly kvs: ForgeKvs;
  readonly store: DirectoryStore;
  readonly fetch: TargetFetch;
  readonly clock: TargetClock;
  readonly now?: () => Date;
  readonly queue: PullQueue;
  readonly breaker: CircuitBreakerStore;
  readonly syncSettings: () => Promise<Pick<SyncSettings, 'circuitBreaker'>>;
  /** After an invocation wrote the directory: the sync dispatcher's kick. */
  readonly afterWrites?: () => Promise<void>;
  readonly auditLog?: AuditLog;
  /** Where Google is (the emulator locally), and the key and admin to use when none is stored (the local host's emulated account). */
  readonly google?: {
    readonly tokenUrl?: string;
    readonly baseUrl?: string;
    readonly fallbackKey?: () => Promise<ServiceAccountKey | undefined>;
    readonly fallbackSubject?: string;
  };
}

/** Why a pull cannot start, or undefined when it can. */
export type StartRefusal = 'not-google' | 'no-key' | 'no-admin' | 'not-approved' | undefined;

/** The admin page's data (src/shared/source-types.ts), re-exported for the source's modules. */
export type { PullStatus, SourceCheck } from '../shared/source-types';

/** The pull's parts. */
export interface PullParts {
  readonly sources: SourceSettingsStore;
  readonly runner: PullRunner;
  /** The `directory-pull` consumer: one bounded invocation of the run in progress, then the next one queued. */
  handle(): Promise<PullStepResult>;
  /** Starts a preview, or a pull that applies ("Sync now", the schedule); refused while the configuration is not approved. */
  start(
    mode: PullMode,
    trigger: string,
  ): Promise<{ readonly started: boolean; readonly refused?: StartRefusal; readonly runId?: string }>;
  /** The scheduled trigger: starts a pull when one is due, and restarts a run whose chain of invocations broke off. */
  tick(): Promise<string>;
  status(): Promise<PullStatus>;
  /** Approves the last preview when it was of the current configuration. */
  approve(): Promise<boolean>;
  /** The connection test: each check by name, what works and what is missing. */
  testConnection(): Promise<SourceCheck[]>;
}

/** A run not advanced for this long has lost its chain of invocations (a failed push); the schedule restarts it. */
const STALE_MS = 20 * 60_000;
/** How long the pull's lease lasts: past Forge's 900 s consumer limit, so a dead holder's lease outlives its invocation. */
const LEASE_SECONDS = 960;

/** Builds the pull. */
export function createPull(options: PullOptions): PullParts {
  const now = options.now ?? (() => new Date());
  const kvs = meteredKvs(options.kvs, budgetStorageMeter);
  const fetch: TargetFetch = (url, init) => {
    spendCall();
    return options.fetch(url, init);
  };
  const sources = new SourceSettingsStore(kvs);
  const pullStore = new PullStore(kvs);
  let tokens: { id: string; source: GoogleTokenSource } | undefined;

  const googleConfig = async (): Promise<{
    google: GoogleSourceSettings;
    key: ServiceAccountKey | undefined;
    subject: string;
  }> => {
    const settings = await sources.get();
    const google = settings.google ?? DEFAULT_GOOGLE;
    const key = (await sources.key()) ?? (await options.google?.fallbackKey?.());
    return { google, key, subject: google.subject || options.google?.fallbackSubject || '' };
  };
  const fingerprintNow = async (): Promise<string> => {
    const { google, key, subject } = await googleConfig();
    return configFingerprint(
      { ...google, subject },
      key === undefined
        ? undefined
        : { clientEmail: key.clientEmail, clientId: key.clientId, privateKeyId: key.privateKeyId },
    );
  };

  const runner = new PullRunner({
    store: options.store,
    pullStore,
    reader: async () => {
      const { google, key, subject } = await googleConfig();
      if (key === undefined) throw new Error('No service account key is stored');
      const id = `${key.privateKeyId}/${subject}`;
      // One token source per key and admin, kept while the function instance lives: a token serves an hour of invocations.
      if (tokens?.id !== id) {
        tokens = {
          id,
          source: new GoogleTokenSource({
            key,
            subject,
            scopes: GOOGLE_READ_ONLY_SCOPES,
            fetch,
            clock: options.clock,
            ...(options.google?.tokenUrl ? { tokenUrl: options.google.tokenUrl } : {}),
          }),
        };
      }
      const directory = new GoogleDirectoryClient({
        tokens: tokens.source,
        fetch,
        clock: options.clock,
        ...(options.google?.baseUrl ? { baseUrl: options.google.baseUrl } : {}),
      });
      return new GoogleReader({ directory, selection: google.selection, subject });
    },
    gate: breakerGate(options.breaker, options.syncSettings, now, 'Google Workspace'),
    canCall: (calls) => budgetAllows(calls),
    ...(options.afterWrites ? { afterWrites: options.afterWrites } : {}),
    now,
  });

  const audit = async (summary: PullSummary): Promise<void> => {
    if (options.auditLog === undefined || summary.mode !== 'apply') return;
    const c = summary.changes;
    const detail =
      `Google Workspace pull: ${summary.usersRead} users and ${summary.groupsRead} groups read; users +${c.usersCreated} ~${c.usersUpdated} deactivated ${c.usersDeactivated}; ` +
      `groups +${c.groupsCreated} ~${c.groupsUpdated} -${c.groupsDeleted}; members +${c.membersAdded} -${c.membersRemoved}` +
      (summary.heldDeactivations > 0
        ? `; ${summary.heldDeactivations} deactivations held by the circuit breaker`
        : '') +
      (summary.findings.outsideDomain.count > 0
        ? `; ${summary.findings.outsideDomain.count} members outside the domain skipped`
        : '');
    await options.auditLog.append({
      source: 'sync',
      action: 'directory-pull',
      actor: SYNC_ACTOR,
      target: { kind: 'Settings', id: 'directory-source' },
      outcome: summary.heldDeactivations > 0 ? 'skipped' : 'applied',
      after: summary,
      detail,
    });
  };

  const status = async (): Promise<PullStatus> => {
    const [run, lastPull, lastPreview, config, settings] = await Promise.all([
      runner.current(),
      pullStore.get<PullSummary>('last-pull'),
      pullStore.get<PullSummary>('last-preview'),
      fingerprintNow(),
      sources.get(),
    ]);
    return {
      running:
        run === undefined
          ? undefined
          : {
              id: run.id,
              mode: run.mode,
              phase: run.phase,
              startedAt: run.startedAt,
              updatedAt: run.updatedAt,
              invocations: run.invocations,
              ...(run.error ? { error: run.error } : {}),
            },
      lastPull,
      lastPreview,
      config,
      approved: settings.google?.approvedConfig === config,
    };
  };

  const start = async (
    mode: PullMode,
    trigger: string,
  ): Promise<{ started: boolean; refused?: StartRefusal; runId?: string }> => {
    const settings = await sources.get();
    if (settings.kind !== 'google-workspace') return { started: false, refused: 'not-google' };
    const { key, subject, google } = await googleConfig();
    if (key === undefined) return { started: false, refused: 'no-key' };
    if (subject === '') return { started: false, refused: 'no-admin' };
    const config = await fingerprintNow();
    if (mode === 'apply' && google.approvedConfig !== config) return { started: false, refused: 'not-approved' };
    const outcome = await runner.start(mode, trigger, config);
    if (outcome.started) await options.queue(0);
    return { started: outcome.started, runId: outcome.runId };
  };

  return {
    sources,
    runner,
    async handle() {
      const result = await withinBudget(CONSUMER_BUDGET, options.clock, async (): Promise<PullStepResult> => {
        const owner = `${now().getTime()}-${Math.random()}`;
        // A duplicated delivery finds the lease taken and leaves the run to the invocation that holds it.
        if (!(await pullStore.lease(owner, LEASE_SECONDS))) return { state: 'idle' };
        try {
          return await runner.advance();
        } finally {
          await pullStore.release();
        }
      });
      if (result.state === 'more') await options.queue(0);
      else if (result.state === 'waiting') await options.queue(Math.min(900, result.retryAfterSeconds));
      else if (result.state === 'done') await audit(result.summary);
      return result;
    },
    start,
    async tick() {
      const settings = await sources.get();
      if (settings.kind !== 'google-workspace') return 'not the source';
      const run = await runner.current();
      if (run !== undefined) {
        if (now().getTime() - Date.parse(run.updatedAt) < STALE_MS) return 'running';
        await options.queue(0);
        return 'resumed';
      }
      const last = await pullStore.get<PullSummary>('last-pull');
      const every = SCHEDULE_MS[settings.google?.schedule ?? 'hourly'];
      if (last !== undefined && now().getTime() - Date.parse(last.startedAt) < every) return 'not due';
      const outcome = await start('apply', 'schedule');
      return outcome.started ? 'started' : (outcome.refused ?? 'busy');
    },
    status,
    async testConnection() {
      const checks: SourceCheck[] = [];
      const { key, subject } = await googleConfig();
      checks.push(
        key === undefined
          ? {
              name: 'Service account key',
              ok: false,
              detail: 'No key uploaded: create a JSON key for the service account and upload it',
            }
          : {
              name: 'Service account key',
              ok: true,
              detail: `${key.clientEmail} (client id ${key.clientId}, key ${key.privateKeyId.slice(0, 8)}…)`,
            },
      );
      checks.push(
        subject === ''
          ? { name: 'Admin to impersonate', ok: false, detail: 'Name a super admin of the Google Workspace account' }
          : { name: 'Admin to impersonate', ok: true, detail: subject },
      );
      if (key === undefined || subject === '') return checks;
      const tokenSource = new GoogleTokenSource({
        key,
        subject,
        scopes: GOOGLE_READ_ONLY_SCOPES,
        fetch,
        clock: options.clock,
        ...(options.google?.tokenUrl ? { tokenUrl: options.google.tokenUrl } : {}),
      });
      const directory = new GoogleDirectoryClient({
        tokens: tokenSource,
        fetch,
        clock: options.clock,
        retry: { maxAttempts: 1 },
        ...(options.google?.baseUrl ? { baseUrl: options.google.baseUrl } : {}),
      });
      const run = async (name: string, body: () => Promise<string>): Promise<boolean> => {
        try {
          checks.push({ name, ok: true, detail: await body() });
          return true;
        } catch (error) {
          checks.push({ name, ok: false, detail: error instanceof Error ? error.message : String(error) });
          return false;
        }
      };
      if (
        !(await run(
          'Token for the admin (domain-wide delegation of the read-only scopes)',
          async () => (await tokenSource.token(), `Google issued a token for ${subject}`),
        ))
      )
        return checks;
      await run(
        'Read users (admin.directory.user.readonly)',
        async () => `${(await directory.listUsers({})).items.length} users on the first page`,
      );
      let firstGroup: string | undefined;
      await run('Read groups (admin.directory.group.readonly)', async () => {
        const page = await directory.listGroups({});
        firstGroup = page.items[0]?.id;
        return `${page.items.length} groups on the first page`;
      });
      if (firstGroup !== undefined) {
        const groupId = firstGroup;
        await run(
          'Read group members (admin.directory.group.member.readonly)',
          async () =>
            `${(await directory.listMembers(groupId, {})).items.length} members on the first page of one group`,
        );
      }
      return checks;
    },
    async approve() {
      const current = await status();
      const settings = await sources.get();
      if (current.lastPreview?.config !== current.config || settings.google === undefined) return false;
      await sources.save({ ...settings, google: { ...settings.google, approvedConfig: current.config } });
      return true;
    },
  };
}
