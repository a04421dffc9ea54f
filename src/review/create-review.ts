/**
 * Composition of the access review (src/review), shared by Forge and the local host: its store on the app's
 * metered key-value store, what the app knows (links, directory, settings, the token's usage), the Bitbucket reads
 * over the sync's transport and stored credentials (the workspace admin's token, docs/notes/access-review.md), and the
 * Admin API reads of group members through the sync's own connection. It lives with the review, as the pull's lives with
 * the sources (src/sources/create-pull.ts), so the admin calls (src/admin) build it over the parts they are given.
 */
import type { DirectoryStore } from '../directory/directory-store';
import type { ForgeKvs } from '../storage/kvs-port';
import { spendCall } from '../sync/call-budget';
import type { SettingsStore } from '../sync/settings-store';
import type { ConnectedTargets, SyncTransport } from '../sync/sync-connection';
import type { SyncLinks } from '../sync/sync-links';
import { TokenUsage } from '../sync/token-usage';
import { BitbucketAccessReader } from '../targets/bitbucket/access-reads';
import type { TargetFetch } from '../targets/http/target-fetch';
import { appKnowledge, type AppKnowledge } from './app-knowledge';
import { ReviewRunner } from './review-runner';
import { ReviewStore } from './review-store';

/** What the review reads of the app's directory (src/app/create-app.ts, AppParts). */
export interface ReviewApp {
  readonly store: DirectoryStore;
}

/** What the review uses of the sync's parts (src/app/create-sync.ts, SyncParts). */
export interface ReviewSync {
  /** The app's key-value store, metered against the invocation's budget: the review keeps its records here. */
  readonly kvs: ForgeKvs;
  /** Bitbucket requests permission runs made with the admin's token in the last hour. */
  readonly tokenUsage: TokenUsage;
  readonly links: SyncLinks;
  readonly settings: SettingsStore;
  /** The fetch, base URLs, credentials and clock the sync's clients run on. */
  readonly transport: SyncTransport;
  /** The remote ports over the stored settings and credentials (the Admin API reads of group members). */
  connect(): Promise<ConnectedTargets>;
}

/** The review's parts. */
export interface ReviewParts {
  readonly store: ReviewStore;
  readonly runner: ReviewRunner;
  readonly knowledge: AppKnowledge;
  /** The Bitbucket reader (and the clean-up's delete) over the stored credentials; undefined until they are saved. */
  reader(): Promise<BitbucketAccessReader | undefined>;
}

const built = new WeakMap<ReviewSync, ReviewParts>();

/** Returns the review's parts for this app and sync (built once per sync). */
export function reviewParts(app: ReviewApp, sync: ReviewSync): ReviewParts {
  const cached = built.get(sync);
  if (cached !== undefined) return cached;
  // The review keeps time by the clock the app's outbound clients run on (a test's virtual hours pass on it too), and
  // reads permission sync's ledger of the token's hour by that clock.
  const clock = sync.transport.clock;
  const store = new ReviewStore(sync.kvs);
  const usage = clock !== undefined ? new TokenUsage(sync.kvs, () => clock.now()) : sync.tokenUsage;
  const knowledge = appKnowledge(sync.links, app.store, sync.settings, usage);
  // Counted against the invocation's budget like every remote call of the sync (src/sync/call-budget.ts).
  const fetch: TargetFetch = (url, init) => {
    spendCall();
    return sync.transport.fetch(url, init);
  };
  const reader = async (): Promise<BitbucketAccessReader | undefined> => {
    const [credentials, settings] = await Promise.all([sync.transport.credentials(), sync.settings.get()]);
    if (credentials === undefined || settings.target.workspace === '') return undefined;
    return new BitbucketAccessReader({
      workspace: settings.target.workspace,
      credentials: () => ({ email: credentials.bitbucketEmail, apiToken: credentials.bitbucketApiToken }),
      fetch,
      baseUrl: sync.transport.baseUrls().bitbucket,
      ...(sync.transport.clock !== undefined ? { clock: sync.transport.clock } : {}),
    });
  };
  const runner = new ReviewRunner({
    ...(clock !== undefined ? { now: () => new Date(clock.now()) } : {}),
    store,
    knowledge,
    bitbucket: reader,
    admin: async () => {
      const connected = await sync.connect();
      return connected.ok ? connected.admin : undefined;
    },
  });
  const parts: ReviewParts = { store, runner, knowledge, reader };
  built.set(sync, parts);
  return parts;
}
