/**
 * A stateful emulator of the Google Workspace APIs the app calls: the Admin SDK Directory API reads (standing for
 * https://admin.googleapis.com, every request and response checked against the discovery document through
 * discovery-to-openapi.ts) and Google's OAuth token endpoint for service accounts (standing for
 * https://oauth2.googleapis.com/token, served here at `/token`; token-endpoint.ts). Directory requests need a token
 * the token endpoint issued; the token's scopes and impersonated admin are checked as Google checks them.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Emulator, EmulatorRequest, EmulatorResponse, Violation, WriteLogEntry } from '../emulator-types';
import { FaultInjector } from '../faults';
import { loadGoogleDiscovery } from '../openapi/load-spec';
import type { JsonValue } from '../openapi/openapi-types';
import { validatorFor } from '../openapi/validator';
import type { ApiDialect } from '../spec-emulator';
import { SpecEmulator } from '../spec-emulator';
import type { Clock } from '../virtual-clock';
import { VirtualClock } from '../virtual-clock';
import { bearerToken } from '../emulator-access';
import { GoogleQuota } from './google-quota';
import { googleRoutes } from './google-routes';
import { seedGoogleDomain } from './google-seed';
import type { GoogleState } from './google-state';
import { READ_ONLY_SCOPES } from './google-state';
import { GOOGLE_TOKEN_AUDIENCE, handleTokenRequest } from './token-endpoint';

/** The path the token endpoint is served at, below the emulator's prefix. */
export const GOOGLE_TOKEN_PATH = '/token';

/** A service account key file as the Google Cloud console downloads it (the fields the app reads, and the usual rest). */
export interface ServiceAccountKeyFile {
  readonly type: 'service_account';
  readonly project_id: string;
  readonly private_key_id: string;
  readonly private_key: string;
  readonly client_email: string;
  readonly client_id: string;
  readonly auth_uri: string;
  readonly token_uri: string;
}

/** Options of the Google emulator. */
export interface GoogleWorkspaceEmulatorOptions {
  readonly clock?: Clock;
  /** Defaults to seedGoogleDomain(). */
  readonly state?: GoogleState;
  readonly seed?: number;
}

/** The status names of Google's error body (google.rpc.Code). */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const DEFAULT_REASONS: Readonly<Record<number, string>> = {
  400: 'invalid',
  401: 'authError',
  403: 'forbidden',
  404: 'notFound',
  429: 'rateLimitExceeded',
};

/** The error `domain` Google gives a reason (quota reasons are `usageLimits`). */
function domainOf(reason: string): string {
  return reason === 'userRateLimitExceeded' || reason === 'quotaExceeded' || reason === 'rateLimitExceeded'
    ? 'usageLimits'
    : 'global';
}

function googleDialect(state: GoogleState, clock: Clock): ApiDialect {
  return {
    // Violations name the API they came from.
    api: 'google',
    defaultBaseUrl: 'https://admin.googleapis.com',
    specPath: (path) => path,
    authenticate(request) {
      const token = bearerToken(request.headers.authorization?.[0]);
      const issued = token === undefined ? undefined : state.tokens.get(token);
      // An expired token is refused like an unknown one.
      if (token === undefined || issued === undefined || issued.expiresAt <= clock.now()) {
        return {
          ok: false,
          status: 401,
          message:
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        };
      }
      return { ok: true, credential: { scheme: 'bearer', key: token } };
    },
    errorBody(status, message, _operation, code): JsonValue {
      const reason = code ?? DEFAULT_REASONS[status] ?? 'backendError';
      return {
        error: {
          code: status,
          message,
          errors: [{ message, domain: domainOf(reason), reason }],
          status: STATUS_NAMES[status] ?? 'UNKNOWN',
        },
      };
    },
    rateLimitHeaders: () => ({}),
    rateLimitMessage: 'Rate Limit Exceeded',
    nominalRateLimit: 2400,
  };
}

/** The Google Workspace emulator: `handle` a request, inspect `state` and `violations`, steer `quota` and `faults`. */
export class GoogleWorkspaceEmulator implements Emulator {
  readonly state: GoogleState;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly quota: GoogleQuota;
  /** Token requests received (accepted or refused). */
  tokenRequests = 0;
  private readonly core: SpecEmulator;
  private readonly tokenViolations: Violation[] = [];

  constructor(options: GoogleWorkspaceEmulatorOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.state = options.state ?? seedGoogleDomain();
    this.faults = new FaultInjector({ seed: options.seed ?? 1 });
    this.quota = new GoogleQuota(this.clock);
    const discovery = loadGoogleDiscovery();
    const scopesByKey = new Map([...discovery.operations.values()].map((op) => [op.key, op.scopes]));
    this.core = new SpecEmulator({
      validator: validatorFor('google-admin-directory'),
      dialect: googleDialect(this.state, this.clock),
      routes: googleRoutes({ state: this.state, quota: this.quota, scopesOf: (key) => scopesByKey.get(key) ?? [] }),
      clock: this.clock,
      faults: this.faults,
      limiter: () => undefined,
    });
  }

  /** Spec violations seen so far: Directory requests or responses the discovery document does not describe, and token requests that break RFC 6749. */
  get violations(): readonly Violation[] {
    return [...this.core.violations, ...this.tokenViolations];
  }

  /** The emulator makes no writes; kept for the shared emulator surface. */
  get writeLog(): readonly WriteLogEntry[] {
    return this.core.writeLog;
  }

  /** The Directory operations served, as `METHOD /template`. */
  servedOperations(): string[] {
    return this.core.servedOperations();
  }

  /** Handles one request below the emulator's prefix: `/token`, or a Directory API path. */
  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    if (request.path === GOOGLE_TOKEN_PATH) {
      this.tokenRequests += 1;
      return handleTokenRequest(this.state, request, this.clock.now(), (messages) =>
        this.tokenViolations.push({
          api: 'google',
          side: 'request',
          method: request.method,
          path: request.path,
          operation: 'POST /token',
          messages,
          time: this.clock.now(),
        }),
      );
    }
    return this.core.handle(request);
  }

  /** The 401 a Directory request's headers already earn, or undefined (the token path reads its body first). */
  refuse(request: EmulatorRequest): EmulatorResponse | undefined {
    return request.path === GOOGLE_TOKEN_PATH ? undefined : this.core.refuse(request);
  }

  /**
   * Registers a service account from its key file (the private key's public half is what Google keeps) and, unless
   * `delegate` is false, grants it domain-wide delegation of `scopes` (default the app's read-only scopes), as a super
   * admin does under Security > API controls.
   */
  registerServiceAccount(
    key: Pick<ServiceAccountKeyFile, 'client_email' | 'client_id' | 'private_key_id' | 'private_key'>,
    scopes: readonly string[] = READ_ONLY_SCOPES,
    delegate = true,
  ): void {
    const publicKeyPem = createPublicKey(createPrivateKey(key.private_key))
      .export({ type: 'spki', format: 'pem' })
      .toString();
    this.state.serviceAccounts.set(key.client_email.toLowerCase(), {
      clientEmail: key.client_email,
      clientId: key.client_id,
      keyId: key.private_key_id,
      publicKeyPem,
    });
    if (delegate) this.state.delegations.set(key.client_id, new Set(scopes));
  }

  /** Creates a service account with a new RSA key, registers it (with delegation of `scopes`) and returns its key file. */
  createServiceAccountKey(name = 'scim-sync', scopes: readonly string[] = READ_ONLY_SCOPES): ServiceAccountKeyFile {
    const key = newServiceAccountKey(name);
    this.registerServiceAccount(key, scopes);
    return key;
  }
}

/** A new service account key file for `name` in an emulated project (2048-bit RSA, as Google issues). */
export function newServiceAccountKey(name = 'scim-sync', project = 'emulated-project'): ServiceAccountKeyFile {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientId = String(100000000000000000000n + BigInt(`0x${randomBytes(6).toString('hex')}`));
  return {
    type: 'service_account',
    project_id: project,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: `${name}@${project}.iam.gserviceaccount.com`,
    client_id: clientId,
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: GOOGLE_TOKEN_AUDIENCE,
  };
}
