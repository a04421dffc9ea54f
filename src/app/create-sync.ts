/**
 * Composition of the sync engine, shared by Forge and the local host: settings, links, the engine over the
 * real HTTP clients (pointed at Atlassian, or at the emulators locally), and the dispatcher over a job queue.
 */
import type { DirectoryStore } from '../directory/directory-store';
import type { ScimObject } from '../scim/resource/types';
import { Dispatcher, type DispatcherOptions } from '../sync/dispatcher';
import type { JobQueue } from '../sync/jobs';
import { SettingsStore, type SyncSettings } from '../sync/settings';
import { SyncEngine, type EngineAudit, type EngineSettings, type PermissionSync } from '../sync/sync-engine';
import { SyncLinks } from '../sync/sync-links';
import { compileTransform, looksLikeEmail, transformUserName, type CompiledTransform } from '../sync/username-transform';
import { AdminApiClient } from '../targets/admin-api/admin-api-client';
import { BitbucketClient } from '../targets/bitbucket/bitbucket-client';
import { groupSlugFor, orgGroupNameFor } from '../targets/group-slug';
import type { TargetFetch } from '../targets/http/target-fetch';
import type { AdminDirectory, BitbucketPermissions } from '../targets/ports';
import type { ForgeKvs } from '../storage/kvs-directory-store';

/** The secrets the targets need (kept in Forge secret storage; never returned to the UI in full). */
export interface TargetCredentials {
  readonly orgApiKey: string;
  readonly bitbucketEmail: string;
  readonly bitbucketApiToken: string;
}

/** What the sync composition needs from its runtime. */
export interface SyncOptions {
  readonly kvs: ForgeKvs;
  readonly store: DirectoryStore;
  readonly queue: JobQueue;
  readonly fetch: TargetFetch;
  /** Base URLs of the Atlassian APIs; the local host points them at the emulators. */
  readonly baseUrls?: () => { readonly admin?: string; readonly bitbucket?: string };
  readonly credentials: () => Promise<TargetCredentials | undefined>;
  readonly audit: EngineAudit;
  readonly permissions?: (bitbucket: BitbucketPermissions, settings: SyncSettings) => PermissionSync;
  readonly gate?: (settings: SyncSettings) => ((requested: number, totalUsers: number) => Promise<number>) | undefined;
  readonly clock?: { now(): number; sleep(ms: number): Promise<void> };
  readonly now?: () => Date;
  readonly dispatcher?: DispatcherOptions;
}

/** The parts of the sync the entry points use. */
export interface SyncParts {
  readonly settings: SettingsStore;
  readonly links: SyncLinks;
  readonly engine: SyncEngine;
  readonly dispatcher: Dispatcher;
}

/** The planner's and engine's view of the stored settings. */
export function engineSettings(settings: SyncSettings): EngineSettings {
  return {
    operations: settings.operations,
    deactivation: settings.deactivation,
    deletion: settings.deletion,
    dryRun: settings.dryRun,
    groupNamePrefix: settings.groupNamePrefix,
    bitbucketRoleId: settings.bitbucketRoleId,
    workspaceResourceId: settings.target.workspaceResourceId,
    permissionSync: settings.operations.permissionSync,
  };
}

function workEmail(user: ScimObject): string | undefined {
  const emails = Array.isArray(user.emails) ? user.emails.filter((e): e is ScimObject => typeof e === 'object' && e !== null && typeof e.value === 'string') : [];
  const work = emails.filter((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work');
  const chosen = work.find((e) => e.primary === true) ?? work[0] ?? emails.find((e) => e.primary === true) ?? emails[0];
  return typeof chosen?.value === 'string' ? chosen.value : undefined;
}

/** Builds the sync engine and its dispatcher. */
export function createSync(options: SyncOptions): SyncParts {
  const settingsStore = new SettingsStore(options.kvs);
  const links = new SyncLinks(options.kvs);
  let current: SyncSettings | undefined;
  let lastBitbucket: BitbucketPermissions | undefined;
  let compiled: { key: string; transform: CompiledTransform | null } | undefined;

  const transformOf = (settings: SyncSettings): CompiledTransform | null => {
    const key = JSON.stringify(settings.usernameTransform);
    if (compiled?.key !== key) compiled = { key, transform: settings.usernameTransform ? compileTransform(settings.usernameTransform) : null };
    return compiled.transform;
  };

  const engine = new SyncEngine({
    store: options.store,
    links,
    settings: async () => {
      current = await settingsStore.get();
      return engineSettings(current);
    },
    targets: async () => {
      const settings = current ?? (await settingsStore.get());
      const credentials = await options.credentials();
      const { orgId, directoryId, workspace } = settings.target;
      if (!credentials || !orgId || !directoryId || !workspace) return undefined;
      const admin: AdminDirectory = new AdminApiClient({
        orgId,
        directoryId,
        credentials: () => ({ apiKey: credentials.orgApiKey }),
        fetch: options.fetch,
        ...(options.baseUrls?.().admin ? { baseUrl: options.baseUrls().admin } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      });
      const bitbucket: BitbucketPermissions = new BitbucketClient({
        workspace,
        credentials: () => ({ email: credentials.bitbucketEmail, apiToken: credentials.bitbucketApiToken }),
        fetch: options.fetch,
        ...(options.baseUrls?.().bitbucket ? { baseUrl: options.baseUrls().bitbucket } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      });
      lastBitbucket = bitbucket;
      return { admin, bitbucket };
    },
    emailOf: (user) => {
      const settings = current;
      if (!settings) return undefined;
      if (settings.matchBy === 'work-email') return workEmail(user);
      const userName = typeof user.userName === 'string' ? user.userName : '';
      const email = transformUserName(transformOf(settings), userName);
      return looksLikeEmail(email) ? email : undefined;
    },
    naming: { orgGroupName: orgGroupNameFor, groupSlug: groupSlugFor },
    audit: options.audit,
    gate: async (requested, totalUsers) => {
      const gate = current && options.gate ? options.gate(current) : undefined;
      return gate ? gate(requested, totalUsers) : requested;
    },
    ...(options.permissions
      ? {
          permissions: {
            run: (groups, applied, dryRun) => {
              const build = options.permissions;
              if (!build || !lastBitbucket || !current) return Promise.resolve({ grants: applied, audit: [] });
              return build(lastBitbucket, current).run(groups, applied, dryRun);
            },
          } satisfies PermissionSync,
        }
      : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const dispatcher = new Dispatcher(options.store, options.kvs, options.queue, engine, options.dispatcher);
  return { settings: settingsStore, links, engine, dispatcher };
}
