/**
 * The BitbucketPermissions port over Bitbucket Cloud REST 2.0, with Basic authentication (a workspace
 * admin's Atlassian account email and scoped API token): the `permissions-config` PUT and DELETE accept
 * only that ("x-atlassian-auth-types": ["api-token"]; docs/notes/bitbucket-api.md section 3). Collections are followed
 * through their `next` links.
 */
import type { BitbucketPermissions, ProjectPermission, RepositoryPermission } from '../ports';
import { TargetError } from '../ports';
import type { ApiOperation } from '../http/api-operation';
import { apiOperation } from '../http/api-operation';
import type { QueryValue } from '../http/request-executor';
import { RequestExecutor } from '../http/request-executor';
import type { JsonRecord } from '../http/response-shape';
import { ShapeMismatch, asRecord, decodeBody, requiredString } from '../http/response-shape';
import type { TransportOptions } from '../http/target-fetch';
import {
  readMemberWithEmail,
  readPage,
  readProject,
  readProjectGroupPermission,
  readRepository,
  readRepositoryGroupPermission,
} from './bitbucket-shapes';

/** The real API's base URL (the spec's server is this plus `/2.0`); the local host passes its emulator's. */
export const BITBUCKET_BASE_URL = 'https://api.bitbucket.org';

const REPOSITORY = '/repositories/{workspace}/{repo_slug}';
const PROJECT = '/workspaces/{workspace}/projects/{project_key}';

/** Every Bitbucket operation the client can call, as path templates relative to https://api.bitbucket.org/2.0. */
export const BITBUCKET_OPERATIONS = {
  listWorkspaceMembers: apiOperation('GET', '/workspaces/{workspace}/members'),
  listProjects: apiOperation('GET', '/workspaces/{workspace}/projects'),
  listRepositories: apiOperation('GET', '/repositories/{workspace}'),
  listRepositoryGroupPermissions: apiOperation('GET', `${REPOSITORY}/permissions-config/groups`),
  putRepositoryGroupPermission: apiOperation('PUT', `${REPOSITORY}/permissions-config/groups/{group_slug}`),
  deleteRepositoryGroupPermission: apiOperation('DELETE', `${REPOSITORY}/permissions-config/groups/{group_slug}`),
  listProjectGroupPermissions: apiOperation('GET', `${PROJECT}/permissions-config/groups`),
  putProjectGroupPermission: apiOperation('PUT', `${PROJECT}/permissions-config/groups/{group_slug}`),
  deleteProjectGroupPermission: apiOperation('DELETE', `${PROJECT}/permissions-config/groups/{group_slug}`),
} as const satisfies Record<string, ApiOperation>;

/** The members endpoint accepts "up to 90" addresses in one email filter (docs/notes/bitbucket-api.md section 1). */
const EMAILS_PER_QUERY = 90;
/** A collection that runs past this many pages or repeats a link is broken, not long. */
const MAX_PAGES = 10_000;

/** A workspace admin's Atlassian account email and scoped API token. */
export interface BitbucketCredentials {
  readonly email: string;
  readonly apiToken: string;
}

/** Configuration of the client. */
export interface BitbucketClientOptions extends TransportOptions {
  /** The workspace slug (or `{uuid}`). */
  readonly workspace: string;
  /** Asked on every request, so a rotated token takes effect at once. */
  readonly credentials: () => BitbucketCredentials | Promise<BitbucketCredentials>;
  /** `pagelen` of collections, 1..100 (the documented maximum); default 100. */
  readonly pageLength?: number;
}

