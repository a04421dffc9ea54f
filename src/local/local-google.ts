/**
 * Google Workspace on the local host: the pull (src/sources/create-pull.ts) on the local Forge runtime, its queue
 * consumer and its schedule (run by the five-minute trigger, src/local/local-schedules.ts), and, with the emulated
 * Atlassian APIs, the emulated Google Workspace (emulators/google) served at /emulated/google with a seeded account.
 * Its service account key is generated once and kept in the store's secret storage, registered with the emulator at
 * every start, and used when no key was uploaded, impersonating the seeded admin: choosing Google Workspace as the
 * source on the Set-up page is then enough to try a pull. An uploaded key is registered with the emulator too (it stands for Google accepting it).
 */
import {
  GOOGLE_PREFIX,
  GoogleWorkspaceEmulator,
  newServiceAccountKey,
  SEEDED_GOOGLE_ADMIN,
  seedGoogleDomain,
  systemClock,
  type GoogleSeedOptions,
  type ServiceAccountKeyFile,
} from '../../emulators';
import type { AppParts } from '../app/create-app';
import type { SyncParts } from '../app/create-sync';
import type { ScheduledHandler } from '../forge/five-minute';
import { makePullSchedule, makePullWorker, pullQueue } from '../forge/pull-worker';
import { createPull, PULL_QUEUE_KEY, type PullParts } from '../sources/create-pull';
import { parseServiceAccountKey } from '../sources/google/service-account-key';
import type { ForgeKvs } from '../storage/kvs-port';
import { CHAINED_KICK_BUDGET } from '../sync/lineage-budget';
import type { TargetClock } from '../targets/http/target-fetch';
import type { ForgeRuntime } from './forge-runtime';

/** The secret holding the emulated account's service account key file. */
export const GOOGLE_EMULATOR_KEY_SECRET = 'local:google-emulator-key';

/** The emulated Google Workspace of a local host, when it serves the emulators. */
export async function localGoogleEmulator(
  kvs: Pick<ForgeKvs, 'getSecret' | 'setSecret'>,
  seed?: GoogleSeedOptions,
): Promise<{ emulator: GoogleWorkspaceEmulator; keyFile: ServiceAccountKeyFile }> {
  let keyFile = await kvs.getSecret<ServiceAccountKeyFile>(GOOGLE_EMULATOR_KEY_SECRET);
  if (keyFile === undefined) {
    keyFile = newServiceAccountKey('scim-sync', 'emulated-project');
    await kvs.setSecret(GOOGLE_EMULATOR_KEY_SECRET, keyFile);
  }
  const emulator = new GoogleWorkspaceEmulator({ clock: systemClock, state: seedGoogleDomain(seed) });
  emulator.registerServiceAccount(keyFile);
  return { emulator, keyFile };
}

/** What the local pull needs. */
export interface LocalPullOptions {
  readonly kvs: ForgeKvs;
  readonly runtime: ForgeRuntime;
  readonly app: AppParts;
  readonly sync: SyncParts;
  readonly clock: TargetClock;
  /** The emulated account and the URL it is served at, when the host emulates. */
  readonly emulated?: {
    readonly emulator: GoogleWorkspaceEmulator;
    readonly keyFile: ServiceAccountKeyFile;
    readonly url: string;
  };
  /** The longest delay a pushed pull event may have (a test's fast resume after a failure); default Forge's 900 s. */
  readonly maxDelaySeconds?: number;
}

/** The pull of a local host, its consumer registered, and its schedule for the five-minute trigger to run. */
export function startLocalPull(options: LocalPullOptions): {
  readonly pull: PullParts;
  readonly schedule: ScheduledHandler;
} {
  const { runtime, emulated } = options;
  const base = emulated ? `${emulated.url}${GOOGLE_PREFIX}` : undefined;
  const queue = pullQueue(runtime.queue(PULL_QUEUE_KEY));
  const cap = options.maxDelaySeconds;
  const pull = createPull({
    kvs: options.kvs,
    store: options.app.store,
    fetch: runtime.remote((url, init) => fetch(url, init)),
    clock: options.clock,
    queue: cap === undefined ? queue : (delaySeconds) => queue(Math.min(cap, delaySeconds)),
    breaker: options.sync.breaker,
    syncSettings: () => options.sync.settings.get(),
    // As on Forge (src/forge/forge-app.ts): a pull's invocation is no origin, so its kick gets a small budget.
    afterWrites: () => options.sync.dispatcher.kick(CHAINED_KICK_BUDGET),
    auditLog: options.app.auditLog,
    ...(emulated && base
      ? {
          google: {
            tokenUrl: `${base}/token`,
            baseUrl: base,
            fallbackKey: async () => parseServiceAccountKey(JSON.stringify(emulated.keyFile)),
            fallbackSubject: SEEDED_GOOGLE_ADMIN,
          },
        }
      : {}),
  });
  if (emulated) {
    // An uploaded key stands for one Google accepts: the emulator learns it before the pull uses it.
    const saveKey = pull.sources.saveKey.bind(pull.sources);
    pull.sources.saveKey = async (fileText) => {
      const summary = await saveKey(fileText);
      const key = await pull.sources.key();
      if (key)
        emulated.emulator.registerServiceAccount({
          client_email: key.clientEmail,
          client_id: key.clientId,
          private_key_id: key.privateKeyId,
          private_key: key.privateKey,
        });
      return summary;
    };
    void pull.sources.key().then((key) => {
      if (key)
        emulated.emulator.registerServiceAccount({
          client_email: key.clientEmail,
          client_id: key.clientId,
          private_key_id: key.privateKeyId,
          private_key: key.privateKey,
        });
    });
  }
  const getPull = async (): Promise<PullParts> => pull;
  runtime.consume(PULL_QUEUE_KEY, makePullWorker(getPull));
  return { pull, schedule: makePullSchedule(getPull) };
}
