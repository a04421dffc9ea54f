/**
 * Sends one API call to Atlassian and sees it through: builds the URL from the operation, asks the
 * credentials provider for the Authorization header on every attempt (so a rotated secret takes effect at
 * once), bounds requests in flight, pauses while the server says the rate limit is used up, maps failures
 * to TargetError and retries the retryable ones under the RetryPolicy.
 */
import { TargetError } from '../ports';
import type { ApiOperation } from './api-operation';
import { expandPath } from './api-operation';
import { errorForResponse, parseRateLimitReset } from './error-mapping';
import type { RetryPolicy } from './retry-policy';
import { retryPolicy, retryWait } from './retry-policy';
import type { TargetClock, TargetFetch, TargetFetchResponse } from './target-fetch';
import { systemTargetClock } from './target-fetch';

/** A query parameter value; arrays repeat the parameter (OpenAPI `form` style, exploded). */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** One call to make. */
export interface ApiRequest {
  readonly operation: ApiOperation;
  readonly pathParams?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** An absolute paging link to follow instead of the template; it must lie under the API's base URL. */
  readonly url?: string;
  /** A JSON request body. */
  readonly json?: unknown;
  /** Error statuses handed back instead of thrown, for the caller to resolve by reading back (409, 404). */
  readonly passStatuses?: readonly number[];
  /**
   * The write answers success again when repeated (invite, suspend, restore, role assign/revoke), so a
   * transient failure whose outcome is unknown is not retried here: the caller re-reads and decides, and no
   * write is ever applied twice.
   */
  readonly unsafeToRepeat?: boolean;
}

/** The answer to a call. */
export interface ApiResponse {
  readonly status: number;
  /** The parsed JSON body; undefined when there was none. */
  readonly body: unknown;
  readonly attempts: number;
  /**
   * Whether an earlier attempt may have been applied although its answer was lost (dropped connection,
   * timeout, 5xx): a 409 or 404 that follows may then be this call's own doing.
   */
  readonly earlierAttemptMayHaveApplied: boolean;
}

/**
 * The signal that aborts one attempt after `ms`, as `AbortSignal.timeout(ms)` would (a `TimeoutError` DOMException as
 * its reason, an unref'd timer), except that `clear()` ends the timer once the attempt settles: a timer left to run
 * out keeps the signal, and the async context it was created in (the running job's state and link cache), alive
 * for the whole timeout after the call answered, which on the local host, whose virtual clock runs jobs far faster
 * than real time, held over a thousand finished jobs at once (bench/forge-cycle.ts at 10,000 users).
 */
