/**
 * Readers of the Admin API v2 response bodies the client uses (admin-organization-openapi.json). Each takes
 * only the fields the client needs and fails on a body that lacks them.
 */
import type { AccountStatus, DirectoryAccount, DirectoryGroup } from '../ports';
import type { JsonRecord } from '../http/response-shape';
import {
  asRecord,
  oneOf,
  optionalArray,
  optionalBoolean,
  optionalRecord,
  optionalString,
  requiredArray,
  requiredString,
  stringItems,
} from '../http/response-shape';

/** The prefix group IDs carry in a user search with `expand: ["groups"]` (the spec's example). */
export const GROUP_ARI_PREFIX = 'ari:cloud:identity::group/';

/** A group ID without the ARI prefix, the form the group endpoints use; compare IDs only in this form. */
export function normaliseGroupId(groupId: string): string {
  return groupId.startsWith(GROUP_ARI_PREFIX) ? groupId.slice(GROUP_ARI_PREFIX.length) : groupId;
}

/** One page of a cursor-paged listing: `{ data: [...], links: { next } }`. */
export interface CursorPage<T> {
  readonly items: T[];
  /** The cursor of the next page, absent on the last. */
  readonly next: string | undefined;
}

/**
 * The next page's cursor. `links.next` is documented as "Cursor to fetch the next page"; should it ever
 * come as a URL (as the workspaces search's does), its `cursor` query parameter is the cursor.
 */
