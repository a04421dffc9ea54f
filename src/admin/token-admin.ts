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
  };
}

function optionalLabel(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_LABEL) throw new AdminError('invalid-input', `label must be text of at most ${MAX_LABEL} characters`);
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
      const issued = await this.tokens.issue({ ...(label ? { label } : {}), ...(days ? { expiresAt: this.expiry(days) } : {}) });
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
      const issued = await this.tokens.rotate(overlap * 3600, { ...(label ? { label } : {}), ...(days ? { expiresAt: this.expiry(days) } : {}) });
      return { token: issued.token, view: view(issued.summary) };
    } catch (error) {
      if (error instanceof BearerTokenError) throw new AdminError('invalid-input', error.message, { cause: error });
      throw error;
    }
  }

  /** Revokes a token at once. */
  async revoke(payload: unknown): Promise<{ revoked: boolean }> {
    const id = payloadObject(payload).id;
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) throw new AdminError('invalid-input', 'id must be a token id');
    return { revoked: await this.tokens.revoke(id) };
  }

  private expiry(days: number): Date {
    return new Date(this.now().getTime() + days * 86_400_000);
  }
}
