/**
 * The credentials the sync engine calls Atlassian with: the organization id and org API key (Admin API), and a
 * workspace admin's email and API token (Bitbucket `permissions-config` writes). Each lives in its own Forge
 * secret (`kvs.setSecret`, encrypted, never queryable). The engine loads them in full; the admin page only ever
 * sees a masked view with a short suffix, and warnings when a key or token is about to expire.
 */
import type { SecretStore } from '../auth/bearer-tokens';
import { SyncError } from './sync-error';
import type { CredentialName, CredentialFieldView, CredentialsView, CredentialWarning } from '../shared/status-types';

/** The credentials as the engine uses them. */
export interface Credentials {
  readonly orgId: string;
  readonly orgApiKey: string;
  /** When the org API key expires (ISO 8601); Atlassian API keys carry an expiry chosen at creation. */
  readonly orgApiKeyExpiresAt?: string;
  readonly bitbucketEmail: string;
  readonly bitbucketApiToken: string;
  /** When the Bitbucket API token expires (ISO 8601). */
  readonly bitbucketApiTokenExpiresAt?: string;
}

/** The admin page's data (src/shared/status-types.ts), re-exported for the modules that use it here. */
export type { CredentialName, CredentialFieldView, CredentialsView, CredentialWarning } from '../shared/status-types';

/** A problem with credentials being saved. */
export interface CredentialError {
  readonly field: keyof Credentials;
  readonly message: string;
}

