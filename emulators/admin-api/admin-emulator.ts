/**
 * A stateful emulator of the Atlassian Admin (organization) API v2 operations the app calls, standing for
 * https://api.atlassian.com/admin. Every request and response is checked against
 * admin-organization-openapi.json; v1 paths are not served, since they are gone from that file.
 */
import { bearerToken, sameSecret } from '../emulator-access';
import type {
  Emulator,
  EmulatorRequest,
  EmulatorResponse,
  Violation,
  WriteLogEntry,
  WriteLogOptions,
} from '../emulator-types';
import type { RateDecision } from '../faults';
import { FaultInjector, RollingWindowLimiter } from '../faults';
import type { JsonValue } from '../openapi/openapi-types';
import { isJsonObject, isRef } from '../openapi/openapi-types';
import type { OperationRef } from '../openapi/validator';
import { validatorFor } from '../openapi/validator';
import { randomUuid, seededRandom } from '../random';
import type { ApiDialect } from '../spec-emulator';
import { SpecEmulator } from '../spec-emulator';
import type { Clock } from '../virtual-clock';
import { VirtualClock } from '../virtual-clock';
import type { AdminBehaviour } from './admin-routes';
import { adminRoutes } from './admin-routes';
import type { AdminState } from './admin-state';
import { seedAdminState } from './admin-state';

/** A rate limit: `limit` requests per credential in any `windowMs`. */
export interface RateLimitSettings {
  readonly limit: number;
  readonly windowMs: number;
}

/** Options of the Admin API emulator. */
export interface AdminApiEmulatorOptions extends WriteLogOptions {
  /** Defaults to a manual VirtualClock. */
  readonly clock?: Clock;
  /** Seed for generated IDs and probabilistic faults. */
  readonly seed?: number;
  /** Defaults to seedAdminState(). */
  readonly state?: AdminState;
  /** No limit by default: the Admin API publishes no numbers for these endpoints (notes section 6). */
  readonly rateLimit?: RateLimitSettings;
  /** Send Retry-After on 429s; off by default because the Admin API does not document it. */
  readonly retryAfterHeader?: boolean;
  readonly behaviour?: Partial<AdminBehaviour>;
  /**
   * When set, the only org API key accepted (`npm start` and `npm run emulators` set their emulator key, see
   * emulator-access.ts); any non-empty bearer token otherwise, as in-process tests use it.
   */
  readonly orgApiKey?: string;
}

const STATUS_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The component schema name of an operation's JSON body for a status, e.g. `Errors` or `ProxyError`. */
function errorSchemaName(operation: OperationRef | undefined, status: number): string | undefined {
  const response = operation?.operation.responses[String(status)];
  if (response === undefined || isRef(response)) return undefined;
  const schema = response.content?.['application/json']?.schema;
  return isJsonObject(schema) && typeof schema.$ref === 'string' ? schema.$ref.split('/').pop() : undefined;
}

function adminDialect(retryAfterHeader: () => boolean, orgApiKey: string | undefined): ApiDialect {
  let errors = 0;
  return {
    api: 'admin',
    defaultBaseUrl: 'https://api.atlassian.com/admin',
    specPath: (path) => path,
    authenticate(request) {
      // The configured key, or else any non-empty bearer token (the seed rule), is the org API key.
      const token = bearerToken(request.headers.authorization?.[0]);
      if (token === undefined)
        return { ok: false, status: 401, message: 'An org API key is required as a bearer token.' };
      if (orgApiKey !== undefined && !sameSecret(token, orgApiKey))
        return { ok: false, status: 401, message: 'The org API key is not valid.' };
      return { ok: true, credential: { scheme: 'bearer', key: `bearer:${token}` } };
    },
    errorBody(status, message, operation, code): JsonValue {
      const schema = errorSchemaName(operation, status);
      if (schema === 'ProxyError') return { code: status, message };
      const error = {
        id: `emulated-error-${++errors}`,
        status: String(status),
        // Assumed codes: the v2 reads document the shape but no code values.
        code: code ?? `ADMIN-${status}`,
        title: STATUS_TITLES[status] ?? 'Error',
        detail: message,
      };
      return schema === 'ApplicationError' ? error : { errors: [error] };
    },
    rateLimitHeaders(decision: RateDecision | undefined, now: number, rejected: boolean): Record<string, string> {
      if (decision === undefined) return {};
      // Header names from the spec's "Rate limits" narrative; Reset is an ISO 8601 date-time in UTC there.
      const headers: Record<string, string> = {
        'x-ratelimit-limit': String(decision.limit),
        'x-ratelimit-remaining': String(decision.remaining),
        'x-ratelimit-reset': new Date(decision.resetAt).toISOString(),
      };
      if (rejected && retryAfterHeader())
        headers['retry-after'] = String(Math.max(1, Math.ceil((decision.resetAt - now) / 1000)));
      return headers;
    },
    rateLimitMessage: 'You exceeded the rate limit.',
    // Assumed: no number is published for these endpoints.
    nominalRateLimit: 100,
  };
}

/** The Admin API emulator: `handle` a request, inspect `state`, `violations` and `writeLog`, steer `faults`. */
export class AdminApiEmulator implements Emulator {
  readonly state: AdminState;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly behaviour: AdminBehaviour;
  /** Send Retry-After on 429s (not documented for this API). */
  retryAfterHeader: boolean;
  private limiter: RollingWindowLimiter | undefined;
  private readonly core: SpecEmulator;

  constructor(options: AdminApiEmulatorOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.state = options.state ?? seedAdminState();
    const seed = options.seed ?? 1;
    this.faults = new FaultInjector({ seed });
    this.behaviour = { groupSearchDelayMs: 0, userGroupIdForm: 'ari', ...options.behaviour };
    this.retryAfterHeader = options.retryAfterHeader ?? false;
    this.setRateLimit(options.rateLimit);
    const random = seededRandom(seed ^ 0x5eed);
    this.core = new SpecEmulator({
      validator: validatorFor('admin-organization'),
      dialect: adminDialect(() => this.retryAfterHeader, options.orgApiKey),
      routes: adminRoutes({ state: this.state, behaviour: this.behaviour, newUuid: () => randomUuid(random) }),
      clock: this.clock,
      faults: this.faults,
      limiter: () => this.limiter,
      keepWriteLog: options.keepWriteLog,
      onWrite: options.onWrite,
    });
  }

  /** Spec violations seen so far (requests the spec does not describe, and emulator responses that break it). */
  get violations(): readonly Violation[] {
    return this.core.violations;
  }

  /** Every mutating call received, in order. */
  get writeLog(): readonly WriteLogEntry[] {
    return this.core.writeLog;
  }

  /** The operations served, as `METHOD /template`. */
  servedOperations(): string[] {
    return this.core.servedOperations();
  }

  /** Sets or removes the per-credential rate limit; counting restarts. */
  setRateLimit(settings: RateLimitSettings | undefined): void {
    this.limiter = settings === undefined ? undefined : new RollingWindowLimiter({ ...settings, clock: this.clock });
  }

  /** Handles one request below `/emulated/admin` (a path such as `/v2/orgs/emulated-org/directories`). */
  handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    return this.core.handle(request);
  }

  /** The 401 a request's headers already earn (see Emulator.refuse), or undefined when its credential is accepted. */
  refuse(request: EmulatorRequest): EmulatorResponse | undefined {
    return this.core.refuse(request);
  }
}
