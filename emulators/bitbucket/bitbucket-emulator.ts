/**
 * A stateful emulator of the Bitbucket Cloud 2.0 operations the app calls, standing for
 * https://api.bitbucket.org (paths start with `/2.0`). Every request and response is checked against
 * bitbucket-cloud-openapi.json, and each credential gets Bitbucket's 1,000 requests in a rolling hour.
 */
import { basicMatches } from '../emulator-access';
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
import type { OperationRef } from '../openapi/validator';
import { basicCredentials, validatorFor } from '../openapi/validator';
import type { ApiDialect, AuthOutcome } from '../spec-emulator';
import { SpecEmulator } from '../spec-emulator';
import type { Clock } from '../virtual-clock';
import { VirtualClock } from '../virtual-clock';
import type { BitbucketBehaviour, BitbucketDirectory } from './bitbucket-routes';
import { bitbucketRoutes } from './bitbucket-routes';
import { accessRoutes } from './access-routes';
import type { BitbucketState } from './bitbucket-state';
import { seedBitbucketState } from './bitbucket-state';

/** Bitbucket's base limit: 1,000 requests per hour per authenticated user, rolling (api-request-limits page). */
export const BITBUCKET_RATE_LIMIT = { limit: 1000, windowMs: 3_600_000 } as const;

/** Options of the Bitbucket emulator. */
export interface BitbucketEmulatorOptions extends WriteLogOptions {
  /** Defaults to a manual VirtualClock. */
  readonly clock?: Clock;
  /** Seed for probabilistic faults. */
  readonly seed?: number;
  /** Defaults to seedBitbucketState(). */
  readonly state?: BitbucketState;
  /** Defaults to BITBUCKET_RATE_LIMIT; `false` switches limiting off. */
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number } | false;
  /** Send Retry-After on 429s; off by default because Bitbucket does not document it. */
  readonly retryAfterHeader?: boolean;
  /** Send X-RateLimit-* headers on every response (default true; see bitbucketDialect). */
  readonly rateLimitHeaders?: boolean;
  readonly behaviour?: Partial<BitbucketBehaviour>;
  /** Where members and groups come from; defaults to the emulator's own state. */
  readonly directory?: BitbucketDirectory;
  /**
   * When set, the only credential accepted: Basic `<email>:<apiToken>` (`npm start` and `npm run emulators` set the
   * seeded admin's email and their emulator key, see emulator-access.ts); any non-empty email and token otherwise.
   */
  readonly credential?: { readonly email: string; readonly apiToken: string };
}

