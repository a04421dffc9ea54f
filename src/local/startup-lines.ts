/**
 * What `npm start` says about its credentials: the SCIM bearer token (generated and shown once, or what became of
 * SCIM_BEARER_TOKEN, or the tokens already configured) and the admin page's URL, which carries the key only when the
 * host generated it: a key the operator set in ADMIN_KEY is not echoed, only its last four characters.
 */
import type { AdoptOutcome, RetiredToken, TokenSummary } from '../auth/bearer-tokens';
import { MAKE_TOKEN_HINT } from '../auth/token-strength';

/** What the token lines are made from. */
export interface TokenLineInput {
  /** A token generated on this start (shown this once). */
  readonly generatedToken?: string;
  /** What became of SCIM_BEARER_TOKEN, when it was set. */
  readonly outcome?: AdoptOutcome;
  /** The valid tokens after start. */
  readonly tokens: readonly TokenSummary[];
}

const ISSUE_HINT = 'issue a new token on the admin page or with `npm run token -- issue` (stop the host first)';

function suffixes(tokens: readonly TokenSummary[]): string {
  return tokens.map((t) => `…${t.suffix}`).join(', ');
}

function ended(retired: RetiredToken): string {
  const day = retired.at.slice(0, 10);
  if (retired.reason === 'revoked') return `was revoked on ${day}`;
  if (retired.reason === 'rotated') return `was rotated out (valid until ${retired.at})`;
  return `expired on ${day}`;
}

/** The lines about the SCIM bearer token; every one starts with `SCIM bearer token`. */
export function tokenLines(input: TokenLineInput): string[] {
  if (input.generatedToken !== undefined)
    return [`SCIM bearer token (shown once, only its hash is kept): ${input.generatedToken}`];
  const outcome = input.outcome;
  const valid =
    input.tokens.length > 0
      ? `valid now: ${suffixes(input.tokens)}`
      : 'no token is valid now, so every SCIM request is refused';
  switch (outcome?.status) {
    case undefined:
      return [
        `SCIM bearer token: already configured (${suffixes(input.tokens)}); set SCIM_BEARER_TOKEN to use a known one`,
      ];
    case 'present':
      return [`SCIM bearer token: the value of SCIM_BEARER_TOKEN (…${outcome.summary.suffix})`];
    case 'adopted':
      return [
        `SCIM bearer token: the value of SCIM_BEARER_TOKEN (…${outcome.summary.suffix}), adopted now; revoked on the admin page, it stays revoked even while SCIM_BEARER_TOKEN is set`,
      ];
    case 'retired':
      return [
        `SCIM bearer token: SCIM_BEARER_TOKEN (…${outcome.retired.suffix}) ${ended(outcome.retired)} and stays invalid; ${valid}. ` +
          `To use another, ${ISSUE_HINT}, or set SCIM_BEARER_TOKEN to a new value (${MAKE_TOKEN_HINT}).`,
      ];
    case 'over-limit':
      return [
        `SCIM bearer token: SCIM_BEARER_TOKEN (…${outcome.suffix}) is NOT accepted: ${outcome.live.length} other tokens are valid (${suffixes(outcome.live)}) and no more may be. ` +
          'Revoke one on the admin page or with `npm run token -- revoke ID` (stop the host first), then restart.',
      ];
  }
}

/** The admin page line: the URL with a generated key, or, for a key set in ADMIN_KEY, the URL without it (its suffix only). */
export function adminPageLine(adminUrl: string, environmentKey: string | undefined): string {
  if (environmentKey === undefined) return `Admin page: ${adminUrl}`;
  return `Admin page: ${adminUrl.slice(0, adminUrl.indexOf('#'))}#key=<the value of ADMIN_KEY> (…${environmentKey.slice(-4)})`;
}
