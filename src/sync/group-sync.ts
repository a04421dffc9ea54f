/**
 * The groups of a batch: each is planned from fresh reads (the org group by name, its members and role, the members'
 * links) or takes the plan an earlier job carried, and its changes are applied within the invocation's budget. A
 * group the org created is compared again at once, so its role and members follow in the same job when they fit.
 */
import type { StoredResource } from '../directory/directory-store';
import type { AdminDirectory, DirectoryGroup } from '../targets/ports';
import { TargetError } from '../targets/ports';
import { budgetAllows } from './call-budget';
import type { BatchTally, EngineContext } from './engine-context';
import type { EngineSettings } from './engine-ports';
import type { SyncEntry } from './jobs';
import { memberAccountLost } from './lost-members';
import { planGroup, type Change } from './planner';
import {
  CALLS_PER_FOLLOW_UP,
  CALLS_PER_GROUP,
  CALLS_TO_TAKE_CARRY,
  MILLIS_PER_RESOURCE,
  planCalls,
} from './resource-budget';
import type { ResourceApplier } from './resource-applier';
import { SyncError } from './sync-error';
import type { LinkDoc } from './sync-links';
import { SCAN_MAX_MEMBERS, SCAN_MIN_MEMBERS, type MemberScans, type ScanResult } from './member-scan';

/** Syncs the groups of a batch. */
export class GroupSync {
  constructor(
    private readonly ctx: EngineContext,
    private readonly applier: ResourceApplier,
  ) {}

  /** Syncs a batch's groups (carried plans first, within the budget); true when the set of app groups changed. */
  async sync(
    entries: readonly SyncEntry[],
    settings: EngineSettings,
    admin: AdminDirectory,
    report: BatchTally,
  ): Promise<boolean> {
    if (entries.length === 0) return false;
    // After earlier resources of the batch left no room for one group, not even the shared reads.
    if (this.ctx.state.started > 0 && !budgetAllows(CALLS_PER_GROUP, MILLIS_PER_RESOURCE)) {
      report.leftover.push(...entries.map((e) => e.key));
      return false;
    }
    let structural = false;
    const ids = entries.map((e) => e.key.slice('Group.'.length));
    const groups = await this.ctx.deps.store.getMany('Group', ids);
    const links = await this.ctx.links.getMany(entries.map((e) => e.key));
    // Groups of the batch the org does not have yet: all of them are created before any one's members are added, so
    // permission runs can grant to every group of an initial load minutes after it arrives, not as the members' adds
    // (about 70 calls a group) come to each (the first grant waits for its group: README, converge ratio).
    const toCreate = new Set(
      entries
        .filter((e) => !links.get(e.key)?.orgGroupId && groups.has(e.key.slice('Group.'.length)))
        .map((e) => e.key),
    );
    for (const entry of entries) {
      // What an earlier job planned and could not apply is applied without planning again, while the group's directory
      // version (members included) is the one it was planned for.
      const directoryVersion = groups.get(entry.key.slice('Group.'.length))?.version;
      const carry = this.ctx.deps.carry && directoryVersion !== undefined ? this.ctx.deps.carry : undefined;
      // The budget is asked before the carry is read: a group left over costs nothing here and keeps its carry.
      const first = this.ctx.state.started === 0;
      if (!first && !budgetAllows((carry ? CALLS_TO_TAKE_CARRY : 0) + CALLS_PER_GROUP, MILLIS_PER_RESOURCE)) {
        report.leftover.push(entry.key);
        continue;
      }
      const carried =
        carry && directoryVersion !== undefined
          ? await carry.take(entry.key, directoryVersion, this.ctx.now().getTime())
          : undefined;
      if (carried) this.ctx.state.carried.add(entry.key);
      // A carried plan was admitted above (dropping it now would lose it); a plan to make costs more for a large group
      // (planCalls): its size is known from its last comparison. A huge group is compared in steps instead, each as
      // far as the budget goes.
      const group = groups.get(entry.key.slice('Group.'.length));
      const link = links.get(entry.key);
      const size = link?.memberCount ?? 0;
      const scans = this.ctx.deps.scans;
      // A group deleted from the directory is always taken apart in steps: its org group may be large whatever its size
      // was, and its members are all looked up in the account index.
      const inSteps =
        !carried &&
        scans &&
        link?.orgGroupId &&
        settings.operations.groupSync &&
        (group === undefined || size > SCAN_MIN_MEMBERS);
      if (!first && !carried && !budgetAllows(CALLS_PER_GROUP + (inSteps ? 0 : planCalls(size)), MILLIS_PER_RESOURCE)) {
        report.leftover.push(entry.key);
        continue;
      }
      this.ctx.state.started += 1;
      toCreate.delete(entry.key);
      if (inSteps && link?.orgGroupId) {
        const inputs = { entry, group, link, orgGroupId: link.orgGroupId };
        if (await this.compareInSteps(scans, inputs, settings, admin, report)) structural = true;
        continue;
      }
      await this.applier.apply(
        entry,
        carried ?? (await this.planGroupEntry(entry.key, group, link, settings, admin)),
        settings,
        report,
        this.applying(group, settings, admin, () => (structural = true)),
        link,
        group,
        async () => {
          // A group the org created (new, or anew after someone deleted it) is compared again at once: with its id
          // known, role and members follow in the same job, when the budget allows; otherwise in the next job.
          if (toCreate.size > 0) return undefined;
          const size = this.ctx.state.memberCounts.get(entry.key) ?? 0;
          if (!budgetAllows(CALLS_PER_FOLLOW_UP + planCalls(size), MILLIS_PER_RESOURCE)) return undefined;
          const refreshed = await this.ctx.links.get(entry.key);
          return refreshed?.orgGroupId ? this.planGroupEntry(entry.key, group, refreshed, settings, admin) : undefined;
        },
      );
      if (!group && link) structural = true;
    }
    return structural;
  }

