/**
 * The production adapter of the Google Directory port: the Admin SDK Directory API over HTTPS with a service
 * account's delegated token (google-token-source.ts). Reads only, with the read-only scopes (scopes.ts). Pages are
 * as large as each method allows (the discovery document: users.list 500, groups.list and members.list 200), so a
 * pull costs as few calls as possible. Quota refusals (403 `userRateLimitExceeded` / `quotaExceeded`) and transient
 * failures are retried with exponential backoff, as Google asks (developers.google.com/workspace/admin/directory/v1/limits),
 * within a bound per call; past it the error goes up and the pull resumes later from where it stopped.
 */
import {
  asRecord,
  optionalArray,
  optionalBoolean,
  optionalString,
  requiredString,
  ShapeMismatch,
  type JsonRecord,
} from '../../targets/http/response-shape';
import type { TargetClock, TargetFetch } from '../../targets/http/target-fetch';
import type {
  DirectoryGroupRecord,
  DirectoryMemberRecord,
  DirectoryPage,
  DirectoryUserRecord,
  GoogleDirectory,
} from './google-directory';
import { GoogleSourceError, type GoogleErrorKind } from './google-source-error';
import type { GoogleTokenSource } from './google-token-source';
import { GOOGLE_DIRECTORY_BASE_URL } from './scopes';

/** The largest page each list method allows (discovery document `maximum`, or its prose for groups and members). */
export const GOOGLE_PAGE_SIZE = { users: 500, groups: 200, members: 200 } as const;

/** The Directory methods the client calls, as `METHOD /template` (coverage lists and contract tests). */
export const GOOGLE_DIRECTORY_OPERATIONS = {
  listUsers: 'GET /admin/directory/v1/users',
  getUser: 'GET /admin/directory/v1/users/{userKey}',
  listGroups: 'GET /admin/directory/v1/groups',
  listMembers: 'GET /admin/directory/v1/groups/{groupKey}/members',
} as const;

/** Backoff of one call. */
export interface GoogleRetryPolicy {
  /** Attempts, the first included. */
  readonly maxAttempts: number;
  /** The first wait; each further one doubles, with jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** No wait starts that would end later than this after the call began. */
  readonly totalBudgetMs: number;
}

/** Defaults: 5 attempts, 1 s doubling to 16 s, a minute per call at most. */
export const DEFAULT_GOOGLE_RETRY: GoogleRetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 16_000,
  totalBudgetMs: 60_000,
};

/** Options of the client. */
export interface GoogleDirectoryClientOptions {
  readonly tokens: GoogleTokenSource;
  readonly fetch: TargetFetch;
  readonly clock: TargetClock;
  /** The Directory API root (the emulator locally). */
  readonly baseUrl?: string;
  readonly retry?: Partial<GoogleRetryPolicy>;
  /** Jitter in [0, 1). */
  readonly random?: () => number;
}

const QUOTA_REASONS = new Set(['userRateLimitExceeded', 'quotaExceeded', 'rateLimitExceeded']);

/** The error of an answer, from its status and Google's `error.errors[0].reason`. */
function errorOf(status: number, body: unknown, what: string): GoogleSourceError {
  const error =
    typeof body === 'object' && body !== null
      ? (body as { error?: { message?: unknown; errors?: { reason?: unknown }[] } }).error
      : undefined;
  const reason = typeof error?.errors?.[0]?.reason === 'string' ? error.errors[0].reason : undefined;
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  let kind: GoogleErrorKind;
  if ((status === 403 || status === 429) && reason !== undefined && QUOTA_REASONS.has(reason)) kind = 'quota';
  else if (status === 429 || status >= 500) kind = 'transient';
  else if (status === 401) kind = 'auth';
  else if (status === 403) kind = 'forbidden';
  else if (status === 404) kind = 'not-found';
  else kind = 'invalid';
  return new GoogleSourceError(kind, `${what}: Google answered ${status}${reason ? ` ${reason}` : ''}: ${message}`, {
    status,
    ...(reason ? { reason } : {}),
  });
}

