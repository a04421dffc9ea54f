/**
 * The AdminDirectory port over the Atlassian Admin (organization) API v2, authenticated with the org API
 * key as a bearer token. Only operations that are current in admin-organization-openapi.json are used: v2
 * throughout, except the organization's domains, which the current spec offers as v1 only (`getDomains`, not
 * deprecated), and none of the deprecated `GET …/users` and `GET …/groups` lists (docs/notes/atlassian-admin-api.md
 * sections 5 and 8). Where the API's answer is ambiguous (201 without a body, 409 and 404 that mean two
 * things) the client reads back, as section 8 of the notes prescribes.
 */
import type { AdminDirectory, DirectoryAccount, DirectoryGroup, InviteOutcome } from '../ports';
import { TargetError } from '../ports';
import { decodeBody } from '../http/response-shape';
import {
  normaliseGroupId,
  readAccountIdPage,
  readDirectoryPage,
  readDomainPage,
  readGroupRolePage,
  readGroupSearchPage,
  readInviteResponse,
  readUserSearchPage,
} from './admin-api-shapes';
import { ADMIN_API_OPERATIONS, EMAILS_PER_INVITE, EMAILS_PER_SEARCH } from './admin-api-operations';
import type { AdminApiClientOptions } from './admin-api-options';
import { AdminApiSession } from './admin-api-session';
import { chunks, lowerCase, unique } from './email-batches';
import { inviteOutcome } from './invite-outcome';

/** The Admin API v2 client; see the module comment. */
export class AdminApiClient implements AdminDirectory {
  private readonly session: AdminApiSession;
  private readonly http: AdminApiSession['http'];
  private readonly pageSize: number;
  private readonly groupLookupBudgetMs: number;

  constructor(private readonly options: AdminApiClientOptions) {
    this.session = new AdminApiSession(options);
    this.http = this.session.http;
    this.pageSize = this.session.pageSize;
    this.groupLookupBudgetMs = options.groupLookupBudgetMs ?? 60_000;
  }

  /** Lists the org's directories (getDirectoriesForOrg); also the cheap credential check of setup. */
  async listDirectories(): Promise<{ directoryId: string; name: string }[]> {
    const op = ADMIN_API_OPERATIONS.listDirectories;
    // On GET lists, "if [cursor is] present, all other parameters are discarded", so only cursor and limit follow.
    return this.session.collect(
      op,
      (cursor) => ({ operation: op, pathParams: this.session.org(), query: { limit: this.pageSize, cursor } }),
      readDirectoryPage,
    );
  }

  /** Finds accounts by exact email (searchDirectoryUsers `emails`, at most 100 per request) in the app's directory. */
  async findAccountsByEmail(emails: readonly string[]): Promise<DirectoryAccount[]> {
    const found = new Map<string, DirectoryAccount>();
    for (const batch of chunks(unique(emails, lowerCase), EMAILS_PER_SEARCH)) {
      for (const account of await this.session.searchUsers({ emails: batch }, readUserSearchPage))
        found.set(account.accountId, account);
    }
    return [...found.values()];
  }

  /** Account IDs of a group's members (searchDirectoryUsers `groupIds`). */
  async listGroupMembers(groupId: string): Promise<string[]> {
    return unique(
      await this.session.searchUsers({ groupIds: [normaliseGroupId(groupId)] }, readAccountIdPage),
      (id) => id,
    );
  }

  /** One page of a group's members' account IDs (searchDirectoryUsers `groupIds`), from a page's cursor. */
  async listGroupMembersPage(groupId: string, cursor?: string): Promise<{ accountIds: string[]; cursor?: string }> {
    const page = await this.session.searchUsersPage(
      { groupIds: [normaliseGroupId(groupId)] },
      cursor,
      readAccountIdPage,
    );
    return page.next === undefined ? { accountIds: page.items } : { accountIds: page.items, cursor: page.next };
  }

  /**
   * Invites users with the given role on a resource and group memberships, 25 per request. The answer is
   * 200, or 206 when "at least one invitation failed", with a result per email; outcomes come back in the
   * order of `emails`, failed group assignments listed for retry through the membership endpoint.
   */
  async inviteUsers(
    emails: readonly string[],
    access: { resourceId: string; roleId: string; groupIds: readonly string[] },
  ): Promise<InviteOutcome[]> {
    const op = ADMIN_API_OPERATIONS.inviteUsers;
    const groupIds = unique(access.groupIds.map(normaliseGroupId), (id) => id);
    const outcomes: InviteOutcome[] = [];
    for (const batch of chunks(unique(emails, lowerCase), EMAILS_PER_INVITE)) {
      const body = {
        emails: batch,
        permissionRules: [{ resource: access.resourceId, role: access.roleId }],
        ...(groupIds.length === 0 ? {} : { additionalGroups: groupIds }),
        sendNotification: this.options.sendInviteNotification ?? false,
      };
      const response = await this.http.execute({
        operation: op,
        pathParams: this.session.org(),
        json: body,
        unsafeToRepeat: true,
      });
      const lines = decodeBody(op, response.status, response.body, readInviteResponse);
      for (const email of batch) outcomes.push(inviteOutcome(email, lines, groupIds));
    }
    return outcomes;
  }