  /**
   * One step of a huge group's comparison (src/sync/member-scan.ts); when the scan ends, its plan is applied as any
   * other is. True when the set of app groups changed.
   */
  private async compareInSteps(
    scans: MemberScans,
    inputs: { entry: SyncEntry; group: StoredResource | undefined; link: LinkDoc; orgGroupId: string },
    settings: EngineSettings,
    admin: AdminDirectory,
    report: BatchTally,
  ): Promise<boolean> {
    const { entry, group, link, orgGroupId } = inputs;
    const { key } = entry;
    // The org group the scan compares with must still be this group's: otherwise the group is planned afresh (created,
    // linked, or left alone when someone else syncs it), and compared in steps after that. A deleted group's is looked
    // up before each step (it may be gone already), a present group's once its scan has ended.
    const remoteOf = async (): Promise<DirectoryGroup | undefined> =>
      link.orgGroupName ? admin.findGroupByName(link.orgGroupName) : undefined;
    const ours = (remote: DirectoryGroup | undefined): remote is DirectoryGroup =>
      remote !== undefined && remote.id === orgGroupId && !remote.externalSynced;
    let remote = group === undefined ? await remoteOf() : undefined;
    const step =
      group === undefined && !ours(remote)
        ? undefined
        : await scans.step(
            { key, ...(group ? { groupId: group.id } : {}), version: group?.version ?? 0, orgGroupId },
            {
              store: this.ctx.deps.store,
              othersMany: (keys) => this.ctx.links.othersMany(keys),
              userKeysOf: (accountIds) => this.ctx.deps.links.userKeysOf(accountIds),
              admin,
            },
          );
    if (step?.kind === 'progress') {
      report.leftover.push(key);
      return false;
    }
    let changes: Change[];
    if (step?.kind === 'too-large') {
      this.ctx.state.memberCounts.set(key, step.memberCount);
      changes = [
        {
          kind: 'skip',
          key,
          reason: `The group has more than ${SCAN_MAX_MEMBERS} members, and the app compares groups up to that size`,
        },
      ];
    } else {
      if (step && group) remote = await remoteOf();
      if (!step || !ours(remote)) changes = await this.planGroupEntry(key, group, link, settings, admin);
      else {
        const { result } = step;
        this.ctx.state.memberCounts.set(key, result.memberCount);
        // What did not fit the scan's lists, and a change to the group since the scan began, are found by the next
        // comparison, which follows this one (the entry is not acknowledged).
        if (result.incomplete || (group && result.version !== group.version)) this.ctx.state.carried.add(key);
        changes = group
          ? await this.scannedChanges(key, result, settings, admin)
          : // A deleted group: its org group goes when only the app's accounts are in it; otherwise they leave it.
            planGroup(
              {
                key,
                desired: { deleted: true },
                link,
                group: remote,
                actualMemberAccountIds: new Set([...result.removes, ...result.outsiders]),
                appAccountIds: new Set(result.removes),
                rolesOnWorkspace: [],
                workspaceResourceId: settings.workspaceResourceId,
                bitbucketRoleId: settings.bitbucketRoleId,
              },
              settings,
            );
      }
    }
    let structural = false;
    const apply = this.applying(group, settings, admin, () => (structural = true));
    await this.applier.apply(entry, changes, settings, report, apply, link, group);
    return structural;
  }

