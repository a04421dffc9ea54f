/**
 * The Bitbucket reads of an access review, one page per call so a caller can stop after any page and resume from
 * the `next` link it kept: the workspace's repositories (with `is_private` and project) and projects, its admins
 * (`GET /workspaces/{workspace}/permissions` with `permission="owner"`), its members, the explicit group and user
 * grants of each repository and project (`permissions-config/groups|users`) and the effective listing
 * (`GET /workspaces/{workspace}/permissions/repositories`); and the one write of the leaver clean-up, removing a
 * direct user grant. Basic authentication with the workspace admin's API token, as BitbucketClient; which principal
 * reads is explained in docs/notes/access-review.md.
 */
import type { ApiOperation } from '../http/api-operation';
import { apiOperation } from '../http/api-operation';
import { RequestExecutor } from '../http/request-executor';
import type { JsonRecord } from '../http/response-shape';
import {
  asRecord,
  decodeBody,
  oneOf,
  optionalBoolean,
  optionalRecord,
  optionalString,
  requiredString,
} from '../http/response-shape';
import type { RetryPolicy } from '../http/retry-policy';
import type { TargetClock, TargetFetch } from '../http/target-fetch';
import type { BitbucketCredentials } from './bitbucket-client';
import { BITBUCKET_BASE_URL, BITBUCKET_OPERATIONS, bitbucketAuthorization } from './bitbucket-client';
import { readPage } from './bitbucket-shapes';

const REPOSITORY = '/repositories/{workspace}/{repo_slug}';
const PROJECT = '/workspaces/{workspace}/projects/{project_key}';

/** Every Bitbucket operation of the access review, relative to https://api.bitbucket.org/2.0 (the listings permission sync reads too are its own). */
export const ACCESS_READ_OPERATIONS = {
  listRepositories: BITBUCKET_OPERATIONS.listRepositories,
  listProjects: BITBUCKET_OPERATIONS.listProjects,
  listWorkspacePermissions: apiOperation('GET', '/workspaces/{workspace}/permissions'),
  listMembers: BITBUCKET_OPERATIONS.listWorkspaceMembers,
  listEffectivePermissions: apiOperation('GET', '/workspaces/{workspace}/permissions/repositories'),
  listRepositoryGroupPermissions: BITBUCKET_OPERATIONS.listRepositoryGroupPermissions,
  listRepositoryUserPermissions: apiOperation('GET', `${REPOSITORY}/permissions-config/users`),
  listProjectGroupPermissions: BITBUCKET_OPERATIONS.listProjectGroupPermissions,
  listProjectUserPermissions: apiOperation('GET', `${PROJECT}/permissions-config/users`),
  deleteRepositoryUserPermission: apiOperation('DELETE', `${REPOSITORY}/permissions-config/users/{selected_user_id}`),
  deleteProjectUserPermission: apiOperation('DELETE', `${PROJECT}/permissions-config/users/{selected_user_id}`),
} as const satisfies Record<string, ApiOperation>;

/** A repository or project. */
export interface AccessTarget {
  readonly type: 'repository' | 'project';
  readonly id: string;
}

/** What each listing yields per item. */
export interface AccessListingItems {
  readonly repositories: { readonly slug: string; readonly projectKey?: string; readonly isPrivate: boolean };
  readonly projects: { readonly key: string };
  readonly admins: { readonly accountId: string; readonly displayName: string };
  readonly members: { readonly accountId: string; readonly displayName: string };
  readonly effective: {
    readonly repository: string;
    readonly accountId: string;
    readonly level: 'read' | 'write' | 'admin';
  };
  readonly 'group-grants': { readonly groupSlug: string; readonly groupName: string; readonly level: string };
  readonly 'user-grants': { readonly accountId: string; readonly displayName: string; readonly level: string };
}

/** One listing to page through. */
export type AccessListing =
  | { readonly list: 'repositories' | 'projects' | 'admins' | 'members' | 'effective' }
  | { readonly list: 'group-grants' | 'user-grants'; readonly target: AccessTarget };

/** One page: its items and the link to the next, absent on the last. */
export interface AccessPage<T> {
  readonly items: readonly T[];
  readonly next?: string;
}

/** Configuration of the reader. */
export interface AccessReaderOptions {
  readonly workspace: string;
  readonly credentials: () => BitbucketCredentials | Promise<BitbucketCredentials>;
  readonly fetch: TargetFetch;
  readonly baseUrl?: string;
  readonly clock?: TargetClock;
  /**
   * Retries: by default none wait for a rate limit (a review step stops at a 429 and resumes later rather than
   * hold an invocation), transient failures are retried twice within 20 s.
   */
  readonly retry?: Partial<RetryPolicy>;
}

const LEVELS = ['read', 'write', 'admin'] as const;
const PROJECT_LEVELS = ['read', 'write', 'create-repo', 'admin'] as const;

function account(item: JsonRecord, where: string): { accountId: string; displayName: string } {
  const user = asRecord(item.user, `${where}.user`);
  // `account_id` is optional in the spec's `user`; the braced UUID stands in for it then.
  const accountId =
    optionalString(user, 'account_id', `${where}.user`) ?? requiredString(user, 'uuid', `${where}.user`);
  return { accountId, displayName: optionalString(user, 'display_name', `${where}.user`) ?? accountId };
}