function shapeError(what: string, error: unknown): GoogleSourceError {
  return new GoogleSourceError('shape', `${what}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}

function toUser(value: unknown, where: string): DirectoryUserRecord {
  const record = asRecord(value, where);
  const name = record.name === undefined ? {} : asRecord(record.name, `${where}.name`);
  return {
    id: requiredString(record, 'id', where),
    primaryEmail: requiredString(record, 'primaryEmail', where),
    givenName: optionalString(name, 'givenName', `${where}.name`) ?? '',
    familyName: optionalString(name, 'familyName', `${where}.name`) ?? '',
    suspended: optionalBoolean(record, 'suspended', where) ?? false,
    archived: optionalBoolean(record, 'archived', where) ?? false,
    orgUnitPath: optionalString(record, 'orgUnitPath', where) ?? '/',
  };
}

function toGroup(value: unknown, where: string): DirectoryGroupRecord {
  const record = asRecord(value, where);
  return {
    id: requiredString(record, 'id', where),
    email: requiredString(record, 'email', where),
    name: optionalString(record, 'name', where) ?? '',
    description: optionalString(record, 'description', where) ?? '',
  };
}

function toMember(value: unknown, where: string): DirectoryMemberRecord {
  const record = asRecord(value, where);
  const type = requiredString(record, 'type', where);
  if (type !== 'USER' && type !== 'GROUP' && type !== 'CUSTOMER' && type !== 'EXTERNAL')
    throw new ShapeMismatch(`${where}.type`, `is ${type}, not a member type the app knows`);
  const email = optionalString(record, 'email', where);
  return {
    id: requiredString(record, 'id', where),
    type,
    role: optionalString(record, 'role', where) ?? 'MEMBER',
    ...(email !== undefined ? { email } : {}),
  };
}

function pageOf<T>(body: JsonRecord, key: string, map: (value: unknown, where: string) => T): DirectoryPage<T> {
  const items = optionalArray(body, key, '$').map((item, i) => map(item, `${key}[${i}]`));
  const next = optionalString(body, 'nextPageToken', '$');
  return next !== undefined && next !== '' ? { items, nextPageToken: next } : { items };
}

/** The Directory API client. */
export class GoogleDirectoryClient implements GoogleDirectory {
  private readonly baseUrl: string;
  private readonly retry: GoogleRetryPolicy;
  private readonly random: () => number;
  /** Calls answered with a quota refusal so far (each was waited out or reported). */
  quotaRefusals = 0;

  constructor(private readonly options: GoogleDirectoryClientOptions) {
    this.baseUrl = (options.baseUrl ?? GOOGLE_DIRECTORY_BASE_URL).replace(/\/+$/, '');
    this.retry = { ...DEFAULT_GOOGLE_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
  }

  async listUsers(options: {
    readonly orgUnitPath?: string;
    readonly pageToken?: string;
  }): Promise<DirectoryPage<DirectoryUserRecord>> {
    // orgUnitPath matches the unit and every unit below it (developers.google.com/admin-sdk/directory/v1/guides/search-users).
    const query: Record<string, string> = {
      customer: 'my_customer',
      maxResults: String(GOOGLE_PAGE_SIZE.users),
      projection: 'basic',
    };
    if (options.orgUnitPath !== undefined && options.orgUnitPath !== '/')
      query.query = `orgUnitPath='${options.orgUnitPath.replace(/'/g, "\\'")}'`;
    if (options.pageToken !== undefined) query.pageToken = options.pageToken;
    const body = await this.get('users.list', '/admin/directory/v1/users', query);
    return this.read('users.list', () => pageOf(body ?? {}, 'users', toUser));
  }

  async listGroups(options: { readonly pageToken?: string }): Promise<DirectoryPage<DirectoryGroupRecord>> {
    const query: Record<string, string> = { customer: 'my_customer', maxResults: String(GOOGLE_PAGE_SIZE.groups) };
    if (options.pageToken !== undefined) query.pageToken = options.pageToken;
    const body = await this.get('groups.list', '/admin/directory/v1/groups', query);
    return this.read('groups.list', () => pageOf(body ?? {}, 'groups', toGroup));
  }

  async listMembers(
    groupKey: string,
    options: { readonly pageToken?: string },
  ): Promise<DirectoryPage<DirectoryMemberRecord>> {
    const query: Record<string, string> = { maxResults: String(GOOGLE_PAGE_SIZE.members) };
    if (options.pageToken !== undefined) query.pageToken = options.pageToken;
    const body = await this.get(
      'members.list',
      `/admin/directory/v1/groups/${encodeURIComponent(groupKey)}/members`,
      query,
    );
    return this.read('members.list', () => pageOf(body ?? {}, 'members', toMember));
  }

  async getUser(userKey: string): Promise<DirectoryUserRecord | undefined> {
    const body = await this.get(
      'users.get',
      `/admin/directory/v1/users/${encodeURIComponent(userKey)}`,
      { projection: 'basic' },
      [404],
    );
    return body === undefined ? undefined : this.read('users.get', () => toUser(body, '$'));
  }

  private read<T>(what: string, map: () => T): T {
    try {
      return map();
    } catch (error) {
      throw shapeError(what, error);
    }
  }

  /** GETs a path; the parsed body, or undefined for a status in `absent`. Retries quota and transient failures. */
  private async get(
    what: string,
    path: string,
    query: Record<string, string>,
    absent: readonly number[] = [],
  ): Promise<JsonRecord | undefined> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(query).toString()}`;
    const started = this.options.clock.now();
    let refreshed = false;
    for (let attempt = 1; ; attempt += 1) {
      let failure: GoogleSourceError;
      try {
        const token = await this.options.tokens.token();
        const response = await this.options.fetch(url, {
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        });
        const text = await response.text();
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch (error) {
          if (response.status === 200) throw shapeError(what, error);
        }
        if (response.status === 200) return asRecord(body, '$');
        if (absent.includes(response.status)) return undefined;
        failure = errorOf(response.status, body, what);
        if (failure.kind === 'quota') this.quotaRefusals += 1;
        if (response.status === 401 && !refreshed) {
          // A token revoked or expired early: one fresh exchange, then the refusal stands.
          refreshed = true;
          this.options.tokens.invalidate();
          continue;
        }
      } catch (error) {
        if (error instanceof GoogleSourceError) {
          if (!error.retryable) throw error;
          failure = error;
        } else {
          failure = new GoogleSourceError('transient', `${what}: the request failed`, { cause: error });
        }
      }
      if (!failure.retryable || attempt >= this.retry.maxAttempts) throw failure;
      const step = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
      const wait = Math.round(step / 2 + this.random() * (step / 2));
      if (this.options.clock.now() - started + wait > this.retry.totalBudgetMs) throw failure;
      await this.options.clock.sleep(wait);
    }
  }
}
