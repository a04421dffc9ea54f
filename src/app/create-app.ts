/** Composition root shared by Forge and the local host: one App over whichever `@forge/kvs` it is given. */
import { BearerTokens } from '../auth/bearer-tokens';
import type { DirectoryStore } from '../directory/directory-store';
import type { ScimLogger } from '../scim/error-response';
import { lenientProfile, type ClientProfile } from '../scim/profile';
import { createScimService, memberMatches, type ServiceLimits } from '../scim/service';
import { KvsDirectoryStore, type ForgeKvs } from '../storage/kvs-directory-store';
import { SyncLinks } from '../sync/sync-links';
import type { App } from './app';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What the composition root needs from its runtime. */
export interface AppOptions {
  /** Forge's `kvs`, or the same @forge/kvs class over the local KVS service. */
  readonly kvs: ForgeKvs;
  readonly logger: ScimLogger;
  readonly now?: () => Date;
  readonly profile?: () => ClientProfile | Promise<ClientProfile>;
  readonly limits?: Partial<ServiceLimits>;
  /** Called after every accepted SCIM write (the sync dispatcher's kick); its failure never fails the request. */
  readonly onWrite?: () => Promise<void>;
}

/** The App plus the parts the admin resolvers, the local host and tests reach into. */
export interface AppParts extends App {
  readonly store: DirectoryStore;
  readonly tokens: BearerTokens;
}

/** Builds the App. */
export function createApp(options: AppOptions): AppParts {
  const now = options.now ?? (() => new Date());
  const store = new KvsDirectoryStore({ kvs: options.kvs, now, memberPredicate: memberMatches });
  const tokens = new BearerTokens(options.kvs, now);
  const links = new SyncLinks(options.kvs);
  const serve = createScimService({
    store,
    authenticate: (token) => tokens.verify(token),
    profile: options.profile ?? (() => lenientProfile),
    logger: options.logger,
    now,
    ...(options.limits ? { limits: options.limits } : {}),
    accountLinks: async (ids) => {
      const found = await links.getMany(ids.map((id) => `User.${id}`));
      const out = new Map<string, { accountId?: string; syncState: string }>();
      for (const id of ids) {
        const link = found.get(`User.${id}`);
        if (link) out.set(id, { ...(link.accountId ? { accountId: link.accountId } : {}), syncState: link.state });
      }
      return out;
    },
  });
  const onWrite = options.onWrite;
  const handleScim: App['handleScim'] = async (request) => {
    const response = await serve(request);
    if (onWrite && WRITES.has(request.method.toUpperCase()) && response.status >= 200 && response.status < 300) {
      // The change and its outbox entry are stored already; a failed kick only delays the sync until the next drain.
      await onWrite().catch((error: unknown) => options.logger.error('SYNC-KICK', 'Could not schedule a sync', { error: error instanceof Error ? error.message : String(error) }));
    }
    return response;
  };
  return { handleScim, store, tokens };
}