  /** A present group's changes from its finished scan: the workspace role when it lacks it, then its members. */
  private async scannedChanges(
    key: string,
    result: ScanResult,
    settings: EngineSettings,
    admin: AdminDirectory,
  ): Promise<Change[]> {
    const { orgGroupId } = result;
    const roles = await workspaceRoles(admin, orgGroupId, settings);
    const role: Change[] =
      settings.workspaceResourceId !== '' && !roles.includes(settings.bitbucketRoleId)
        ? [
            {
              kind: 'assign-role',
              key,
              orgGroupId,
              resourceId: settings.workspaceResourceId,
              roleId: settings.bitbucketRoleId,
            },
          ]
        : [];
    return [
      ...role,
      // Removals first: access that should end ends before access that should begin is granted.
      ...result.removes.map((accountId): Change => ({ kind: 'remove-member', key, orgGroupId, accountId })),
      ...result.adds.map((accountId): Change => ({ kind: 'add-member', key, orgGroupId, accountId })),
    ];
  }

  private async planGroupEntry(
    key: string,
    group: StoredResource | undefined,
    link: LinkDoc | undefined,
    settings: EngineSettings,
    admin: AdminDirectory,
  ): Promise<Change[]> {
    const desiredName =
      group && !link?.orgGroupName
        ? await this.ctx.deps.naming.orgGroupName(String(group.resource.displayName ?? ''), settings.groupNamePrefix, {
            id: group.id,
            admin,
          })
        : undefined;
    const lookupName = link?.orgGroupName ?? desiredName;
    const remote: DirectoryGroup | undefined = lookupName ? await admin.findGroupByName(lookupName) : undefined;
    const memberAccounts = new Set<string>();
    const appAccounts = new Set<string>();
    const memberKeys = new Set<string>();
    let actual = new Set<string>();
    let userLinks = new Map<string, LinkDoc>();
    // A group the org does not have yet is created first, its members compared once it is there (their count is kept
    // for that comparison's budget); a group someone else syncs is not written.
    const membersMatter = remote !== undefined && !remote.externalSynced;
    // Past SCAN_MIN_MEMBERS on either side, the members are compared in steps (src/sync/member-scan.ts) from the next
    // job on: this plan holds the group's other changes, and a comparison follows it.
    const cap = group && this.ctx.deps.scans ? SCAN_MIN_MEMBERS : Number.POSITIVE_INFINITY;
    let tooLarge = false;
    if (group && !remote?.externalSynced) {
      const members = await readCapped(cap, async (cursor) => {
        const page = await this.ctx.deps.store.memberPage(group.id, cursor);
        return { items: page.members, cursor: page.cursor };
      });
      tooLarge = members.more;
      for (const member of members.items) if (member.type === 'User') memberKeys.add(`User.${member.value}`);
      this.ctx.state.memberCounts.set(key, tooLarge ? Math.max(members.items.length, cap + 1) : memberKeys.size);
    }
    if (remote && !tooLarge) {
      const listed = await readCapped(cap, async (cursor) => {
        const page = await admin.listGroupMembersPage(remote.id, cursor);
        return { items: page.accountIds, cursor: page.cursor };
      });
      tooLarge = listed.more;
      if (tooLarge) this.ctx.state.memberCounts.set(key, Math.max(memberKeys.size, cap + 1));
      else actual = new Set(listed.items);
    }
    if (tooLarge) {
      memberKeys.clear();
      this.ctx.state.carried.add(key);
    }
    if (group && membersMatter && !tooLarge) {
      // Read after the org's members, so an account added since (an invite carrying this group) is seen with its link.
      userLinks = await this.ctx.links.othersMany([...memberKeys]);
      for (const userLink of userLinks.values()) {
        const accountId = userLink.accountId;
        if (!accountId) continue;
        appAccounts.add(accountId);
        // A deactivated user's memberships are the user sync's to take away (behind the circuit breaker): the
        // group leaves out only members whose access that sync has revoked, so no membership is removed twice.
        if (!userLink.revoked) memberAccounts.add(accountId);
      }
    }
    // The org group's other members: the app's own accounts (found in the account index) are removed, except one whose
    // user is a member here and whose link, as read, named no account yet: it was linked since (an invite carrying this
    // group) and is left for the next comparison. Only these few are looked up, not every member of the org group.
    const others = [...actual].filter((accountId) => !appAccounts.has(accountId));
    for (const [accountId, userKey] of others.length > 0 ? await this.ctx.deps.links.userKeysOf(others) : []) {
      const linked = userLinks.get(userKey)?.accountId;
      if (!memberKeys.has(userKey) || (linked !== undefined && linked !== accountId)) appAccounts.add(accountId);
    }
    const roles = remote ? await workspaceRoles(admin, remote.id, settings) : [];
    return planGroup(
      {
        key,
        desired:
          group && lookupName
            ? { deleted: false, orgGroupName: lookupName, memberAccountIds: memberAccounts }
            : { deleted: true },
        link,
        group: remote,
        actualMemberAccountIds: actual,
        appAccountIds: appAccounts,
        rolesOnWorkspace: roles,
        workspaceResourceId: settings.workspaceResourceId,
        bitbucketRoleId: settings.bitbucketRoleId,
      },
      settings,
    );
  }

