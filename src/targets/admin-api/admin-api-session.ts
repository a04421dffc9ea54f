/**
 * The transport the Admin API client calls through: one RequestExecutor that sends the org API key as a bearer token,
 * the org's and the app's directory's path parameters, and the walk over cursor-paged listings.
 */
import { TargetError } from '../ports';
import type { ApiOperation } from '../http/api-operation';
import type { ApiRequest, ApiResponse } from '../http/request-executor';
import { RequestExecutor } from '../http/request-executor';
import { decodeBody } from '../http/response-shape';
import type { CursorPage } from './admin-api-shapes';
import { ADMIN_API_BASE_URL, ADMIN_API_OPERATIONS } from './admin-api-operations';
import type { AdminApiClientOptions } from './admin-api-options';

/** A listing that repeats a cursor or runs past this many pages is broken, not long. */
const MAX_PAGES = 10_000;

/** Authenticated, paged requests to one org and directory; see the module comment. */
export class AdminApiSession {
  /** The executor every request goes through (retries, concurrency, the clock). */
  readonly http: RequestExecutor;
  /** `limit` of paged reads. */
  readonly pageSize: number;

  constructor(private readonly options: AdminApiClientOptions) {
    this.pageSize = options.pageSize ?? 100;
    if (!(Number.isInteger(this.pageSize) && this.pageSize >= 1 && this.pageSize <= 100))
      throw new RangeError('pageSize must be 1..100');
    this.http = new RequestExecutor({
      baseUrl: options.baseUrl ?? ADMIN_API_BASE_URL,
      fetch: options.fetch,
      authorization: async () => {
        const { apiKey } = await options.credentials();
        if (apiKey.trim() === '') throw new TargetError('unauthorized', 'No org API key is configured');
        return `Bearer ${apiKey}`;
      },
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.maxConcurrency === undefined ? {} : { maxConcurrency: options.maxConcurrency }),
    });
  }

  /** The path parameters of org-level operations. */
  org(): Record<string, string> {
    return { orgId: this.options.orgId };
  }

  /** The path parameters of operations in the app's directory. */
  directory(): Record<string, string> {
    return { orgId: this.options.orgId, directoryId: this.options.directoryId };
  }

  /** Walks a cursor-paged listing; `request(undefined)` is the first page. */
  async collect<T>(
    op: ApiOperation,
    request: (cursor: string | undefined) => ApiRequest,
    read: (body: unknown) => CursorPage<T>,
  ): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let pages = 0; ; pages++) {
      const response: ApiResponse = await this.http.execute(request(cursor));
      const page = decodeBody(op, response.status, response.body, read);
      items.push(...page.items);
      if (page.next === undefined) return items;
      if (seen.has(page.next) || pages >= MAX_PAGES) {
        throw new TargetError('unexpected-response', `${op.key}: paging does not end (a cursor repeats)`, {
          status: response.status,
          operation: op.key,
        });
      }
      seen.add(page.next);
      cursor = page.next;
    }
  }

  /** One page of searchDirectoryUsers in the app's directory: the filters on the first (no cursor), then the cursor. */
  async searchUsersPage<T>(
    filters: Record<string, unknown>,
    cursor: string | undefined,
    read: (body: unknown) => CursorPage<T>,
  ): Promise<CursorPage<T>> {
    const op = ADMIN_API_OPERATIONS.searchUsers;
    const json = cursor === undefined ? { ...filters, limit: this.pageSize } : { cursor, limit: this.pageSize };
    const response = await this.http.execute({ operation: op, pathParams: this.directory(), json });
    return decodeBody(op, response.status, response.body, read);
  }

  /** searchDirectoryUsers in the app's directory: filters on the first page, then only cursor and limit (notes section 2). */
  searchUsers<T>(filters: Record<string, unknown>, read: (body: unknown) => CursorPage<T>): Promise<T[]> {
    const op = ADMIN_API_OPERATIONS.searchUsers;
    const json = (cursor: string | undefined): Record<string, unknown> =>
      cursor === undefined ? { ...filters, limit: this.pageSize } : { cursor, limit: this.pageSize };
    return this.collect(op, (cursor) => ({ operation: op, pathParams: this.directory(), json: json(cursor) }), read);
  }
}