/** The `config` SyncError thrown by save and update when credentials are invalid, with every problem; nothing is stored then. */
export class CredentialValidationError extends SyncError {
  constructor(readonly errors: readonly CredentialError[]) {
    super('config', `Invalid credentials: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    this.name = 'CredentialValidationError';
  }
}

/** Forge secret storage as the credential store needs it (`kvs` from @forge/kvs satisfies it). */
export interface CredentialSecrets extends SecretStore {
  deleteSecret(key: string): Promise<void>;
}

/** Warnings start this many days before an expiry. */
export const EXPIRY_WARNING_DAYS = 14;

const SECRET_KEYS: Readonly<Record<CredentialName, string>> = {
  orgId: 'credentials:org-id',
  orgApiKey: 'credentials:org-api-key',
  bitbucketEmail: 'credentials:bitbucket-email',
  bitbucketApiToken: 'credentials:bitbucket-api-token',
};
const NAMES = Object.keys(SECRET_KEYS) as CredentialName[];
const EXPIRY_OF = { orgApiKey: 'orgApiKeyExpiresAt', bitbucketApiToken: 'bitbucketApiTokenExpiresAt' } as const;
const LABELS: Readonly<Record<keyof typeof EXPIRY_OF, string>> = {
  orgApiKey: 'The organization API key',
  bitbucketApiToken: 'The Bitbucket API token',
};
const DAY_MS = 86_400_000;

interface StoredSecret {
  value: string;
  updatedAt: string;
  expiresAt?: string;
}

/** The characters of `value` the admin page may see: the last 4, or a third of a shorter value, so a full value never shows. */
export function secretSuffix(value: string): string {
  const shown = Math.min(4, Math.floor(value.length / 3));
  return shown === 0 ? '' : value.slice(-shown);
}

function validate(credentials: Partial<Credentials>, required: boolean): CredentialError[] {
  const errors: CredentialError[] = [];
  const text = (field: CredentialName, check: (value: string) => string | undefined): void => {
    const value = credentials[field];
    if (value === undefined) {
      if (required) errors.push({ field, message: 'is required' });
      return;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      errors.push({ field, message: 'must be a non-empty string' });
      return;
    }
    const problem = check(value);
    if (problem !== undefined) errors.push({ field, message: problem });
  };
  text('orgId', (v) =>
    /^[A-Za-z0-9:._-]{1,200}$/.test(v) ? undefined : 'must be the organization id shown in Atlassian Administration',
  );
  text('orgApiKey', (v) =>
    v.length > 4096 || /\s/.test(v) ? 'must be an API key (no spaces, at most 4096 characters)' : undefined,
  );
  text('bitbucketEmail', (v) =>
    /^[^\s@]{1,200}@[^\s@]{1,200}\.[^\s@]{1,63}$/.test(v) ? undefined : 'must be an email address',
  );
  text('bitbucketApiToken', (v) =>
    v.length > 4096 || /\s/.test(v) ? 'must be an API token (no spaces, at most 4096 characters)' : undefined,
  );
  for (const field of ['orgApiKeyExpiresAt', 'bitbucketApiTokenExpiresAt'] as const) {
    const value = credentials[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value))) {
      errors.push({ field, message: 'must be a date such as 2027-01-31 or an ISO 8601 date-time' });
    }
  }
  return errors;
}

/** Stores, loads and masks the sync engine's credentials in Forge secret storage. */
export class CredentialStore {
  constructor(
    private readonly secrets: CredentialSecrets,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Validates and stores a full set of credentials; throws CredentialValidationError and stores nothing when invalid. */
  async save(credentials: Credentials): Promise<void> {
    const errors = validate(credentials, true);
    if (errors.length > 0) throw new CredentialValidationError(errors);
    await this.write(credentials);
  }

  /**
   * Changes some credentials (a rotated token with its new expiry, say), since the admin page never holds the
   * others in full. An expiry may be given with or without its secret; `null` clears it.
   */
  async update(
    patch: Partial<Omit<Credentials, 'orgApiKeyExpiresAt' | 'bitbucketApiTokenExpiresAt'>> & {
      readonly orgApiKeyExpiresAt?: string | null;
      readonly bitbucketApiTokenExpiresAt?: string | null;
    },
  ): Promise<void> {
    const { orgApiKeyExpiresAt, bitbucketApiTokenExpiresAt, ...rest } = patch;
    const checked: Partial<Credentials> = {
      ...rest,
      ...(orgApiKeyExpiresAt === null || orgApiKeyExpiresAt === undefined ? {} : { orgApiKeyExpiresAt }),
      ...(bitbucketApiTokenExpiresAt === null || bitbucketApiTokenExpiresAt === undefined
        ? {}
        : { bitbucketApiTokenExpiresAt }),
    };
    const errors = validate(checked, false);
    for (const name of ['orgApiKey', 'bitbucketApiToken'] as const) {
      const expiry = patch[EXPIRY_OF[name]];
      if (expiry !== undefined && patch[name] === undefined && (await this.read(name)) === undefined) {
        errors.push({ field: EXPIRY_OF[name], message: `cannot be set before ${name} is` });
      }
    }
    if (errors.length > 0) throw new CredentialValidationError(errors);
    const updatedAt = this.now().toISOString();
    for (const name of NAMES) {
      const value = patch[name];
      const expiry = name === 'orgApiKey' || name === 'bitbucketApiToken' ? patch[EXPIRY_OF[name]] : undefined;
      if (value === undefined && expiry === undefined) continue;
      const current = await this.read(name);
      const stored: StoredSecret = {
        value: value ?? current?.value ?? '',
        updatedAt: value === undefined ? (current?.updatedAt ?? updatedAt) : updatedAt,
      };
      // A new secret without an expiry drops the old secret's expiry: it belonged to the value being replaced.
      const expiresAt =
        expiry === null ? undefined : (expiry ?? (value === undefined ? current?.expiresAt : undefined));
      if (expiresAt !== undefined) stored.expiresAt = new Date(expiresAt).toISOString();
      await this.secrets.setSecret(SECRET_KEYS[name], stored);
    }
  }

  /** The credentials in full, for the engine only; undefined until all four are stored. */
  async load(): Promise<Credentials | undefined> {
    const [orgId, orgApiKey, bitbucketEmail, bitbucketApiToken] = await Promise.all(
      NAMES.map((name) => this.read(name)),
    );
    if (!orgId || !orgApiKey || !bitbucketEmail || !bitbucketApiToken) return undefined;
    return {
      orgId: orgId.value,
      orgApiKey: orgApiKey.value,
      ...(orgApiKey.expiresAt === undefined ? {} : { orgApiKeyExpiresAt: orgApiKey.expiresAt }),
      bitbucketEmail: bitbucketEmail.value,
      bitbucketApiToken: bitbucketApiToken.value,
      ...(bitbucketApiToken.expiresAt === undefined ? {} : { bitbucketApiTokenExpiresAt: bitbucketApiToken.expiresAt }),
    };
  }

  /** What the admin page may show: for each credential whether it is set, a short suffix, and dates. */
  async view(): Promise<CredentialsView> {
    const entries = await Promise.all(
      NAMES.map(async (name): Promise<[CredentialName, CredentialFieldView]> => {
        const stored = await this.read(name);
        if (stored === undefined) return [name, { configured: false }];
        const suffix = secretSuffix(stored.value);
        return [
          name,
          {
            configured: true,
            ...(suffix === '' ? {} : { suffix }),
            updatedAt: stored.updatedAt,
            ...(stored.expiresAt === undefined ? {} : { expiresAt: stored.expiresAt }),
          },
        ];
      }),
    );
    return Object.fromEntries(entries) as Record<CredentialName, CredentialFieldView>;
  }

  /** Warnings for the org API key and Bitbucket API token when expired or expiring within EXPIRY_WARNING_DAYS of `now`. */
  async warnings(now: Date = this.now()): Promise<CredentialWarning[]> {
    const warnings: CredentialWarning[] = [];
    for (const name of ['orgApiKey', 'bitbucketApiToken'] as const) {
      const expiresAt = (await this.read(name))?.expiresAt;
      if (expiresAt === undefined) continue;
      const leftMs = Date.parse(expiresAt) - now.getTime();
      if (leftMs > EXPIRY_WARNING_DAYS * DAY_MS) continue;
      const daysLeft = Math.floor(leftMs / DAY_MS);
      const expired = leftMs <= 0;
      warnings.push({
        credential: name,
        severity: expired ? 'expired' : 'expiring',
        expiresAt,
        daysLeft,
        message: expired
          ? `${LABELS[name]} expired on ${expiresAt.slice(0, 10)}; syncing fails until it is replaced`
          : `${LABELS[name]} expires on ${expiresAt.slice(0, 10)} (${daysLeft === 0 ? 'within a day' : `in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`}); replace it before then`,
      });
    }
    return warnings;
  }

  /** Deletes every stored credential (uninstall, or an admin starting over). */
  async clear(): Promise<void> {
    for (const name of NAMES) await this.secrets.deleteSecret(SECRET_KEYS[name]);
  }

  private async read(name: CredentialName): Promise<StoredSecret | undefined> {
    return this.secrets.getSecret<StoredSecret>(SECRET_KEYS[name]);
  }

  // Four secrets cannot be written atomically (secrets take no part in transactions): an interrupted save can
  // leave old and new values mixed, which a repeated save repairs; the engine's credential check then fails
  // loudly rather than writing with the wrong identity.
  private async write(credentials: Credentials): Promise<void> {
    const updatedAt = this.now().toISOString();
    const expiry = (value: string | undefined): { expiresAt?: string } =>
      value === undefined ? {} : { expiresAt: new Date(value).toISOString() };
    const records: [CredentialName, StoredSecret][] = [
      ['orgApiKey', { value: credentials.orgApiKey, updatedAt, ...expiry(credentials.orgApiKeyExpiresAt) }],
      [
        'bitbucketApiToken',
        { value: credentials.bitbucketApiToken, updatedAt, ...expiry(credentials.bitbucketApiTokenExpiresAt) },
      ],
      ['bitbucketEmail', { value: credentials.bitbucketEmail, updatedAt }],
      ['orgId', { value: credentials.orgId, updatedAt }],
    ];
    for (const [name, record] of records) await this.secrets.setSecret(SECRET_KEYS[name], record);
  }
}