  /** Applies a group's changes one by one, calling `structural` when one changed the set of app groups. */
  private applying(
    group: StoredResource | undefined,
    settings: EngineSettings,
    admin: AdminDirectory,
    structural: () => void,
  ): (change: Change) => Promise<boolean | 'waiting'> {
    return async (change) => {
      const changed = await this.applyGroupChange(change, group, settings, admin);
      if (changed === true) structural();
      return changed;
    };
  }

  /**
   * Applies one group change; true when the set of app groups changed (permissions must follow), `waiting` when a
   * member could not be added because the organization lost its account (the user is synced first).
   */
  private async applyGroupChange(
    change: Change,
    group: StoredResource | undefined,
    _settings: EngineSettings,
    admin: AdminDirectory,
  ): Promise<boolean | 'waiting'> {
    const changed = await this.applyOne(change, group, admin);
    // At once, not only at the batch's end: a batch cut short by a rate limit still tells permission runs.
    if (changed === true) await this.ctx.deps.permissionPasses?.noteGroupsChanged();
    return changed;
  }

  private async applyOne(
    change: Change,
    group: StoredResource | undefined,
    admin: AdminDirectory,
  ): Promise<boolean | 'waiting'> {
    const key = change.key;
    const link = await this.ctx.links.get(key);
    switch (change.kind) {
      case 'create-group': {
        const created = await admin.createGroup(
          change.name,
          group ? `SCIM group ${String(group.resource.displayName ?? '')}` : undefined,
        );
        if (created.externalSynced)
          throw new TargetError('conflict', `The org group "${created.name}" is synced by Atlassian's own IdP sync`);
        await this.ctx.links.put({
          ...(link ?? { attempts: 0 }),
          key,
          state: 'pending',
          orgGroupId: created.id,
          orgGroupName: created.name,
          groupSlug: this.ctx.deps.naming.groupSlug(created.name),
        } as LinkDoc);
        return true;
      }
      case 'link-group':
        await this.ctx.links.put({
          ...(link ?? { attempts: 0 }),
          key,
          state: 'pending',
          orgGroupId: change.orgGroupId,
          orgGroupName: change.name,
          groupSlug: this.ctx.deps.naming.groupSlug(change.name),
        } as LinkDoc);
        return link?.orgGroupId !== change.orgGroupId;
      case 'delete-group':
        await admin.deleteGroup(change.orgGroupId);
        return true;
      case 'assign-role':
        await admin.assignGroupRole(change.orgGroupId, change.resourceId, change.roleId);
        return false;
      case 'add-member':
        try {
          await admin.addMember(change.orgGroupId, change.accountId);
        } catch (error) {
          if (
            !(error instanceof TargetError && error.kind === 'not-found') ||
            !(await memberAccountLost(this.ctx.deps, key, change.accountId, admin))
          )
            throw error;
          this.ctx.state.enqueued = true;
          this.ctx.state.waiting.set(key, (this.ctx.state.waiting.get(key) ?? 0) + 1);
          return 'waiting';
        }
        return false;
      case 'remove-member':
        await admin.removeMember(change.orgGroupId, change.accountId);
        return false;
      default:
        throw new SyncError('bug', `A group sync cannot apply ${change.kind}`);
    }
  }
}

/** The roles an org group holds on the workspace's Bitbucket resource (none to read without one). */
async function workspaceRoles(admin: AdminDirectory, orgGroupId: string, settings: EngineSettings): Promise<string[]> {
  if (!settings.workspaceResourceId) return [];
  return (await admin.getGroupRoles(orgGroupId))
    .filter((r) => r.resourceId === settings.workspaceResourceId)
    .flatMap((r) => r.roles);
}

/**
 * Reads a cursor-paged listing page by page until it ends or holds more than `cap` items (`more`: it stopped there),
 * so a plan reads a huge group's listings no further than it takes to know it is huge.
 */
async function readCapped<T>(
  cap: number,
  page: (cursor: string | undefined) => Promise<{ items: readonly T[]; cursor?: string | undefined }>,
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const read = await page(cursor);
    items.push(...read.items);
    cursor = read.cursor;
    if (items.length > cap) return { items, more: true };
  } while (cursor !== undefined);
  return { items, more: false };
}
