/** The admin calls about SCIM tokens and the endpoint, with every input validated on the server. */
import { BearerTokenError, type BearerTokens, type TokenSummary } from '../auth/bearer-tokens';
import type { IssueTokenPayload, IssuedToken, RotateTokenPayload, TokenView } from '../shared/admin-api';
import { payloadObject } from './payload';
import { AdminError } from './workspace-admin';

const MAX_LABEL = 80;
const MAX_DAYS = 3650;
const MAX_OVERLAP_HOURS = 24 * 30;

function view(summary: TokenSummary): TokenView {
  return {
    id: summary.id,
    createdAt: summary.createdAt,
    suffix: summary.suffix,
    ...(summary.expiresAt ? { expiresAt: summary.expiresAt } : {}),
    ...(summary.label ? { label: summary.label } : {}),
    ...(summary.retiring ? { retiring: true } : {}),
  };
}

/** A token's suffix as an admin may type it: `abcd`, `…abcd` or `...abcd`. */
const SUFFIX = /^(?:…|\.\.\.)?([A-Za-z0-9_-]{4})$/;
const TOKEN_ID = /^[0-9a-f-]{36}$/;

function optionalLabel(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_LABEL)
    throw new AdminError('invalid-input', `label must be text of at most ${MAX_LABEL} characters`);
  return value.trim() === '' ? undefined : value.trim();
}

function optionalNumber(value: unknown, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) {
    throw new AdminError('invalid-input', `${name} must be a number above 0 and at most ${max}`);
  }
  return value;
}

/** Token administration over a BearerTokens store. */
export class TokenAdmin {
  constructor(
    private readonly tokens: BearerTokens,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Lists live tokens. */
  async list(): Promise<TokenView[]> {
    return (await this.tokens.list()).map(view);
  }

  /** Issues a token; the value is returned this once. */
  async issue(payload: unknown): Promise<IssuedToken> {
    const input = payloadObject(payload) as Partial<IssueTokenPayload>;
    const label = optionalLabel(input.label);
    const days = optionalNumber(input.expiresInDays, 'expiresInDays', MAX_DAYS);
    try {
      const issued = await this.tokens.issue({
        ...(label ? { label } : {}),
        ...(days ? { expiresAt: this.expiry(days) } : {}),
      });
      return { token: issued.token, view: view(issued.summary) };
    } catch (error) {
      throw new AdminError('invalid-input', error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  /**
   * Issues a new token and lets the current one expire after the overlap; refused (invalid-input, with which tokens
   * are valid) while two are, since the rotation would end one of them at once.
   */
  async rotate(payload: unknown): Promise<IssuedToken> {
    const input = payloadObject(payload) as Partial<RotateTokenPayload>;
    const overlap = optionalNumber(input.overlapHours, 'overlapHours', MAX_OVERLAP_HOURS);
    if (overlap === undefined) throw new AdminError('invalid-input', 'overlapHours is required');
    const label = optionalLabel(input.label);
    const days = optionalNumber(input.expiresInDays, 'expiresInDays', MAX_DAYS);
    try {
      const issued = await this.tokens.rotate(overlap * 3600, {
        ...(label ? { label } : {}),
        ...(days ? { expiresAt: this.expiry(days) } : {}),
      });
      const retiring = (await this.tokens.list())
        .filter((token) => token.retiring && token.id !== issued.summary.id)
        .map(view);
      return { token: issued.token, view: view(issued.summary), retiring };
    } catch (error) {
      if (error instanceof BearerTokenError) throw new AdminError('invalid-input', error.message, { cause: error });
      throw error;
    }
  }

  /**
   * Revokes a token at once, named by its id or by the 4-character suffix the page and `list` show (`abcd` or
   * `…abcd`); a suffix two live tokens share is refused, so the wrong one is never revoked.
   */
  async revoke(payload: unknown): Promise<{ revoked: boolean; token?: TokenView }> {
    const given = payloadObject(payload).id;
    const suffix = typeof given === 'string' ? SUFFIX.exec(given.trim())?.[1] : undefined;
    if (typeof given !== 'string' || (!TOKEN_ID.test(given) && suffix === undefined)) {
      throw new AdminError(
        'invalid-input',
        'id must be a token id or the last 4 characters of a token (as the token list shows them)',
      );
    }
    const live = await this.tokens.list();
    const matches = TOKEN_ID.test(given)
      ? live.filter((token) => token.id === given)
      : live.filter((token) => token.suffix === suffix);
    if (matches.length > 1)
      throw new AdminError('invalid-input', `${matches.length} tokens end in ${suffix ?? given}; revoke one by its id`);
    const [found] = matches;
    if (found === undefined)
      return TOKEN_ID.test(given) ? { revoked: await this.tokens.revoke(given) } : { revoked: false };
    return { revoked: await this.tokens.revoke(found.id), token: view(found) };
  }

  private expiry(days: number): Date {
    return new Date(this.now().getTime() + days * 86_400_000);
  }
}
