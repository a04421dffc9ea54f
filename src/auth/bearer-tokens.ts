/**
 * The SCIM bearer tokens. Web triggers have no authentication of their own (Forge docs, web trigger module),
 * so the app issues its own tokens: 256 random bits each, shown once, stored only as SHA-256 hashes in
 * secret storage and compared in constant time. A slow password hash is unnecessary for tokens of full
 * entropy. During rotation two tokens are valid at once, the old one until its expiry.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** The slice of Forge secret storage (`kvs.getSecret/setSecret`) the tokens need. */
export interface SecretStore {
  getSecret<T>(key: string): Promise<T | undefined>;
  setSecret<T>(key: string, value: T): Promise<void>;
}

/** A token as stored: never the token itself. */
export interface TokenRecord {
  readonly id: string;
  readonly hash: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  /** The last four characters, so an admin can tell tokens apart. */
  readonly suffix: string;
  readonly label?: string;
  /** Set by a rotation: the token is being replaced and stays valid only until `expiresAt`, the overlap's end. */
  readonly retiring?: boolean;
}

/** A token as shown to an admin: no hash. */
export type TokenSummary = Omit<TokenRecord, 'hash'>;

const SECRET_KEY = 'scim-bearer-tokens';
/** At most this many tokens are valid at once: the current one and the one being rotated out. */
export const MAX_ACTIVE_TOKENS = 2;
/** How long verification trusts its last read of the token list; a revocation elsewhere takes effect within it. */
export const DEFAULT_CACHE_MS = 5000;

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function summary(record: TokenRecord): TokenSummary {
  const { hash: _hash, ...rest } = record;
  return rest;
}

/** Issues, rotates, revokes and verifies SCIM bearer tokens. */
export class BearerTokens {
  private cache: { records: TokenRecord[]; at: number } | undefined;

  constructor(
    private readonly secrets: SecretStore,
    private readonly now: () => Date = () => new Date(),
    private readonly cacheMs: number = DEFAULT_CACHE_MS,
  ) {}

  /** True when `token` matches a token that has not expired; examines every record so timing reveals nothing. */
  async verify(token: string | undefined): Promise<boolean> {
    if (token === undefined || token.length === 0 || token.length > 512) return false;
    const presented = digest(token);
    const nowMs = this.now().getTime();
    let matched = false;
    for (const record of await this.records(true)) {
      const stored = Buffer.from(record.hash, 'hex');
      const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
      const live = record.expiresAt === undefined || Date.parse(record.expiresAt) > nowMs;
      matched = (equal && live) || matched;
    }
    return matched;
  }

  /** Creates a token and returns it once; fails when two tokens are already valid. */
  async issue(options: { expiresAt?: Date; label?: string } = {}): Promise<{ token: string; summary: TokenSummary }> {
    const token = `scim_${randomBytes(32).toString('base64url')}`;
    return { token, summary: await this.store(token, options) };
  }

  /** Stores the hash of a token chosen elsewhere (the local host's SCIM_BEARER_TOKEN); no-op when already stored. */
  async adopt(token: string, options: { label?: string } = {}): Promise<TokenSummary> {
    const hash = digest(token).toString('hex');
    const existing = (await this.records(false)).find((r) => r.hash === hash);
    return existing ? summary(existing) : this.store(token, options);
  }

  /** Issues a new token and lets the others expire after `overlapSeconds`, so the IdP can be switched without downtime. */
  async rotate(overlapSeconds: number, options: { expiresAt?: Date; label?: string } = {}): Promise<{ token: string; summary: TokenSummary }> {
    const until = new Date(this.now().getTime() + Math.max(0, overlapSeconds) * 1000).toISOString();
    const records = this.live(await this.records(false)).map((record) =>
      record.expiresAt !== undefined && Date.parse(record.expiresAt) < Date.parse(until) ? { ...record, retiring: true } : { ...record, expiresAt: until, retiring: true },
    );
    await this.save(records.slice(-(MAX_ACTIVE_TOKENS - 1)));
    return this.issue(options);
  }

  /** Revokes a token at once. */
  async revoke(id: string): Promise<boolean> {
    const records = await this.records(false);
    const kept = records.filter((r) => r.id !== id);
    await this.save(kept);
    return kept.length !== records.length;
  }

  /** Lists tokens that have not expired, without their hashes. */
  async list(): Promise<TokenSummary[]> {
    return this.live(await this.records(false)).map(summary);
  }

  private live(records: TokenRecord[]): TokenRecord[] {
    const nowMs = this.now().getTime();
    return records.filter((r) => r.expiresAt === undefined || Date.parse(r.expiresAt) > nowMs);
  }

  private async store(token: string, options: { expiresAt?: Date; label?: string }): Promise<TokenRecord> {
    const records = this.live(await this.records(false));
    if (records.length >= MAX_ACTIVE_TOKENS) {
      throw new Error(`At most ${MAX_ACTIVE_TOKENS} tokens can be valid at once; revoke or rotate one first`);
    }
    const record: TokenRecord = {
      id: randomUUID(),
      hash: digest(token).toString('hex'),
      createdAt: this.now().toISOString(),
      suffix: token.slice(-4),
      ...(options.expiresAt ? { expiresAt: options.expiresAt.toISOString() } : {}),
      ...(options.label ? { label: options.label } : {}),
    };
    await this.save([...records, record]);
    return record;
  }

  private async records(cached: boolean): Promise<TokenRecord[]> {
    const nowMs = Date.now();
    if (cached && this.cache && nowMs - this.cache.at < this.cacheMs) return this.cache.records;
    const records = (await this.secrets.getSecret<TokenRecord[]>(SECRET_KEY)) ?? [];
    this.cache = { records, at: nowMs };
    return records;
  }

  private async save(records: TokenRecord[]): Promise<void> {
    await this.secrets.setSecret(SECRET_KEY, records);
    this.cache = { records, at: Date.now() };
  }
}
