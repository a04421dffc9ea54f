/**
 * The sync planner: a pure function from (desired state, actual remote state, links, settings) to the
 * minimal list of remote changes. It reads nothing and writes nothing, so a replayed or duplicated job plans
 * nothing once its effect is visible remotely.
 */
import type { DirectoryAccount, DirectoryGroup } from '../targets/ports';

/** The settings the planner reads (a structural slice of SyncSettings). */
export interface PlanSettings {
  readonly operations: {
    readonly create: boolean;
    readonly update: boolean;
    readonly reactivate: boolean;
    readonly deactivate: boolean;
    readonly groupSync: boolean;
  };
  /** `suspend`: suspend in the directory (keeps memberships); `revoke-access`: remove from the app's groups only. */
  readonly deactivation: 'suspend' | 'revoke-access';
  /** What a SCIM DELETE of a user does remotely. */
  readonly deletion: 'suspend' | 'remove';
}

/** What the app last knew about a user's Atlassian account. */
export interface UserLink {
  readonly accountId?: string;
  readonly email?: string;
}

/** What the app last knew about a group's org group. */
export interface GroupLink {
  readonly orgGroupId?: string;
  readonly orgGroupName?: string;
}

/** One remote change. `key` names the SCIM resource (`User.<id>`, `Group.<id>`) whose sync planned it. */
export type Change =
  | { readonly kind: 'invite-user'; readonly key: string; readonly email: string }
  | { readonly kind: 'link-user'; readonly key: string; readonly accountId: string; readonly email: string }
  | { readonly kind: 'suspend-user' | 'restore-user' | 'remove-user'; readonly key: string; readonly accountId: string }
  | { readonly kind: 'create-group'; readonly key: string; readonly name: string }
  | { readonly kind: 'link-group'; readonly key: string; readonly orgGroupId: string; readonly name: string }
  | { readonly kind: 'delete-group'; readonly key: string; readonly orgGroupId: string }
  | {
      readonly kind: 'assign-role';
      readonly key: string;
      readonly orgGroupId: string;
      readonly resourceId: string;
      readonly roleId: string;
    }
  | {
      readonly kind: 'add-member' | 'remove-member';
      readonly key: string;
      readonly orgGroupId: string;
      readonly accountId: string;
    }
  | { readonly kind: 'skip'; readonly key: string; readonly reason: string };

/** True for changes that write to Atlassian (links and skips are bookkeeping). */
export function isRemoteWrite(change: Change): boolean {
  return change.kind !== 'link-user' && change.kind !== 'link-group' && change.kind !== 'skip';
}

/** True for changes that take access away, which the circuit breaker meters. */
export function isDeprovisioning(change: Change): boolean {
  return (
    change.kind === 'suspend-user' ||
    change.kind === 'remove-user' ||
    (change.kind === 'remove-member' && change.key.startsWith('User.'))
  );
}

/** The desired state of one user. */
export type DesiredUser =
  | { readonly deleted: true }
  | {
      readonly deleted: false;
      readonly active: boolean;
      /** The account email derived from the SCIM user (username transform or work email); undefined when none. */
      readonly email: string | undefined;
    };

/** Everything the planner needs about one user. */
export interface UserPlanInput {
  readonly key: string;
  readonly desired: DesiredUser;
  readonly link: UserLink | undefined;
  /** The account found remotely by the desired email (or, failing that, by the linked account id). */
  readonly account: DirectoryAccount | undefined;
  /** The org groups (of the app) that the account is in, for `revoke-access` deactivation. */
  readonly appGroupIdsOfAccount: readonly string[];
}

/** Plans one user (RFC 7643 `active` and DELETE mapped per docs/notes/atlassian-admin-api.md section 3.4). */
export function planUser(input: UserPlanInput, settings: PlanSettings): Change[] {
  const { key, desired, link, account } = input;
  const changes: Change[] = [];
  const accountId = account?.accountId ?? link?.accountId;

  if (account?.managementSource === 'synced') {
    return [
      { kind: 'skip', key, reason: "The account is managed by Atlassian's own IdP sync; the app does not write it" },
    ];
  }

  if (desired.deleted || !desired.active) {
    if (!settings.operations.deactivate) return [{ kind: 'skip', key, reason: 'Deactivation is switched off' }];
    if (!accountId || !account) return [];
    if (desired.deleted && settings.deletion === 'remove') {
      if (account.status !== 'not_invited') changes.push({ kind: 'remove-user', key, accountId });
      return changes;
    }
    if (settings.deactivation === 'revoke-access' && !desired.deleted) {
      for (const orgGroupId of input.appGroupIdsOfAccount)
        changes.push({ kind: 'remove-member', key, orgGroupId, accountId });
      return changes;
    }
    if (account.status === 'active') changes.push({ kind: 'suspend-user', key, accountId });
    return changes;
  }

  if (!desired.email)
    return [
      {
        kind: 'skip',
        key,
        reason: 'No account email could be derived from the user (check the username transform or the work email)',
      },
    ];

  if (!account) {
    if (!settings.operations.create) return [{ kind: 'skip', key, reason: 'Creating accounts is switched off' }];
    return [{ kind: 'invite-user', key, email: desired.email }];
  }

  // The link records the email the account has: after a rename at the source with no account under the new email,
  // the account found by the linked email stays linked under its own email (the app cannot change an account's email).
  const linkedEmail = account.email.toLowerCase() === desired.email.toLowerCase() ? desired.email : account.email;
  const emailChanged = link?.email !== undefined && link.email.toLowerCase() !== linkedEmail.toLowerCase();
  if (link?.accountId !== account.accountId || (emailChanged && settings.operations.update)) {
    changes.push({ kind: 'link-user', key, accountId: account.accountId, email: linkedEmail });
  }
  if (account.status === 'suspended') {
    changes.push(
      settings.operations.reactivate
        ? { kind: 'restore-user', key, accountId: account.accountId }
        : { kind: 'skip', key, reason: 'Reactivation is switched off' },
    );
  } else if (account.status === 'not_invited') {
    changes.push(
      settings.operations.create
        ? { kind: 'invite-user', key, email: desired.email }
        : { kind: 'skip', key, reason: 'Creating accounts is switched off' },
    );
  } else if (account.status === 'deactivated' || account.status === 'for_deletion') {
    changes.push({
      kind: 'skip',
      key,
      reason: `The Atlassian account is ${account.status}; an org admin must act on it`,
    });
  }
  return changes;
}

