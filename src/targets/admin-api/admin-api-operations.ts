/**
 * The Admin API operations the client calls and the request limits the spec sets on them; only operations current
 * in admin-organization-openapi.json (docs/notes/atlassian-admin-api.md sections 5 and 8).
 */
import type { ApiOperation } from '../http/api-operation';
import { apiOperation } from '../http/api-operation';

/** The real API's base URL; the local host passes its emulator's instead. */
export const ADMIN_API_BASE_URL = 'https://api.atlassian.com/admin';

const ORG = '/v2/orgs/{orgId}';
const DIRECTORY = `${ORG}/directories/{directoryId}`;
const GROUP = `${DIRECTORY}/groups/{groupId}`;

/** Every Admin API operation the client can call. */
export const ADMIN_API_OPERATIONS = {
  listDirectories: apiOperation('GET', `${ORG}/directories`),
  searchUsers: apiOperation('POST', `${DIRECTORY}/users/search`),
  inviteUsers: apiOperation('POST', `${ORG}/users/invite`),
  suspendUser: apiOperation('POST', `${DIRECTORY}/users/{accountId}/suspend`),
  restoreUser: apiOperation('POST', `${DIRECTORY}/users/{accountId}/restore`),
  removeUser: apiOperation('DELETE', `${DIRECTORY}/users/{accountId}`),
  createGroup: apiOperation('POST', `${DIRECTORY}/groups`),
  searchGroups: apiOperation('POST', `${DIRECTORY}/groups/search`),
  deleteGroup: apiOperation('DELETE', GROUP),
  addMembership: apiOperation('POST', `${GROUP}/memberships`),
  removeMembership: apiOperation('DELETE', `${GROUP}/memberships/{accountId}`),
  listGroupRoles: apiOperation('GET', `${GROUP}/role-assignments`),
  assignGroupRole: apiOperation('POST', `${GROUP}/role-assignments/assign`),
  revokeGroupRole: apiOperation('POST', `${GROUP}/role-assignments/revoke`),
  getDomains: apiOperation('GET', '/v1/orgs/{orgId}/domains'),
} as const satisfies Record<string, ApiOperation>;

/** `users/search` takes 1..100 `emails` (MultiDirectoryUserSearchRequest). */
export const EMAILS_PER_SEARCH = 100;
/** The invite takes 1..25 `emails` (MultidirectoryInviteApiRequest; notes section 3.3). */
export const EMAILS_PER_INVITE = 25;
