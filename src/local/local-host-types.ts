/**
 * What a local host is started with (its options, most of them test switches) and what a started one hands back
 * (its URLs, keys, parts and `close`).
 */
import type { AppParts } from '../app/create-app';
import type { SyncParts, TargetCredentials } from '../app/create-sync';
import type { AdoptOutcome } from '../auth/bearer-tokens';
import type { ScimLogger } from '../scim/error-response';
import type { PullParts } from '../sources/create-pull';
import type { LocalKvsService, TransactionConditionMode } from '../storage/local-kvs';
import type { EngineAudit } from '../sync/engine-ports';
import type { DeliveryOptions, ForgeRuntime, RuntimeMode } from './forge-runtime';
import type { SettingsFileReport } from './settings-file';
import type {
  GoogleSeedOptions,
  GoogleWorkspaceEmulator,
  LinkedEmulatorOptions,
  LinkedEmulators,
} from '../../emulators';

/** Options of the local host. */
export interface LocalHostOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** The key file secrets in dataDir are encrypted under (default DATA_KEY_FILE, else ~/.config/bitbucket-scim-sync/data.key). */
  readonly dataKeyFile?: string;
  /**
   * A token chosen by the operator (SCIM_BEARER_TOKEN), adopted once (BearerTokens.adopt): its hash is stored unless
   * it was revoked or rotated out before or two tokens are valid already; without it a token is generated on first start.
   */
  readonly bearerToken?: string;
  /** `lenient` or `strict-rfc`, pinned (SCIM_PROFILE); without it the settings' `scimProfile` applies. */
  readonly profile?: string;
  /** The manifest whose `app.storage.entities` the local KVS enforces. */
  readonly manifestPath?: string;
  readonly logger?: ScimLogger;
  /** fsync every write (power-loss durability); off by default, an acknowledged write survives kill -9 either way. */
  readonly fsync?: boolean;
  /** Real Atlassian credentials; without them the host serves and uses the emulators. */
  readonly atlassian?: TargetCredentials;
  /** Base URLs the clients call with `atlassian` credentials instead of Atlassian's (emulators run as a process of their own). */
  readonly targetBaseUrls?: { readonly admin?: string; readonly bitbucket?: string };
  /** A settings document merged over the stored settings at start, only the fields it names (SETTINGS_FILE). */
  readonly settingsFile?: string;
  /** How often the reconcile runs (Forge: hourly); 0 switches it off. */
  readonly reconcileIntervalMs?: number;
  /**
   * How often the five-minute trigger runs its jobs, the pull schedule, the access review's step and the sync sweep
   * (Forge: every five minutes, src/local/local-schedules.ts); 0 switches it off.
   */
  readonly fiveMinuteIntervalMs?: number;
  /** Delivery semantics of the runtime's queue (tests: duplicates, shuffling). */
  readonly queue?: Omit<DeliveryOptions, 'onError'>;
  /** How the local Forge runtime answers a breach of Forge's limits (default `record` until the app fits them). */
  readonly runtimeMode?: RuntimeMode;
  /** Where the engine records its changes. */
  readonly audit?: EngineAudit;
  /** Seed of the emulators' fault injection (tests). */
  readonly emulatorSeed?: number;
  /** The clients' clock (tests pass one whose sleep returns at once, so retries and backoff cost no wall time). */
  readonly targetClock?: { now(): number; sleep(ms: number): Promise<void> };
  /** Seconds before a batch's retryable failures are tried again (default 60). */
  readonly retryDelaySeconds?: number;
  /** Seconds without group changes before permission sync runs (default 5 locally; Forge waits 30). */
  readonly permissionQuietSeconds?: number;
  /** The dispatcher's kick window and first drain delay in seconds (defaults 10 and 2; tests shorten them). */
  readonly kick?: { readonly windowSeconds: number; readonly drainDelaySeconds: number };
  /** The key the admin page's local bridge requires (ADMIN_KEY); generated and kept in the store when absent. */
  readonly adminKey?: string;
  /** The built admin page (default static/admin/dist). */
  readonly adminStaticDir?: string;
  /** The key the served emulators require (local-secrets.ts); generated and kept in the store when absent. */
  readonly emulatorKey?: string;
  /**
   * Pins whether the runtime counts KVS requests as outbound requests; without it the stored Diagnostics verdict
   * decides, and until there is one they count (src/diagnostics/verdicts.ts).
   */
  readonly storageCountsAsOutbound?: boolean;
  /** Test switch of the runtime: the URLs `fetch` may reach (default all). */
  readonly egressAllowed?: (url: string) => boolean;
  /** Test switch of the local KVS service: how transaction conditions are evaluated (default `evaluated`). */
  readonly transactionConditions?: TransactionConditionMode;
  /** Test switches of the emulators (for instance `groupSlugOf`). */
  readonly emulators?: Pick<LinkedEmulatorOptions, 'groupSlugOf' | 'groupsNeedBitbucketRole'>;
  /**
   * The installation context the admin bridge gives every call (Forge's `installContext`); default the emulated
   * workspace's ARI with the emulators, LOCAL_INSTALL_CONTEXT otherwise.
   */
  readonly installContext?: string;
  /** The emulated Google Workspace account (default: seedGoogleDomain's 40 users and 6 groups). */
  readonly googleSeed?: GoogleSeedOptions;
  /** Test switch: the longest a pull waits before resuming after a failure (default: what the pull asks, up to Forge's 900 s). */
  readonly pullRetryDelaySeconds?: number;
}

/** A running local host. */
export interface LocalHost {
  readonly url: string;
  readonly scimBaseUrl: string;
  /** The token generated on this start, shown once; undefined when one already existed or was given. */
  readonly generatedToken: string | undefined;
  /** What became of `bearerToken`, when one was given. */
  readonly bearerTokenOutcome: AdoptOutcome | undefined;
  readonly app: AppParts;
  readonly kvs: LocalKvsService;
  readonly sync: SyncParts;
  /** The local Forge runtime the host's invocations, storage and queue run on. */
  readonly runtime: ForgeRuntime;
  /** The emulated Atlassian APIs, when no real credentials were given. */
  readonly emulators: LinkedEmulators | undefined;
  /** Base URLs of the emulated APIs, and where their state is served (with the admin key), when emulated. */
  readonly emulatorUrls: { admin: string; bitbucket: string; state: string } | undefined;
  /** The key the emulated APIs require (Bearer for the Admin API, Basic with the emulated admin's email for Bitbucket), when emulated. */
  readonly emulatorKey: string | undefined;
  /** The admin page's URL, with the admin key in its fragment. */
  readonly adminUrl: string;
  /** The admin page's key (the local bridge's credential). */
  readonly adminKey: string;
  /** What the settings file changed at this start, when one was given. */
  readonly settingsFileReport: SettingsFileReport | undefined;
  /** The directory pull (Google Workspace as the source). */
  readonly pull: PullParts;
  /** The emulated Google Workspace, served with the emulated Atlassian APIs. */
  readonly google: GoogleWorkspaceEmulator | undefined;
  close(): Promise<void>;
}
