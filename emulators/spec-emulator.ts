/**
 * The request pipeline both emulators share: validate the request against the spec, authenticate, apply
 * the rate limit and any injected faults, run the operation's route, validate the response, and record
 * violations and writes. The Admin API and Bitbucket emulators supply only routes and an API dialect.
 */
import type { EmulatorRequest, EmulatorResponse, Violation, WriteLogEntry, WriteLogOptions } from './emulator-types';
import type { Fault, FaultInjector, RateDecision, RollingWindowLimiter } from './faults';
import { DroppedConnectionError } from './faults';
import type { JsonValue } from './openapi/openapi-types';
import type { OpenApiValidator, OperationRef } from './openapi/validator';
import type { Clock } from './virtual-clock';

/** Who is calling, as the emulator's authentication established it. */
export interface Credential {
  /** `basic` for an email and API token, `bearer` for a token. */
  readonly scheme: 'basic' | 'bearer';
  /** The key the rate limiter counts against (the authenticated user, or the token). */
  readonly key: string;
}

/** What a route receives. */
export interface RouteContext {
  readonly request: EmulatorRequest;
  readonly operation: OperationRef;
  /** Decoded path parameters, by the spec's names. */
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body, if any. */
  readonly body: JsonValue | undefined;
  readonly credential: Credential;
  /** The emulator clock's time for this call. */
  readonly now: number;
  /** Absolute base URL for links (see EmulatorRequest.baseUrl). */
  readonly baseUrl: string;
}

/** What a route answers. */
export interface RouteResult {
  readonly status: number;
  /** The body; validated against the spec before `present` runs. */
  readonly json?: JsonValue;
  readonly headers?: Readonly<Record<string, string>>;
  /** Turns the validated representation into the body sent (Bitbucket's `fields` partial responses). */
  readonly present?: (value: JsonValue) => JsonValue;
}

/** One emulated operation. */
export interface Route {
  /** `METHOD /template`, exactly as in the spec. */
  readonly key: string;
  /** Whether the operation changes state (goes to the write log). */
  readonly mutating: boolean;
  handle(context: RouteContext): RouteResult;
}

/** The result of authenticating a request. */
export type AuthOutcome =
  | { readonly ok: true; readonly credential: Credential }
  | { readonly ok: false; readonly status: number; readonly message: string };

/** What differs between the two APIs: paths, credentials, error bodies and rate-limit headers. */
export interface ApiDialect {
  readonly api: 'admin' | 'bitbucket' | 'google';
  /** The real API's base URL, for links when the request carries none. */
  readonly defaultBaseUrl: string;
  /** Maps a path below the emulator prefix to a path in the spec, or undefined when it is outside the API. */
  specPath(path: string): string | undefined;
  /** Checks the request's credential; `operation` is undefined when the path names none (a request refused unread). */
  authenticate(request: EmulatorRequest, operation: OperationRef | undefined): AuthOutcome;
  /** The API's error body for a status; `code` is an API error code when the route chose one. */
  errorBody(status: number, message: string, operation: OperationRef | undefined, code?: string): JsonValue;
  /** Headers describing the rate-limit state; `decision` is undefined when no limiter counted the call. */
  rateLimitHeaders(decision: RateDecision | undefined, now: number, rejected: boolean): Record<string, string>;
  /** Message of a 429. */
  readonly rateLimitMessage: string;
  /** The limit reported by an injected 429 when no limiter is configured (assumed). */
  readonly nominalRateLimit: number;
}

/** Shared settings of an emulator. */
export interface SpecEmulatorOptions extends WriteLogOptions {
  readonly validator: OpenApiValidator;
  readonly dialect: ApiDialect;
  readonly routes: readonly Route[];
  readonly clock: Clock;
  readonly faults: FaultInjector;
  /** Undefined for no rate limit. */
  readonly limiter: () => RollingWindowLimiter | undefined;
}

type Origin = 'handler' | 'rejected' | 'injected';

/** Thrown by route code for an error answer; the pipeline turns it into the dialect's error body. */
export class RouteError extends Error {
  readonly status: number;
  readonly code: string | undefined;

  constructor(status: number, message: string, code?: string) {
    super(message);
    this.name = 'RouteError';
    this.status = status;
    this.code = code;
  }
}