function attemptDeadline(ms: number): { readonly signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Settings of an executor; one per API and credential. */
export interface RequestExecutorOptions {
  /** Base URL without a trailing slash, e.g. `https://api.atlassian.com/admin`. */
  readonly baseUrl: string;
  /** Put between the base URL and the spec's path templates (`/2.0` for Bitbucket, whose spec server ends in it). */
  readonly pathPrefix?: string;
  readonly fetch: TargetFetch;
  /** The Authorization header value, asked for on every attempt. */
  readonly authorization: () => Promise<string>;
  readonly clock?: TargetClock;
  /** Jitter source in [0, 1); Math.random by default. */
  readonly random?: () => number;
  readonly retry?: Partial<RetryPolicy>;
  /** Requests in flight at once (docs/notes/atlassian-admin-api.md section 8 suggests one or two); default 2. */
  readonly maxConcurrency?: number;
}

/** A counting semaphore: requests beyond the limit queue in arrival order. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.active--;
    else next();
  }
}

function encodeQuery(query: Readonly<Record<string, QueryValue>> | undefined): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    // encodeURIComponent rather than URLSearchParams: a space must travel as %20 and a plus as %2B, since
    // Bitbucket's `fields=+values.user.email` and BBQL's `IN (…)` mean different things with a literal `+`.
    for (const item of typeof value === 'object' ? value : [String(value)])
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(item)}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

type Attempt =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly error: TargetError };

/** Executes API calls with retries; see the module comment. */
export class RequestExecutor {
  readonly policy: RetryPolicy;
  readonly clock: TargetClock;
  private readonly apiRoot: string;
  private readonly random: () => number;
  private readonly slots: Slots;
  private pausedUntil: number | undefined;

  constructor(private readonly options: RequestExecutorOptions) {
    this.policy = retryPolicy(options.retry);
    this.clock = options.clock ?? systemTargetClock;
    this.random = options.random ?? Math.random;
    this.apiRoot = `${options.baseUrl.replace(/\/+$/, '')}${options.pathPrefix ?? ''}`;
    const limit = options.maxConcurrency ?? 2;
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError('maxConcurrency must be a positive integer');
    this.slots = new Slots(limit);
  }

  /** Runs a call to completion: the answer, or the TargetError of the last attempt. */
  async execute(request: ApiRequest): Promise<ApiResponse> {
    const url = this.urlFor(request);
    const started = this.clock.now();
    let mayHaveApplied = false;
    for (let attempt = 1; ; attempt++) {
      await this.waitWhilePaused(request.operation, started);
      const outcome = await this.attempt(request, url);
      if (outcome.ok)
        return {
          status: outcome.status,
          body: outcome.body,
          attempts: attempt,
          earlierAttemptMayHaveApplied: mayHaveApplied,
        };
      const { error } = outcome;
      if (request.unsafeToRepeat && error.kind === 'transient') {
        throw new TargetError(
          'transient',
          `${error.message}; the outcome is unknown, so the write is not repeated blindly`,
          error.details,
          { cause: error },
        );
      }
      const wait = retryWait(this.policy, error, attempt, this.clock.now() - started, this.random);
      if (wait === undefined) {
        if (attempt === 1 || !error.retryable) throw error;
        throw new TargetError(error.kind, `${error.message}; gave up after ${attempt} attempts`, error.details, {
          cause: error.cause,
        });
      }
      // A 429 was refused before it was applied; anything else transient may have been applied.
      if (error.kind === 'transient') mayHaveApplied = true;
      await this.clock.sleep(wait);
    }
  }

  private urlFor(request: ApiRequest): string {
    if (request.url === undefined)
      return `${this.apiRoot}${expandPath(request.operation.pathTemplate, request.pathParams ?? {})}${encodeQuery(request.query)}`;
    // Credentials go only where the configured API lives, whatever a paging link says.
    if (!request.url.startsWith(`${this.apiRoot}/`)) {
      throw new TargetError(
        'unexpected-response',
        `${request.operation.key}: a paging link leads outside ${this.apiRoot}`,
        { operation: request.operation.key },
      );
    }
    return request.url;
  }

  /** Honours an exhausted `X-RateLimit-Remaining` (docs/notes/atlassian-admin-api.md section 8: pace to the headers). */
  private async waitWhilePaused(operation: ApiOperation, started: number): Promise<void> {
    const now = this.clock.now();
    if (this.pausedUntil === undefined || this.pausedUntil <= now) return;
    const wait = this.pausedUntil - now;
    if (now - started + wait > this.policy.totalBudgetMs) {
      throw new TargetError('rate-limited', `${operation.key}: the rate limit is used up for another ${wait} ms`, {
        operation: operation.key,
        retryAfterMs: wait,
      });
    }
    await this.clock.sleep(wait);
  }

  private notePacing(response: TargetFetchResponse): void {
    const remaining = response.headers.get('x-ratelimit-remaining');
    if (remaining === null || remaining.trim() === '') return;
    const now = this.clock.now();
    const reset =
      Number(remaining) <= 0 ? parseRateLimitReset(response.headers.get('x-ratelimit-reset'), now) : undefined;
    this.pausedUntil = reset === undefined ? undefined : now + reset;
  }

  private async attempt(request: ApiRequest, url: string): Promise<Attempt> {
    const { operation } = request;
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: await this.options.authorization(),
    };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    }
    const timeout = this.policy.requestTimeoutMs;
    const deadline = timeout > 0 ? attemptDeadline(timeout) : undefined;
    const signal = deadline?.signal;
    let response: TargetFetchResponse;
    let text: string;
    await this.slots.acquire();
    try {
      response = await this.options.fetch(url, {
        method: operation.method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(signal === undefined ? {} : { signal }),
      });
      text = await response.text();
    } catch (cause) {
      const what = signal?.aborted === true ? `no answer within ${timeout} ms` : 'the connection failed';
      return {
        ok: false,
        error: new TargetError('transient', `${operation.key}: ${what}`, { operation: operation.key }, { cause }),
      };
    } finally {
      deadline?.clear();
      this.slots.release();
    }
    this.notePacing(response);
    const { status } = response;
    if ((status >= 200 && status <= 299) || request.passStatuses?.includes(status) === true) {
      if (text.trim() === '') return { ok: true, status, body: undefined };
      try {
        return { ok: true, status, body: JSON.parse(text) as unknown };
      } catch (cause) {
        if (status >= 300) return { ok: true, status, body: undefined };
        const error = new TargetError(
          'unexpected-response',
          `${operation.key} answered ${status} with a body that is not JSON`,
          { status, operation: operation.key },
          { cause },
        );
        return { ok: false, error };
      }
    }
    return { ok: false, error: errorForResponse(operation.key, status, response.headers, text, this.clock.now()) };
  }
}
