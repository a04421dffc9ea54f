/**
 * The OAuth scopes the app asks Google for: read-only, the narrowest that cover users.list, groups.list and
 * members.list (each method's `scopes` in specs/google-admin-directory-v1-discovery.json). An admin enters exactly
 * these under domain-wide delegation (docs/idp/google-workspace.md).
 */
export const GOOGLE_READ_ONLY_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
] as const;

/** Google's token endpoint: the URL the app posts to on Forge, and the `aud` of every assertion wherever it posts. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The Directory API's root (the discovery document's `rootUrl`, without its trailing slash). */
export const GOOGLE_DIRECTORY_BASE_URL = 'https://admin.googleapis.com';