function authTypes(operation: OperationRef): readonly string[] {
  const value = operation.operation['x-atlassian-auth-types'];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function bitbucketDialect(settings: {
  retryAfterHeader: () => boolean;
  rateLimitHeaders: () => boolean;
  credential: BitbucketEmulatorOptions['credential'];
}): ApiDialect {
  return {
    api: 'bitbucket',
    defaultBaseUrl: 'https://api.bitbucket.org',
    specPath(path) {
      if (path === '/2.0') return '/';
      return path.startsWith('/2.0/') ? path.slice('/2.0'.length) : undefined;
    },
    authenticate(request: EmulatorRequest, operation: OperationRef | undefined): AuthOutcome {
      const authorization = request.headers.authorization?.[0] ?? '';
      const basic = basicCredentials(authorization);
      const configured = settings.credential;
      if (basic !== undefined && configured !== undefined && !basicMatches(authorization, configured)) {
        return { ok: false, status: 401, message: 'The email or API token is not valid.' };
      }
      // The configured credential, or else any non-empty email and token (the seed rule). Limits count per user.
      if (basic !== undefined)
        return { ok: true, credential: { scheme: 'basic', key: `user:${basic.user.toLowerCase()}` } };
      const bearer = /^bearer\s+(\S+)\s*$/i.exec(authorization);
      if (bearer === null) return { ok: false, status: 401, message: 'Authentication is required.' };
      // With a configured credential no bearer token is one the emulators issued.
      if (configured !== undefined) return { ok: false, status: 401, message: 'The access token is not valid.' };
      // PUT and DELETE permissions-config carry x-atlassian-auth-types ["api-token"]: OAuth and Forge
      // tokens get 403 ("the authentication method was not via app password").
      if (operation === undefined || !authTypes(operation).includes('forge-oauth2')) {
        return {
          ok: false,
          status: 403,
          message: 'This endpoint accepts only Basic authentication with an API token.',
        };
      }
      return { ok: true, credential: { scheme: 'bearer', key: `bearer:${bearer[1] ?? ''}` } };
    },
    errorBody(_status, message): JsonValue {
      return { type: 'error', error: { message } };
    },
    rateLimitHeaders(decision: RateDecision | undefined, now: number, rejected: boolean): Record<string, string> {
      if (decision === undefined) return {};
      const headers: Record<string, string> = {};
      if (settings.rateLimitHeaders()) {
        // Names from Bitbucket's scaled-rate-limit announcement, documented for access tokens and Forge on
        // /2.0/repositories/*. Sending them for every credential and path, the resource name "api" and the
        // 20% threshold of NearLimit are assumed.
        headers['x-ratelimit-limit'] = String(decision.limit);
        headers['x-ratelimit-resource'] = 'api';
        headers['x-ratelimit-nearlimit'] = String(decision.remaining < decision.limit * 0.2);
      }
      if (rejected && settings.retryAfterHeader())
        headers['retry-after'] = String(Math.max(1, Math.ceil((decision.resetAt - now) / 1000)));
      return headers;
    },
    rateLimitMessage: 'Rate limit for this resource has been exceeded',
    nominalRateLimit: BITBUCKET_RATE_LIMIT.limit,
  };
}

/** The Bitbucket emulator: `handle` a request, inspect `state`, `violations` and `writeLog`, steer `faults`. */
export class BitbucketEmulator implements Emulator {
  readonly state: BitbucketState;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly behaviour: BitbucketBehaviour;
  /** Send Retry-After on 429s (not documented by Bitbucket). */
  retryAfterHeader: boolean;
  /** Send X-RateLimit-* headers. */
  rateLimitHeaders: boolean;
  private limiter: RollingWindowLimiter | undefined;
  private readonly core: SpecEmulator;

  constructor(options: BitbucketEmulatorOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.state = options.state ?? seedBitbucketState();
    this.faults = new FaultInjector({ seed: options.seed ?? 1 });
    this.behaviour = { unsetGroupPermission: 'not-found', ...options.behaviour };
    this.retryAfterHeader = options.retryAfterHeader ?? false;
    this.rateLimitHeaders = options.rateLimitHeaders ?? true;
    this.setRateLimit(
      options.rateLimit === undefined
        ? BITBUCKET_RATE_LIMIT
        : options.rateLimit === false
          ? undefined
          : options.rateLimit,
    );
    const state = this.state;
    const directory: BitbucketDirectory = options.directory ?? {
      members: () => state.members,
      groups: () => state.groups,
    };
    const environment = { state, directory, behaviour: this.behaviour };
    this.core = new SpecEmulator({
      validator: validatorFor('bitbucket-cloud'),
      dialect: bitbucketDialect({
        retryAfterHeader: () => this.retryAfterHeader,
        rateLimitHeaders: () => this.rateLimitHeaders,
        credential: options.credential,
      }),
      routes: [...bitbucketRoutes(environment), ...accessRoutes(environment)],
      clock: this.clock,
      faults: this.faults,
      limiter: () => this.limiter,
      keepWriteLog: options.keepWriteLog,
      onWrite: options.onWrite,
    });
  }

  /** Spec violations seen so far. */
  get violations(): readonly Violation[] {
    return this.core.violations;
  }

  /** Every mutating call received, in order. */
  get writeLog(): readonly WriteLogEntry[] {
    return this.core.writeLog;
  }

  /** The operations served, as `METHOD /template` relative to https://api.bitbucket.org/2.0. */
  servedOperations(): string[] {
    return this.core.servedOperations();
  }

  /** Sets or removes the per-credential rate limit; counting restarts. */
  setRateLimit(settings: { readonly limit: number; readonly windowMs: number } | undefined): void {
    this.limiter = settings === undefined ? undefined : new RollingWindowLimiter({ ...settings, clock: this.clock });
  }

  /** Handles one request below `/emulated/bitbucket` (a path such as `/2.0/workspaces/emulated-workspace/members`). */
  handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    return this.core.handle(request);
  }

  /** The 401 a request's headers already earn (see Emulator.refuse), or undefined when its credential is accepted. */
  refuse(request: EmulatorRequest): EmulatorResponse | undefined {
    return this.core.refuse(request);
  }
}