  /** Suspends the user's access in the directory. */
  async suspendUser(accountId: string): Promise<void> {
    await this.http.execute({
      operation: ADMIN_API_OPERATIONS.suspendUser,
      pathParams: { ...this.session.directory(), accountId },
      unsafeToRepeat: true,
    });
  }

  /** Restores a suspended user's access in the directory. */
  async restoreUser(accountId: string): Promise<void> {
    await this.http.execute({
      operation: ADMIN_API_OPERATIONS.restoreUser,
      pathParams: { ...this.session.directory(), accountId },
      unsafeToRepeat: true,
    });
  }

  /** Removes the user from the directory; memberships and roles are lost ("You'll need to assign their roles and group memberships again"). */
  async removeUser(accountId: string): Promise<void> {
    await this.http.execute({
      operation: ADMIN_API_OPERATIONS.removeUser,
      pathParams: { ...this.session.directory(), accountId },
    });
  }

  /** The organization's verified domains, lower-cased (getDomains; claims with status `verified` only). */
  async listVerifiedDomains(): Promise<string[]> {
    const op = ADMIN_API_OPERATIONS.getDomains;
    const domains = await this.session.collect(
      op,
      (cursor) => ({ operation: op, pathParams: this.session.org(), query: { cursor } }),
      readDomainPage,
    );
    return domains.filter((domain) => domain.status === 'verified').map((domain) => domain.name.toLowerCase());
  }

  /** Finds a group by exact, case-insensitive name (searchDirectoryGroups `groupNames`). */
  async findGroupByName(name: string): Promise<DirectoryGroup | undefined> {
    const op = ADMIN_API_OPERATIONS.searchGroups;
    const response = await this.http.execute({
      operation: op,
      pathParams: this.session.directory(),
      json: { groupNames: [name], limit: this.pageSize },
    });
    const page = decodeBody(op, response.status, response.body, readGroupSearchPage);
    const wanted = name.toLowerCase();
    return page.items.find((group) => group.name.toLowerCase() === wanted);
  }

  /**
   * Creates a group. The create answers 201 with no body and no ID, so the group is then looked up by name,
   * retried for a while since creation may be eventually consistent. A 409 ("A group with this name already
   * exists") is looked up the same way and reported as `existed`, unless an earlier attempt of this very
   * call may have created the group and lost the answer.
   */
  async createGroup(name: string, description?: string): Promise<DirectoryGroup & { existed: boolean }> {
    const op = ADMIN_API_OPERATIONS.createGroup;
    const response = await this.http.execute({
      operation: op,
      pathParams: this.session.directory(),
      json: description === undefined ? { name } : { name, description },
      passStatuses: [409],
    });
    const group = await this.lookUpNewGroup(name);
    if (group === undefined) {
      const after = `groups/search did not find "${name}" within ${this.groupLookupBudgetMs} ms`;
      throw response.status === 409
        ? new TargetError('conflict', `${op.key} answered 409, but ${after}`, { status: 409, operation: op.key })
        : new TargetError('transient', `${op.key} answered ${response.status}, but ${after}`, {
            status: response.status,
            operation: op.key,
          });
    }
    return { ...group, existed: response.status === 409 && !response.earlierAttemptMayHaveApplied };
  }

  /** Deletes a group; a 404 is confirmed with a search, and a group that is gone counts as deleted. */
  async deleteGroup(groupId: string): Promise<void> {
    const op = ADMIN_API_OPERATIONS.deleteGroup;
    const id = normaliseGroupId(groupId);
    const response = await this.http.execute({
      operation: op,
      pathParams: { ...this.session.directory(), groupId: id },
      passStatuses: [404],
    });
    if (response.status !== 404) return;
    const search = ADMIN_API_OPERATIONS.searchGroups;
    const found = await this.http.execute({
      operation: search,
      pathParams: this.session.directory(),
      json: { groupIds: [id], limit: 1 },
    });
    if (decodeBody(search, found.status, found.body, readGroupSearchPage).items.some((group) => group.id === id)) {
      throw new TargetError('not-found', `${op.key} answered 404 for group ${id}, which a search still finds`, {
        status: 404,
        operation: op.key,
      });
    }
  }