/** A BBQL string literal: double quotes, with backslash escapes for quotes and backslashes. */
function bbqlString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The Authorization header of a workspace admin's API token: HTTP Basic with the Atlassian account email and the
 * token (Bitbucket Cloud's API tokens, "Using API tokens"); refused before any request when either is missing.
 */
export async function bitbucketAuthorization(
  credentials: () => BitbucketCredentials | Promise<BitbucketCredentials>,
): Promise<string> {
  const { email, apiToken } = await credentials();
  if (email.trim() === '' || apiToken.trim() === '')
    throw new TargetError('unauthorized', 'No Bitbucket email and API token are configured');
  return `Basic ${Buffer.from(`${email}:${apiToken}`, 'utf8').toString('base64')}`;
}

/** The Bitbucket client; see the module comment. */
export class BitbucketClient implements BitbucketPermissions {
  private readonly http: RequestExecutor;
  private readonly pageLength: number;

  constructor(private readonly options: BitbucketClientOptions) {
    this.pageLength = options.pageLength ?? 100;
    if (!(Number.isInteger(this.pageLength) && this.pageLength >= 1 && this.pageLength <= 100))
      throw new RangeError('pageLength must be 1..100');
    this.http = new RequestExecutor({
      baseUrl: options.baseUrl ?? BITBUCKET_BASE_URL,
      pathPrefix: '/2.0',
      fetch: options.fetch,
      authorization: () => bitbucketAuthorization(options.credentials),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
    });
  }

  /** Every project of the workspace. */
  async listProjects(): Promise<{ key: string; name: string }[]> {
    // A partial response ("fields", spec narrative "Partial responses") keeps pages small.
    return this.collect(
      BITBUCKET_OPERATIONS.listProjects,
      this.workspace(),
      { fields: 'next,values.key,values.name' },
      readProject,
    );
  }

  /** Every repository of the workspace, with its project key. */
  async listRepositories(): Promise<{ slug: string; projectKey: string | undefined }[]> {
    return this.collect(
      BITBUCKET_OPERATIONS.listRepositories,
      this.workspace(),
      { fields: 'next,values.slug,values.project.key' },
      readRepository,
    );
  }

  /** Explicit group grants on a repository (`none` entries are not grants and are left out). */
  async listRepositoryGroupPermissions(
    repoSlug: string,
  ): Promise<{ groupSlug: string; permission: RepositoryPermission }[]> {
    return this.collect(
      BITBUCKET_OPERATIONS.listRepositoryGroupPermissions,
      { ...this.workspace(), repo_slug: repoSlug },
      {},
      readRepositoryGroupPermission,
    );
  }

  /** Grants or changes a group's permission on a repository (PUT `{ "permission": … }`). */
  async putRepositoryGroupPermission(
    repoSlug: string,
    groupSlug: string,
    permission: RepositoryPermission,
  ): Promise<void> {
    await this.put(
      BITBUCKET_OPERATIONS.putRepositoryGroupPermission,
      { ...this.workspace(), repo_slug: repoSlug, group_slug: groupSlug },
      permission,
    );
  }

  /** Removes a group's permission on a repository ("if one exists": no grant is still a 204). */
  async deleteRepositoryGroupPermission(repoSlug: string, groupSlug: string): Promise<void> {
    await this.http.execute({
      operation: BITBUCKET_OPERATIONS.deleteRepositoryGroupPermission,
      pathParams: { ...this.workspace(), repo_slug: repoSlug, group_slug: groupSlug },
      unsafeToRepeat: true,
    });
  }

  /** Explicit group grants on a project. */
  async listProjectGroupPermissions(
    projectKey: string,
  ): Promise<{ groupSlug: string; permission: ProjectPermission }[]> {
    return this.collect(
      BITBUCKET_OPERATIONS.listProjectGroupPermissions,
      { ...this.workspace(), project_key: projectKey },
      {},
      readProjectGroupPermission,
    );
  }

  /** Grants or changes a group's permission on a project. */
  async putProjectGroupPermission(projectKey: string, groupSlug: string, permission: ProjectPermission): Promise<void> {
    await this.put(
      BITBUCKET_OPERATIONS.putProjectGroupPermission,
      { ...this.workspace(), project_key: projectKey, group_slug: groupSlug },
      permission,
    );
  }

  /** Removes a group's permission on a project. */
  async deleteProjectGroupPermission(projectKey: string, groupSlug: string): Promise<void> {
    await this.http.execute({
      operation: BITBUCKET_OPERATIONS.deleteProjectGroupPermission,
      pathParams: { ...this.workspace(), project_key: projectKey, group_slug: groupSlug },
      unsafeToRepeat: true,
    });
  }

  /**
   * Workspace members by email: `q=user.email IN (…)` with at most 90 addresses per query, and
   * `fields=+values.user.email`, since the email is shown only when asked for and only for the filtered
   * addresses (members endpoint description).
   */
  async findMembersByEmail(emails: readonly string[]): Promise<{ accountId: string; email: string }[]> {
    const wanted: string[] = [];
    const seen = new Set<string>();
    for (const email of emails) {
      const key = email.toLowerCase();
      if (email === '' || seen.has(key)) continue;
      seen.add(key);
      wanted.push(email);
    }
    const found = new Map<string, { accountId: string; email: string }>();
    for (let i = 0; i < wanted.length; i += EMAILS_PER_QUERY) {
      const batch = wanted.slice(i, i + EMAILS_PER_QUERY);
      const query = { q: `user.email IN (${batch.map(bbqlString).join(',')})`, fields: '+values.user.email' };
      for (const member of await this.collect(
        BITBUCKET_OPERATIONS.listWorkspaceMembers,
        this.workspace(),
        query,
        readMemberWithEmail,
      )) {
        found.set(member.accountId, member);
      }
    }
    return [...found.values()];
  }

  private workspace(): Record<string, string> {
    return { workspace: this.options.workspace };
  }

  /** A grant write; after an answer that was lost it is not repeated: the next permission run reads the grant back instead. */
  private async put(op: ApiOperation, pathParams: Record<string, string>, permission: string): Promise<void> {
    const response = await this.http.execute({ operation: op, pathParams, json: { permission }, unsafeToRepeat: true });
    decodeBody(op, response.status, response.body, (body) => readWrittenGrant(body, permission));
  }

  /** Walks a collection by its `next` links, which carry the first request's parameters. */
  private async collect<T>(
    op: ApiOperation,
    pathParams: Record<string, string>,
    query: Readonly<Record<string, QueryValue>>,
    read: (item: JsonRecord, where: string) => T | undefined,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let next: string | undefined;
    for (let pages = 0; ; pages++) {
      const response = await this.http.execute(
        next === undefined
          ? { operation: op, pathParams, query: { ...query, pagelen: this.pageLength } }
          : { operation: op, url: next },
      );
      const page = decodeBody(op, response.status, response.body, (body) => readPage(body, read));
      items.push(...page.items);
      if (page.next === undefined) return items;
      if (seen.has(page.next) || pages >= MAX_PAGES) {
        throw new TargetError('unexpected-response', `${op.key}: paging does not end (a next link repeats)`, {
          status: response.status,
          operation: op.key,
        });
      }
      seen.add(page.next);
      next = page.next;
    }
  }
}

/** The PUT's answer must be a grant to a group of the permission just written. */
function readWrittenGrant(body: unknown, permission: string): void {
  const grant = asRecord(body, 'body');
  requiredString(asRecord(grant.group, 'body.group'), 'slug', 'body.group');
  if (requiredString(grant, 'permission', 'body') !== permission)
    throw new ShapeMismatch('body.permission', `is not ${JSON.stringify(permission)}`);
}