/** The desired state of one group. */
export type DesiredGroup =
  | { readonly deleted: true }
  | {
      readonly deleted: false;
      /** The name the app gives the org group (slug-safe, prefixed). */
      readonly orgGroupName: string;
      /** Account ids that should be members: linked accounts of the group's user members. */
      readonly memberAccountIds: ReadonlySet<string>;
    };

/** Everything the planner needs about one group. */
export interface GroupPlanInput {
  readonly key: string;
  readonly desired: DesiredGroup;
  readonly link: GroupLink | undefined;
  /** The org group by link id, or found by name when there is no link. */
  readonly group: DirectoryGroup | undefined;
  /** Its current members (account ids). */
  readonly actualMemberAccountIds: ReadonlySet<string>;
  /** Accounts the app controls (linked to SCIM users); the app never removes anyone else. */
  readonly appAccountIds: ReadonlySet<string>;
  /** Roles the group holds on the Bitbucket workspace resource. */
  readonly rolesOnWorkspace: readonly string[];
  readonly workspaceResourceId: string;
  readonly bitbucketRoleId: string;
}

/** Plans one group: existence, Bitbucket product access, and memberships (docs/notes/atlassian-admin-api.md sections 3.6–3.8). */
export function planGroup(input: GroupPlanInput, settings: PlanSettings): Change[] {
  const { key, desired, group } = input;
  if (!settings.operations.groupSync) return [{ kind: 'skip', key, reason: 'Group sync is switched off' }];
  if (group?.externalSynced)
    return [
      {
        kind: 'skip',
        key,
        reason: `The org group "${group.name}" is synced by Atlassian's own IdP sync; the app does not write it`,
      },
    ];

  if (desired.deleted) {
    if (!group) return [];
    const outsiders = [...input.actualMemberAccountIds].filter((id) => !input.appAccountIds.has(id));
    const removals: Change[] = [...input.actualMemberAccountIds]
      .filter((id) => input.appAccountIds.has(id))
      .map((accountId) => ({ kind: 'remove-member', key, orgGroupId: group.id, accountId }));
    if (outsiders.length > 0) {
      return [
        ...removals,
        {
          kind: 'skip',
          key,
          reason: `The org group keeps ${outsiders.length} member(s) the app does not manage, so it is not deleted`,
        },
      ];
    }
    if (!group.deletable) return [...removals, { kind: 'skip', key, reason: 'The org group is not deletable' }];
    return [{ kind: 'delete-group', key, orgGroupId: group.id }];
  }

  const changes: Change[] = [];
  if (!group) {
    changes.push({ kind: 'create-group', key, name: desired.orgGroupName });
    return changes;
  }
  if (input.link?.orgGroupId !== group.id)
    changes.push({ kind: 'link-group', key, orgGroupId: group.id, name: group.name });
  if (input.workspaceResourceId !== '' && !input.rolesOnWorkspace.includes(input.bitbucketRoleId)) {
    changes.push({
      kind: 'assign-role',
      key,
      orgGroupId: group.id,
      resourceId: input.workspaceResourceId,
      roleId: input.bitbucketRoleId,
    });
  }
  for (const accountId of [...desired.memberAccountIds].sort()) {
    if (!input.actualMemberAccountIds.has(accountId))
      changes.push({ kind: 'add-member', key, orgGroupId: group.id, accountId });
  }
  for (const accountId of [...input.actualMemberAccountIds].sort()) {
    if (!desired.memberAccountIds.has(accountId) && input.appAccountIds.has(accountId)) {
      changes.push({ kind: 'remove-member', key, orgGroupId: group.id, accountId });
    }
  }
  return changes;
}