  /**
   * Adds a member. A 409 means "already in the group" or "exceeded your user limit for an app that the
   * group grants access to"; a read-back tells which, and the seat limit is a `conflict` TargetError.
   */
  async addMember(groupId: string, accountId: string): Promise<'added' | 'already-member'> {
    const op = ADMIN_API_OPERATIONS.addMembership;
    const id = normaliseGroupId(groupId);
    const response = await this.http.execute({
      operation: op,
      pathParams: { ...this.session.directory(), groupId: id },
      json: { accountId },
      passStatuses: [409],
    });
    if (response.status !== 409) return 'added';
    if (await this.isMember(id, accountId)) return response.earlierAttemptMayHaveApplied ? 'added' : 'already-member';
    throw new TargetError(
      'conflict',
      `${op.key} answered 409 and ${accountId} is not a member of ${id}: seat limit (the user limit of an app the group grants access to is exceeded)`,
      {
        status: 409,
        operation: op.key,
      },
    );
  }

  /** Removes a member; a 404 is read back, and a user who is not a member counts as removed already. */
  async removeMember(groupId: string, accountId: string): Promise<'removed' | 'not-member'> {
    const op = ADMIN_API_OPERATIONS.removeMembership;
    const id = normaliseGroupId(groupId);
    const response = await this.http.execute({
      operation: op,
      pathParams: { ...this.session.directory(), groupId: id, accountId },
      passStatuses: [404],
    });
    if (response.status !== 404) return 'removed';
    if (!(await this.isMember(id, accountId))) return response.earlierAttemptMayHaveApplied ? 'removed' : 'not-member';
    throw new TargetError('not-found', `${op.key} answered 404, yet ${accountId} is still a member of ${id}`, {
      status: 404,
      operation: op.key,
    });
  }

  /** The roles a group holds, per resource. */
  async getGroupRoles(groupId: string): Promise<{ resourceId: string; roles: string[] }[]> {
    return this.groupRoles(normaliseGroupId(groupId), undefined);
  }

  /**
   * Grants a role on a resource to a group. What a repeated assign does is undocumented, so the current
   * assignments are read first and a held role is left alone; a 409 is the seat limit ("You've exceeded
   * your user limit for the app").
   */
  async assignGroupRole(groupId: string, resourceId: string, roleId: string): Promise<void> {
    const id = normaliseGroupId(groupId);
    if (await this.holdsRole(id, resourceId, roleId)) return;
    await this.http.execute({
      operation: ADMIN_API_OPERATIONS.assignGroupRole,
      pathParams: { ...this.session.directory(), groupId: id },
      json: { resourceId, roleId },
      unsafeToRepeat: true,
    });
  }

  /** Revokes a role on a resource from a group; a role the group does not hold is left alone (repeat behaviour is undocumented). */
  async revokeGroupRole(groupId: string, resourceId: string, roleId: string): Promise<void> {
    const id = normaliseGroupId(groupId);
    if (!(await this.holdsRole(id, resourceId, roleId))) return;
    await this.http.execute({
      operation: ADMIN_API_OPERATIONS.revokeGroupRole,
      pathParams: { ...this.session.directory(), groupId: id },
      json: { resourceId, roleId },
      unsafeToRepeat: true,
    });
  }

  private async isMember(groupId: string, accountId: string): Promise<boolean> {
    const members = await this.session.searchUsers({ accountIds: [accountId], groupIds: [groupId] }, readAccountIdPage);
    return members.includes(accountId);
  }

  private groupRoles(
    groupId: string,
    resourceId: string | undefined,
  ): Promise<{ resourceId: string; roles: string[] }[]> {
    const op = ADMIN_API_OPERATIONS.listGroupRoles;
    const pathParams = { ...this.session.directory(), groupId };
    return this.session.collect(
      op,
      (cursor) => ({
        operation: op,
        pathParams,
        query:
          cursor === undefined
            ? { limit: this.pageSize, resourceIds: resourceId === undefined ? undefined : [resourceId] }
            : { cursor, limit: this.pageSize },
      }),
      readGroupRolePage,
    );
  }

  private async holdsRole(groupId: string, resourceId: string, roleId: string): Promise<boolean> {
    // Filtered by resource only: `roleIds` has an enum that lacks roles assign accepts (atlassian/viewer).
    const assignments = await this.groupRoles(groupId, resourceId);
    return assignments.some((a) => a.resourceId === resourceId && a.roles.includes(roleId));
  }

  /** Searches for a just-created group by name until it shows or the lookup budget is spent. */
  private async lookUpNewGroup(name: string): Promise<DirectoryGroup | undefined> {
    const clock = this.http.clock;
    const started = clock.now();
    for (let delay = 250; ; delay = Math.min(delay * 2, 8_000)) {
      const group = await this.findGroupByName(name);
      if (group !== undefined) return group;
      const elapsed = clock.now() - started;
      if (elapsed >= this.groupLookupBudgetMs) return undefined;
      await clock.sleep(Math.min(delay, this.groupLookupBudgetMs - elapsed));
    }
  }
}
