/**
 * The one contract between the admin resolvers and the admin page: resolver keys (`<area>/<verb>`) with their
 * payloads and results. The backend implements it with @forge/resolver `makeResolver`, the UI calls it with
 * @forge/bridge `makeInvoke`; neither copies these types.
 */

/** Whether the app is ready and what the page should say. */
export interface AdminStatus {
  readonly ready: boolean;
  readonly detail: string;
}

/** A SCIM bearer token as the page sees it: never the hash, never the token after issuance. */
export interface TokenView {
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt?: string;
  readonly suffix: string;
  readonly label?: string;
}

/** A newly issued token: the only time its value leaves the backend. */
export interface IssuedToken {
  readonly token: string;
  readonly view: TokenView;
}

/** Payload of `tokens/issue`. */
export interface IssueTokenPayload {
  readonly label?: string;
  /** Days until the token expires; omitted means no expiry. */
  readonly expiresInDays?: number;
}

/** Payload of `tokens/rotate`. */
export interface RotateTokenPayload extends IssueTokenPayload {
  /** Hours the current tokens stay valid, so the IdP can be switched over without downtime. */
  readonly overlapHours: number;
}

/** The resolver map. */
export type AdminApi = {
  'status/get': () => AdminStatus;
  'scim/get-base-url': () => { readonly url: string };
  'tokens/list': () => readonly TokenView[];
  'tokens/issue': (payload: IssueTokenPayload) => IssuedToken;
  'tokens/rotate': (payload: RotateTokenPayload) => IssuedToken;
  'tokens/revoke': (payload: { readonly id: string }) => { readonly revoked: boolean };
};