/** Runs requests through validation, faults and routes; one instance per emulator. */
export class SpecEmulator {
  /** Every spec violation seen so far; tests assert it stays empty. */
  readonly violations: Violation[] = [];
  /** Every mutating call received so far (none when the options say not to keep them). */
  readonly writeLog: WriteLogEntry[] = [];
  private readonly options: SpecEmulatorOptions;
  private readonly routes: ReadonlyMap<string, Route>;

  constructor(options: SpecEmulatorOptions) {
    this.options = options;
    const routes = new Map<string, Route>();
    for (const route of options.routes) {
      const [method = '', template = ''] = route.key.split(' ');
      if (options.validator.operation(method, template) === undefined)
        throw new Error(`${route.key} is not an operation of the spec`);
      routes.set(route.key, route);
    }
    this.routes = routes;
  }

  /** The operations this emulator serves, as `METHOD /template`. */
  servedOperations(): string[] {
    return [...this.routes.keys()];
  }

  /**
   * The answer to a request whose credential is refused, from its method, path and headers alone, so the HTTP mount
   * can answer before reading the body; undefined when the credential is accepted (then `handle` runs in full).
   */
  refuse(request: EmulatorRequest): EmulatorResponse | undefined {
    const { validator, dialect, clock } = this.options;
    const specPath = dialect.specPath(request.path);
    const match = specPath === undefined ? undefined : validator.match(request.method, specPath);
    const operation = match?.kind === 'matched' ? match.operation : undefined;
    const auth = dialect.authenticate(request, operation);
    if (auth.ok) return undefined;
    if (operation === undefined) return this.plainError(auth.status, auth.message);
    const result = { status: auth.status, json: dialect.errorBody(auth.status, auth.message, operation) };
    return this.finish(request, operation, this.routes.get(operation.key), result, 'rejected', undefined, clock.now());
  }

  /** Handles one request; throws DroppedConnectionError when a fault drops the connection. */
  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const { validator, dialect, clock } = this.options;
    const arrived = clock.now();
    const specPath = dialect.specPath(request.path);
    const check = specPath === undefined ? undefined : validator.validateRequest({ ...request, path: specPath });
    if (check === undefined || check.match.kind !== 'matched') {
      this.recordViolation(
        'request',
        request,
        undefined,
        check?.errors ?? [`${request.method} ${request.path}: outside the API`],
      );
      return this.plainError(404, 'The requested resource does not exist.');
    }
    const operation = check.match.operation;
    if (check.errors.length > 0) this.recordViolation('request', request, operation.key, check.errors);
    const route = this.routes.get(operation.key);
    if (route === undefined) {
      this.recordViolation('request', request, operation.key, [
        `${operation.key}: the app does not use this operation, so it is not emulated`,
      ]);
      return this.finish(
        request,
        operation,
        undefined,
        { status: 404, json: dialect.errorBody(404, 'Not emulated.', operation) },
        'rejected',
        undefined,
        arrived,
      );
    }

    const faults = this.options.faults.plan({
      method: request.method,
      path: request.path,
      pathTemplate: operation.pathTemplate,
      mutating: route.mutating,
    });
    for (const fault of faults) {
      if (fault.kind !== 'latency') continue;
      if (fault.timer === 'real') await new Promise<void>((resolve) => setTimeout(resolve, fault.ms));
      else await clock.sleep(fault.ms);
    }
    const terminal: Fault | undefined = faults.find((f) => f.kind !== 'latency');
    if (terminal?.kind === 'drop' && terminal.when !== 'after-handling') {
      this.logWrite(route, request, operation, arrived, 'dropped', false);
      throw new DroppedConnectionError(false);
    }

