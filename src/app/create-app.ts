/** Composition root shared by Forge and the local host: one App over whichever `@forge/kvs` it is given. */
import { BearerTokens } from '../auth/bearer-tokens';
import type { DirectoryStore } from '../directory/directory-store';
import type { ScimLogger } from '../scim/error-response';
import { lenientProfile, type ClientProfile } from '../scim/profile';
import { createScimService, memberMatches, type ServiceLimits } from '../scim/service';
import { KvsDirectoryStore, type ForgeKvs } from '../storage/kvs-directory-store';
import type { App } from './app';

/** What the composition root needs from its runtime. */
export interface AppOptions {
  /** Forge's `kvs`, or the same @forge/kvs class over the local KVS service. */
  readonly kvs: ForgeKvs;
  readonly logger: ScimLogger;
  readonly now?: () => Date;
  readonly profile?: () => ClientProfile | Promise<ClientProfile>;
  readonly limits?: Partial<ServiceLimits>;
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
  const handleScim = createScimService({
    store,
    authenticate: (token) => tokens.verify(token),
    profile: options.profile ?? (() => lenientProfile),
    logger: options.logger,
    now,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return { handleScim, store, tokens };
}
