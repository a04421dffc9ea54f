/**
 * A fetch decorator for contract tests: every request a client builds is checked against the vendored
 * OpenAPI spec of its API, and so is every response that reaches the client with a success status (or any
 * status the operation documents). Problems are collected, not thrown, so a test can assert on them after
 * the client has run; the operations seen are tallied for coverage.
 */
import type { SpecName } from '../../emulators/openapi/load-spec';
import { requestsPartialResponse, validatorFor } from '../../emulators/openapi/validator';
import type { TargetFetch } from '../../src/targets/http/target-fetch';

/** Which spec governs the URLs under a base. */
export interface RecordedApi {
  readonly baseUrl: string;
  readonly spec: SpecName;
  /** Prefix of the request path that the spec's server URL already contains (`/2.0` for Bitbucket). */
  readonly serverPath?: string;
}

/** One exchange as the recorder saw it. */
export interface RecordedExchange {
  readonly method: string;
  readonly url: string;
  /** `METHOD /template` of the matched operation, if any. */
  readonly operation: string | undefined;
  /** The request body sent, if any. */
  readonly body: string | undefined;
  /** The status, or `failed` when fetch threw. */
  readonly status: number | 'failed';
}

/** The validating recorder; pass `recorder.fetch` to the client. */
export class ValidatingRecorder {
  readonly violations: string[] = [];
  readonly exchanges: RecordedExchange[] = [];
  readonly fetch: TargetFetch;

  constructor(
    inner: TargetFetch,
    private readonly apis: readonly RecordedApi[],
  ) {
    this.fetch = async (url, init) => {
      const api = this.apis.find((a) => url.startsWith(`${a.baseUrl}/`));
      if (api === undefined) {
        this.violations.push(`${init.method} ${url}: not under a known API base URL`);
        return inner(url, init);
      }
      const validator = validatorFor(api.spec);
      const parsed = new URL(url);
      let path = parsed.pathname.slice(new URL(api.baseUrl).pathname.replace(/\/$/, '').length);
      if (api.serverPath !== undefined) {
        if (path.startsWith(`${api.serverPath}/`)) path = path.slice(api.serverPath.length);
        else this.violations.push(`${init.method} ${url}: not under the spec's server path ${api.serverPath}`);
      }
      const query: Record<string, string[]> = {};
      for (const [name, value] of parsed.searchParams) (query[name] ??= []).push(value);
      const headers: Record<string, string[]> = {};
      for (const [name, value] of Object.entries(init.headers)) headers[name.toLowerCase()] = [value];
      const check = validator.validateRequest({ method: init.method, path, query, headers, body: init.body });
      this.violations.push(...check.errors.map((e) => `request: ${e}`));
      const operation = check.match.kind === 'matched' ? check.match.operation : undefined;
      let response;
      try {
        response = await inner(url, init);
      } catch (error) {
        this.exchanges.push({ method: init.method, url, operation: operation?.key, body: init.body, status: 'failed' });
        throw error;
      }
      const body = await response.text();
      this.exchanges.push({
        method: init.method,
        url,
        operation: operation?.key,
        body: init.body,
        status: response.status,
      });
      if (
        operation !== undefined &&
        ((response.status >= 200 && response.status <= 299) || validator.documentsStatus(operation, response.status))
      ) {
        const responseHeaders: Record<string, string> = {};
        const contentType = response.headers.get('content-type');
        if (contentType !== null) responseHeaders['content-type'] = contentType;
        const errors = validator.validateResponse(
          operation,
          { status: response.status, headers: responseHeaders, body },
          { partial: requestsPartialResponse(query) },
        );
        this.violations.push(...errors.map((e) => `response: ${e}`));
      }
      return { status: response.status, headers: response.headers, text: async () => body };
    };
  }

  /** The operations requested so far. */
  operations(): Set<string> {
    return new Set(this.exchanges.map((e) => e.operation).filter((o): o is string => o !== undefined));
  }

  /** How many requests went to an operation. */
  count(operation: string): number {
    return this.exchanges.filter((e) => e.operation === operation).length;
  }
}
