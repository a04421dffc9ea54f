/**
 * The SCIM bearer tokens. Web triggers have no authentication of their own (Forge docs, web trigger module),
 * so the app issues its own tokens: 256 random bits each, shown once, stored only as SHA-256 hashes in
 * secret storage and compared in constant time. A slow password hash is unnecessary for tokens of full
 * entropy. During rotation two tokens are valid at once, the old one until its expiry; a rotation that would have to
 * end one of two valid tokens at once is refused. A token that was revoked, rotated out or expired is remembered by
 * its hash, so the local host's SCIM_BEARER_TOKEN, adopted once, cannot come back after it was revoked.
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

/** Why a token stopped being valid. */
export type RetiredReason = 'revoked' | 'rotated' | 'expired';

/** A token that is no longer valid, remembered by its hash (never the token). */
export interface RetiredToken {
  readonly hash: string;
  readonly suffix: string;
  /** When it was revoked, or when it was set to expire by a rotation, or when its expiry was noticed. */
  readonly at: string;
  readonly reason: RetiredReason;
}

/** What adopting a token chosen elsewhere (SCIM_BEARER_TOKEN) did. */
export type AdoptOutcome =
  /** Stored now. */
  | { readonly status: 'adopted'; readonly summary: TokenSummary }
  /** Stored by an earlier start and still valid. */
  | { readonly status: 'present'; readonly summary: TokenSummary }
  /** Revoked, rotated out or expired earlier: it stays invalid. */
  | { readonly status: 'retired'; readonly retired: RetiredToken }
  /** Not stored: as many tokens as may be valid at once already are. */
  | { readonly status: 'over-limit'; readonly suffix: string; readonly live: readonly TokenSummary[] };

/** Why the token store refused a request: `limit` when it would pass the number of valid tokens. */
export class BearerTokenError extends Error {
  constructor(
    readonly code: 'limit',
    message: string,
  ) {
    super(message);
    this.name = 'BearerTokenError';
  }
}

const SECRET_KEY = 'scim-bearer-tokens';
const RETIRED_KEY = 'scim-bearer-tokens-retired';
/** How many retired tokens are remembered (about 150 bytes each), the most recent first. */
export const MAX_RETIRED_TOKENS = 200;
/** At most this many tokens are valid at once: the current one and the one being rotated out. */
export const MAX_ACTIVE_TOKENS = 2;
/** How long verification trusts its last read of the token list; a revocation elsewhere takes effect within it. */
export const DEFAULT_CACHE_MS = 5000;

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function retirement(record: TokenRecord, reason: RetiredReason, at: string): RetiredToken {
  return { hash: record.hash, suffix: record.suffix, at, reason };
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

  /**
   * Stores the hash of a token chosen elsewhere (the local host's SCIM_BEARER_TOKEN) once: a token already stored is
   * left as it is, one revoked, rotated out or expired before is not stored again, and none is stored while as many
   * tokens as may be valid at once are (nothing else is revoked to make room).
   */
  async adopt(token: string, options: { label?: string } = {}): Promise<AdoptOutcome> {
    const hash = digest(token).toString('hex');
    const records = await this.records(false);
    const live = this.live(records);
    const current = live.find((r) => r.hash === hash);
    if (current) return { status: 'present', summary: summary(current) };
    const retired = (await this.retired()).find((r) => r.hash === hash);
    if (retired) return { status: 'retired', retired };
    const expired = records.find((r) => r.hash === hash);
    if (expired)
      return {
        status: 'retired',
        retired: { hash, suffix: expired.suffix, at: expired.expiresAt ?? expired.createdAt, reason: 'expired' },
      };
    if (live.length >= MAX_ACTIVE_TOKENS)
      return { status: 'over-limit', suffix: token.slice(-4), live: live.map(summary) };
    return { status: 'adopted', summary: await this.store(token, options) };
  }

  /**
   * Issues a new token and lets the valid one expire after `overlapSeconds`, so the IdP can be switched without
   * downtime. Refused (BearerTokenError `limit`) while two tokens are valid: that rotation would end one of them at
   * once, so the admin revokes the one the IdP no longer uses first.
   */
  async rotate(
    overlapSeconds: number,
    options: { expiresAt?: Date; label?: string } = {},
  ): Promise<{ token: string; summary: TokenSummary }> {
    const all = await this.records(false);
    const live = this.live(all);
    if (live.length >= MAX_ACTIVE_TOKENS) {
      const which = live
        .map(
          (r) =>
            `…${r.suffix} (created ${r.createdAt.slice(0, 10)}${r.expiresAt ? `, valid until ${r.expiresAt}` : ''})`,
        )
        .join(' and ');
      throw new BearerTokenError(
        'limit',
        `${live.length} tokens are valid already: ${which}. Rotating now would end one of them at once; revoke the one your identity provider no longer uses, then rotate.`,
      );
    }
    const until = new Date(this.now().getTime() + Math.max(0, overlapSeconds) * 1000).toISOString();
    const ending = live.filter(
      (record) => record.expiresAt === undefined || Date.parse(record.expiresAt) > Date.parse(until),
    );
    await this.remember([
      ...ending.map((record) => retirement(record, 'rotated', until)),
      ...this.expiredOf(all, live),
    ]);
    // Every token valid before the rotation is retiring now: the page names the new one as the IdP's to use.
    await this.save(
      live.map((record) => ({
        ...(ending.includes(record) ? { ...record, expiresAt: until } : record),
        retiring: true,
      })),
    );
    return this.issue(options);
  }

  /** Revokes a token at once; it is remembered, so it is never adopted again. */
  async revoke(id: string): Promise<boolean> {
    const records = await this.records(false);
    const revoked = records.filter((r) => r.id === id);
    await this.remember(revoked.map((record) => retirement(record, 'revoked', this.now().toISOString())));
    await this.save(records.filter((r) => r.id !== id));
    return revoked.length > 0;
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
    const all = await this.records(false);
    const records = this.live(all);
    if (records.length >= MAX_ACTIVE_TOKENS) {
      throw new BearerTokenError(
        'limit',
        `At most ${MAX_ACTIVE_TOKENS} tokens can be valid at once; revoke or rotate one first`,
      );
    }
    // Expired records leave the list here: remembered first, so an expired token is not adopted again.
    await this.remember(this.expiredOf(all, records));
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

  private expiredOf(all: TokenRecord[], live: TokenRecord[]): RetiredToken[] {
    return all
      .filter((r) => !live.includes(r))
      .map((record) => retirement(record, 'expired', record.expiresAt ?? this.now().toISOString()));
  }

  private async retired(): Promise<RetiredToken[]> {
    return (await this.secrets.getSecret<RetiredToken[]>(RETIRED_KEY)) ?? [];
  }

  // Written before the token list changes, so a crash in between leaves a token remembered but still valid, never gone
  // but adoptable again.
  private async remember(tokens: RetiredToken[]): Promise<void> {
    if (tokens.length === 0) return;
    const known = await this.retired();
    const hashes = new Set(tokens.map((t) => t.hash));
    await this.secrets.setSecret(
      RETIRED_KEY,
      [...tokens, ...known.filter((t) => !hashes.has(t.hash))].slice(0, MAX_RETIRED_TOKENS),
    );
  }

  private async save(records: TokenRecord[]): Promise<void> {
    await this.secrets.setSecret(SECRET_KEY, records);
    this.cache = { records, at: Date.now() };
  }
}