const READERS: {
  readonly [K in keyof AccessListingItems]: (item: JsonRecord, where: string) => AccessListingItems[K] | undefined;
} = {
  repositories: (item, where) => {
    const project = optionalRecord(item, 'project', where);
    const projectKey = project === undefined ? undefined : requiredString(project, 'key', `${where}.project`);
    // A repository that does not say is treated as private: nothing is opened up by a missing field.
    const isPrivate = optionalBoolean(item, 'is_private', where) ?? true;
    return {
      slug: requiredString(item, 'slug', where),
      ...(projectKey !== undefined ? { projectKey } : {}),
      isPrivate,
    };
  },
  projects: (item, where) => ({ key: requiredString(item, 'key', where) }),
  admins: (item, where) => (optionalString(item, 'permission', where) === 'owner' ? account(item, where) : undefined),
  members: (item, where) => account(item, where),
  effective: (item, where) => {
    const repository = asRecord(item.repository, `${where}.repository`);
    const fullName = optionalString(repository, 'full_name', `${where}.repository`);
    const slug =
      fullName !== undefined && fullName.includes('/')
        ? fullName.slice(fullName.indexOf('/') + 1)
        : requiredString(repository, 'name', `${where}.repository`);
    const permission = requiredString(item, 'permission', where);
    if (permission === 'none') return undefined;
    return {
      repository: slug,
      accountId: account(item, where).accountId,
      level: oneOf(permission, LEVELS, `${where}.permission`),
    };
  },
  'group-grants': (item, where) => {
    const permission = requiredString(item, 'permission', where);
    if (permission === 'none') return undefined;
    const group = asRecord(item.group, `${where}.group`);
    return {
      groupSlug: requiredString(group, 'slug', `${where}.group`),
      groupName: optionalString(group, 'name', `${where}.group`) ?? '',
      level: oneOf(permission, PROJECT_LEVELS, `${where}.permission`),
    };
  },
  'user-grants': (item, where) => {
    const permission = requiredString(item, 'permission', where);
    if (permission === 'none') return undefined;
    return { ...account(item, where), level: oneOf(permission, PROJECT_LEVELS, `${where}.permission`) };
  },
};

/** Reads the access review's listings a page at a time; see the module comment. */
export class BitbucketAccessReader {
  private readonly http: RequestExecutor;

  constructor(private readonly options: AccessReaderOptions) {
    this.http = new RequestExecutor({
      baseUrl: options.baseUrl ?? BITBUCKET_BASE_URL,
      pathPrefix: '/2.0',
      fetch: options.fetch,
      authorization: () => bitbucketAuthorization(options.credentials),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      retry: { maxAttempts: 3, totalBudgetMs: 20_000, requestTimeoutMs: 20_000, ...options.retry },
      maxConcurrency: 1,
    });
  }

  /** Reads one page of a listing: the first one, or the one `next` names (a link an earlier page gave). */
  async page<L extends AccessListing>(listing: L, next?: string): Promise<AccessPage<AccessListingItems[L['list']]>> {
    const { operation, pathParams, query } = this.request(listing);
    const response = await this.http.execute(
      next === undefined ? { operation, pathParams, query: { ...query, pagelen: 100 } } : { operation, url: next },
    );
    const read = READERS[listing.list] as (
      item: JsonRecord,
      where: string,
    ) => AccessListingItems[L['list']] | undefined;
    const page = decodeBody(operation, response.status, response.body, (body) => readPage(body, read));
    return page.next === undefined ? { items: page.items } : { items: page.items, next: page.next };
  }

  /** Removes a person's direct grant on a repository or project ("if one exists": no grant is still a 204). */
  async deleteUserGrant(target: AccessTarget, accountId: string): Promise<void> {
    const operation =
      target.type === 'repository'
        ? ACCESS_READ_OPERATIONS.deleteRepositoryUserPermission
        : ACCESS_READ_OPERATIONS.deleteProjectUserPermission;
    const where: Record<string, string> =
      target.type === 'repository' ? { repo_slug: target.id } : { project_key: target.id };
    await this.http.execute({
      operation,
      pathParams: { workspace: this.options.workspace, ...where, selected_user_id: accountId },
      unsafeToRepeat: true,
    });
  }

  private request(listing: AccessListing): {
    operation: ApiOperation;
    pathParams: Record<string, string>;
    query: Record<string, string>;
  } {
    const workspace = { workspace: this.options.workspace };
    switch (listing.list) {
      case 'repositories':
        return {
          operation: ACCESS_READ_OPERATIONS.listRepositories,
          pathParams: workspace,
          query: { fields: 'next,values.slug,values.is_private,values.project.key' },
        };
      case 'projects':
        return {
          operation: ACCESS_READ_OPERATIONS.listProjects,
          pathParams: workspace,
          query: { fields: 'next,values.key' },
        };
      case 'admins':
        return {
          operation: ACCESS_READ_OPERATIONS.listWorkspacePermissions,
          pathParams: workspace,
          query: { q: 'permission="owner"' },
        };
      case 'members':
        return {
          operation: ACCESS_READ_OPERATIONS.listMembers,
          pathParams: workspace,
          query: { fields: 'next,values.user.account_id,values.user.uuid,values.user.display_name' },
        };
      case 'effective':
        return { operation: ACCESS_READ_OPERATIONS.listEffectivePermissions, pathParams: workspace, query: {} };
      case 'group-grants':
      case 'user-grants': {
        const { target } = listing;
        const repository = target.type === 'repository';
        const operation =
          listing.list === 'group-grants'
            ? repository
              ? ACCESS_READ_OPERATIONS.listRepositoryGroupPermissions
              : ACCESS_READ_OPERATIONS.listProjectGroupPermissions
            : repository
              ? ACCESS_READ_OPERATIONS.listRepositoryUserPermissions
              : ACCESS_READ_OPERATIONS.listProjectUserPermissions;
        return {
          operation,
          pathParams: { ...workspace, ...(repository ? { repo_slug: target.id } : { project_key: target.id }) },
          query: {},
        };
      }
    }
  }
}