    const auth = dialect.authenticate(request, operation);
    if (!auth.ok) {
      return this.finish(
        request,
        operation,
        route,
        { status: auth.status, json: dialect.errorBody(auth.status, auth.message, operation) },
        'rejected',
        undefined,
        arrived,
      );
    }
    const limiter = this.options.limiter();
    const decision = limiter?.take(auth.credential.key);
    if (decision !== undefined && !decision.allowed) {
      return this.finish(
        request,
        operation,
        route,
        { status: 429, json: dialect.errorBody(429, dialect.rateLimitMessage, operation) },
        'injected',
        decision,
        arrived,
      );
    }
    if (terminal?.kind === 'status') {
      const now = clock.now();
      const injected: RateDecision | undefined =
        terminal.status === 429 || terminal.retryAfterSeconds !== undefined
          ? {
              allowed: false,
              limit: decision?.limit ?? limiter?.limit ?? dialect.nominalRateLimit,
              remaining: 0,
              resetAt: now + (terminal.retryAfterSeconds ?? 60) * 1000,
            }
          : decision;
      const message = terminal.status === 429 ? dialect.rateLimitMessage : 'Injected server error.';
      return this.finish(
        request,
        operation,
        route,
        { status: terminal.status, json: dialect.errorBody(terminal.status, message, operation) },
        'injected',
        injected,
        arrived,
      );
    }
    if (check.errors.length > 0) {
      const status = check.unauthenticated ? 401 : 400;
      return this.finish(
        request,
        operation,
        route,
        { status, json: dialect.errorBody(status, check.errors.join('; '), operation) },
        'rejected',
        decision,
        arrived,
      );
    }

    let result: RouteResult;
    try {
      result = route.handle({
        request,
        operation,
        params: check.match.pathParams,
        body: check.body,
        credential: auth.credential,
        now: clock.now(),
        baseUrl: request.baseUrl ?? dialect.defaultBaseUrl,
      });
    } catch (error) {
      if (error instanceof RouteError) {
        result = { status: error.status, json: dialect.errorBody(error.status, error.message, operation, error.code) };
      } else {
        const message = error instanceof Error ? error.message : String(error);
        this.recordViolation('response', request, operation.key, [`${operation.key}: the emulator failed: ${message}`]);
        result = { status: 500, json: dialect.errorBody(500, 'Emulator failure.', operation) };
      }
    }
    if (terminal?.kind === 'drop') {
      this.logWrite(route, request, operation, arrived, 'dropped', true, result.status);
      throw new DroppedConnectionError(true);
    }
    return this.finish(request, operation, route, result, 'handler', decision, arrived);
  }

  private finish(
    request: EmulatorRequest,
    operation: OperationRef,
    route: Route | undefined,
    result: RouteResult,
    origin: Origin,
    decision: RateDecision | undefined,
    arrived: number,
  ): EmulatorResponse {
    const { validator, dialect, clock } = this.options;
    const headers: Record<string, string> = {
      ...dialect.rateLimitHeaders(decision, clock.now(), result.status === 429),
      ...result.headers,
    };
    if (result.json !== undefined) headers['content-type'] = 'application/json';
    // Answers to bad requests and injected faults may carry statuses the operation does not list; the
    // request violation (or the test's own fault rule) already accounts for them.
    const value =
      result.json === undefined ? undefined : result.present === undefined ? result.json : result.present(result.json);
    if (origin === 'handler' || validator.documentsStatus(operation, result.status)) {
      const errors = validator.validateResponseValue(operation, result.status, headers['content-type'], result.json);
      // A partial representation is checked too: what it keeps must still match the schema.
      if (value !== result.json)
        errors.push(
          ...validator.validateResponseValue(operation, result.status, headers['content-type'], value, {
            partial: true,
          }),
        );
      if (errors.length > 0) this.recordViolation('response', request, operation.key, errors);
    }
    if (route !== undefined) this.logWrite(route, request, operation, arrived, result.status, origin === 'handler');
    return { status: result.status, headers, body: value === undefined ? undefined : JSON.stringify(value) };
  }

  private plainError(status: number, message: string): EmulatorResponse {
    return {
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.options.dialect.errorBody(status, message, undefined)),
    };
  }

  private logWrite(
    route: Route,
    request: EmulatorRequest,
    operation: OperationRef,
    time: number,
    status: number | 'dropped',
    applied: boolean,
    handledStatus?: number,
  ): void {
    if (!route.mutating) return;
    const entry: WriteLogEntry = {
      method: request.method,
      path: request.path,
      operation: operation.key,
      body: request.body,
      time,
      status,
      applied,
      ...(handledStatus !== undefined ? { handledStatus } : {}),
    };
    if (this.options.keepWriteLog !== false) this.writeLog.push(entry);
    this.options.onWrite?.(entry);
  }

  private recordViolation(
    side: Violation['side'],
    request: EmulatorRequest,
    operation: string | undefined,
    messages: readonly string[],
  ): void {
    this.violations.push({
      api: this.options.dialect.api,
      side,
      method: request.method,
      path: request.path,
      operation,
      messages,
      time: this.options.clock.now(),
    });
  }
}