function nextCursor(page: JsonRecord): string | undefined {
  const next = optionalString(optionalRecord(page, 'links', 'body') ?? {}, 'next', 'body.links');
  if (next === undefined || next === '') return undefined;
  if (!/^https?:\/\//i.test(next)) return next;
  return new URL(next).searchParams.get('cursor') ?? undefined;
}

function cursorPage<T>(body: unknown, readItem: (item: JsonRecord, where: string) => T): CursorPage<T> {
  const page = asRecord(body, 'body');
  const items = requiredArray(page, 'data', 'body').map((item, index) =>
    readItem(asRecord(item, `body.data[${index}]`), `body.data[${index}]`),
  );
  return { items, next: nextCursor(page) };
}

const ACCOUNT_STATUSES: readonly AccountStatus[] = [
  'active',
  'suspended',
  'not_invited',
  'deactivated',
  'for_deletion',
];

/** `MultiDirectoryUserDirectoryPage` (getDirectoriesForOrg). */
export function readDirectoryPage(body: unknown): CursorPage<{ directoryId: string; name: string }> {
  return cursorPage(body, (item, where) => ({
    directoryId: requiredString(item, 'directoryId', where),
    name: requiredString(item, 'name', where),
  }));
}

/** `DomainPage` (getDomains): each domain's name and the status of its claim (`verified`, `unverified`, …). */
export function readDomainPage(body: unknown): CursorPage<{ name: string; status: string | undefined }> {
  return cursorPage(body, (item, where) => {
    const attributes = optionalRecord(item, 'attributes', where) ?? {};
    const claim = optionalRecord(attributes, 'claim', `${where}.attributes`) ?? {};
    return {
      name: requiredString(attributes, 'name', `${where}.attributes`),
      status: optionalString(claim, 'status', `${where}.attributes.claim`),
    };
  });
}

/** `MultiDirectoryUserSearchPage` (searchDirectoryUsers), as accounts. */
export function readUserSearchPage(body: unknown): CursorPage<DirectoryAccount> {
  return cursorPage(body, (item, where) => {
    const source = optionalString(item, 'managementSource', where);
    return {
      accountId: requiredString(item, 'accountId', where),
      email: requiredString(item, 'email', where),
      status: oneOf(requiredString(item, 'status', where), ACCOUNT_STATUSES, `${where}.status`),
      managementSource:
        source === undefined ? null : oneOf(source, ['invited', 'synced'] as const, `${where}.managementSource`),
    };
  });
}

/** `MultiDirectoryUserSearchPage` when only account IDs matter (members of a group, membership read-backs). */
export function readAccountIdPage(body: unknown): CursorPage<string> {
  return cursorPage(body, (item, where) => requiredString(item, 'accountId', where));
}

/**
 * `MultiDirectoryGroupSearchPage` (searchDirectoryGroups). The spec marks no field required; a group without
 * `externalSynced` is taken as not synced, and without `managementAccess.deletable` as deletable unless synced.
 */
export function readGroupSearchPage(body: unknown): CursorPage<DirectoryGroup> {
  return cursorPage(body, (item, where) => {
    const externalSynced = optionalBoolean(item, 'externalSynced', where) ?? false;
    const access = optionalRecord(item, 'managementAccess', where);
    const deletable =
      (access === undefined ? undefined : optionalBoolean(access, 'deletable', `${where}.managementAccess`)) ??
      !externalSynced;
    return {
      id: normaliseGroupId(requiredString(item, 'id', where)),
      name: requiredString(item, 'name', where),
      externalSynced,
      deletable,
    };
  });
}

/** `MultiDirectoryGroupRoleAssignmentPage` (group role assignments). */
export function readGroupRolePage(body: unknown): CursorPage<{ resourceId: string; roles: string[] }> {
  return cursorPage(body, (item, where) => ({
    resourceId: requiredString(item, 'resourceId', where),
    roles: stringItems(optionalArray(item, 'roles', where), `${where}.roles`),
  }));
}

/** One invitee's line of the invite answer. */
export interface InviteLine {
  readonly email: string;
  readonly accountId: string | undefined;
  readonly roleResults: ReadonlyArray<{
    resource: string | undefined;
    role: string | undefined;
    status: 'INVITED' | 'ERROR';
    reason: string | undefined;
  }>;
  readonly groupResults: ReadonlyArray<{ group: string; status: 'INVITED' | 'ERROR'; reason: string | undefined }>;
}

const ASSIGNMENT_STATUSES = ['INVITED', 'ERROR'] as const;

/** `MultidirectoryInviteSuccessResponse`, the same body for 200 and 206 ("at least one invitation failed"). */
export function readInviteResponse(body: unknown): InviteLine[] {
  const root = asRecord(body, 'body');
  return requiredArray(root, 'data', 'body').map((value, index) => {
    const where = `body.data[${index}]`;
    const line = asRecord(value, where);
    const roleResults: InviteLine['roleResults'][number][] = [];
    const groupResults: InviteLine['groupResults'][number][] = [];
    optionalArray(line, 'results', where).forEach((resultValue, r) => {
      const resultWhere = `${where}.results[${r}]`;
      const result = asRecord(resultValue, resultWhere);
      optionalArray(result, 'roleAssignmentResult', resultWhere).forEach((roleValue, k) => {
        const roleWhere = `${resultWhere}.roleAssignmentResult[${k}]`;
        const role = asRecord(roleValue, roleWhere);
        roleResults.push({
          resource: optionalString(role, 'resource', roleWhere),
          role: optionalString(role, 'role', roleWhere),
          status: oneOf(requiredString(role, 'status', roleWhere), ASSIGNMENT_STATUSES, `${roleWhere}.status`),
          reason: optionalString(role, 'statusReason', roleWhere),
        });
      });
      optionalArray(result, 'groupAssignmentResult', resultWhere).forEach((groupValue, k) => {
        const groupWhere = `${resultWhere}.groupAssignmentResult[${k}]`;
        const group = asRecord(groupValue, groupWhere);
        groupResults.push({
          group: normaliseGroupId(requiredString(group, 'group', groupWhere)),
          status: oneOf(requiredString(group, 'status', groupWhere), ASSIGNMENT_STATUSES, `${groupWhere}.status`),
          reason: optionalString(group, 'statusReason', groupWhere),
        });
      });
    });
    return {
      email: requiredString(line, 'email', where),
      accountId: optionalString(line, 'id', where),
      roleResults,
      groupResults,
    };
  });
}
