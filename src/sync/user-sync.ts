/**
 * The users of a batch: each is planned from fresh reads (its link, the account its email finds), deactivations
 * are admitted through the circuit breaker, and the changes are applied within the invocation's budget. A user's
 * changes also reach its groups: an invite carries the memberships of app groups that exist, a new link asks for
 * the user's groups again, and a `revoke-access` deactivation is remembered so reactivation restores them.
 */
import type { StoredResource } from '../directory/directory-store';
import type { AdminDirectory, DirectoryAccount } from '../targets/ports';
import { TargetError } from '../targets/ports';
import { budgetAllows } from './call-budget';
import type { BatchTally, EngineContext } from './engine-context';
import type { EngineSettings } from './engine-ports';
import type { SyncEntry } from './jobs';
import { isDeprovisioning, planUser, type Change } from './planner';
import { CALLS_PER_USER, MILLIS_PER_RESOURCE, usersTheBudgetHolds } from './resource-budget';
import type { ResourceApplier } from './resource-applier';
import { SyncError } from './sync-error';
import type { LinkDoc } from './sync-links';

function lower(value: string): string {
  return value.toLowerCase();
}

/** Syncs the users of a batch. */
export class UserSync {
  constructor(
    private readonly ctx: EngineContext,
    private readonly applier: ResourceApplier,
  ) {}

  /** Syncs a batch's users: plans each from fresh reads, admits deactivations through the circuit breaker, applies within the budget. */
  async sync(
    entries: readonly SyncEntry[],
    settings: EngineSettings,
    admin: AdminDirectory,
    report: BatchTally,
  ): Promise<void> {
    if (entries.length === 0) return;
    // After an earlier resource of the batch (a permission run) left no room for one user, not even the shared reads.
    if (this.ctx.state.started > 0 && !budgetAllows(CALLS_PER_USER, MILLIS_PER_RESOURCE)) {
      report.leftover.push(...entries.map((e) => e.key));
      return;
    }
    const ids = entries.map((e) => e.key.slice('User.'.length));
    const users = await this.ctx.deps.store.getMany('User', ids);
    const links = await this.ctx.links.getMany(entries.map((e) => e.key));
    const desiredEmail = new Map<string, string | undefined>();
    for (const id of ids) {
      const user = users.get(id);
      desiredEmail.set(id, user ? this.ctx.deps.emailOf(user.resource, settings) : undefined);
    }
    const lookup = new Set<string>();
    for (const id of ids) {
      // The linked email too: a user renamed at the source whose new email has no account keeps its linked one.
      for (const email of [desiredEmail.get(id), links.get(`User.${id}`)?.email]) if (email) lookup.add(lower(email));
    }
    const accounts = new Map<string, DirectoryAccount>();
    for (const account of await admin.findAccountsByEmail([...lookup])) accounts.set(lower(account.email), account);

    const planned = new Map<string, Change[]>();
    for (const entry of entries) {
      const id = entry.key.slice('User.'.length);
      const user = users.get(id);
      const link = links.get(entry.key);
      const email = desiredEmail.get(id);
      const account =
        (email ? accounts.get(lower(email)) : undefined) ?? (link?.email ? accounts.get(lower(link.email)) : undefined);
      const inactive = !user || user.resource.active === false;
      const appGroupIds =
        inactive && settings.deactivation === 'revoke-access' && account ? await this.appGroupIdsOf(id) : [];
      planned.set(
        entry.key,
        planUser(
          {
            key: entry.key,
            desired: user ? { deleted: false, active: user.resource.active !== false, email } : { deleted: true },
            link,
            account,
            appGroupIdsOfAccount: appGroupIds,
          },
          settings,
        ),
      );
    }
    const allowed = new Set<string>();
    let admittedTo = 0;
    for (const [index, entry] of entries.entries()) {
      // The rest stays in the outbox for the next job when this invocation could not finish another user.
      // Every job finishes at least one resource, so a job whose shared reads took most of the budget still progresses.
      if (this.ctx.state.started > 0 && !budgetAllows(CALLS_PER_USER, MILLIS_PER_RESOURCE)) {
        report.leftover.push(entry.key);
        continue;
      }
      // Deactivations go to the circuit breaker only for the users this job will surely start: one the budget left
      // over would otherwise count against the breaker's limit again in the job that takes it up.
      if (index >= admittedTo) {
        admittedTo = index + usersTheBudgetHolds(entries.length - index);
        // With revoke-access, a user newly deactivated (not yet marked revoked) counts even when nothing is left to
        // take away: the IdP may have dropped the user's memberships too, and a group sync of another lane may have
        // removed them first. (A suspension is always a planned change, counted as such.)
        // A user already marked revoked was counted when that happened: a reconcile re-planning its removals (most of
        // them no-ops) counts nothing again.
        const leaving = (key: string): boolean =>
          settings.deactivation === 'revoke-access' &&
          users.get(key.slice('User.'.length))?.resource.active === false &&
          links.get(key)?.accountId !== undefined;
        const counted = (key: string): boolean =>
          links.get(key)?.revoked !== true && ((planned.get(key) ?? []).some(isDeprovisioning) || leaving(key));
        for (const key of await this.admitDeprovisioning(
          entries.slice(index, admittedTo).map((e) => e.key),
          counted,
        ))
          allowed.add(key);
      }
      this.ctx.state.started += 1;
      const changes = planned.get(entry.key) ?? [];
      const user = users.get(entry.key.slice('User.'.length));
      if (!allowed.has(entry.key)) {
        report.deferred += 1;
        await this.markPending(
          entry.key,
          links.get(entry.key),
          'Deactivation paused by the circuit breaker until an admin confirms',
        );
        continue;
      }
      // The revocation is recorded before it is applied, so a group sync running meanwhile never adds the member back.
      if (!settings.dryRun && user && user.resource.active === false)
        await this.trackRevokedAccess(entry.key, false, settings);
      await this.applier.apply(
        entry,
        changes,
        settings,
        report,
        async (change) => this.applyUserChange(change, user, settings, admin),
        links.get(entry.key),
        user,
      );
      if (!settings.dryRun && user && user.resource.active !== false)
        await this.trackRevokedAccess(entry.key, true, settings);
    }
  }

  private async admitDeprovisioning(keys: readonly string[], counted: (key: string) => boolean): Promise<Set<string>> {
    const gate = this.ctx.deps.gate;
    const deprovisioning = keys.filter(counted);
    if (!gate || deprovisioning.length === 0) return new Set(keys);
    const allowedCount = await gate(deprovisioning.length, await this.ctx.deps.store.count('User'));
    const admitted = new Set(deprovisioning.slice(0, allowedCount));
    return new Set(keys.filter((key) => !deprovisioning.includes(key) || admitted.has(key)));
  }

  private async markPending(key: string, link: LinkDoc | undefined, detail: string): Promise<void> {
    await this.ctx.links.put({ ...(link ?? { attempts: 0 }), key, state: 'pending', detail } as LinkDoc);
  }

  /**
   * Remembers that a deactivation took a user's app-group memberships away (`revoke-access`), and on reactivation
   * re-plans the user's groups, which add the memberships back: the user's own plan has nothing to restore.
   */
  private async trackRevokedAccess(key: string, active: boolean, settings: EngineSettings): Promise<void> {
    const link = await this.ctx.links.get(key);
    if (!link?.accountId) return;
    if (!active && settings.deactivation === 'revoke-access' && !link.revoked) {
      await this.ctx.links.put({ ...link, revoked: true });
      // A group's carried member adds were planned before the revocation: its next job plans again without this user.
      if (this.ctx.deps.carry)
        for (const groupId of await this.ctx.deps.store.groupsOf(key.slice('User.'.length)))
          await this.ctx.deps.carry.drop(`Group.${groupId}`);
    } else if (active && link.revoked) {
      await this.enqueueGroupsOf(key);
      await this.ctx.links.put({ ...link, revoked: undefined } as LinkDoc);
    }
  }

  private async applyUserChange(
    change: Change,
    user: StoredResource | undefined,
    settings: EngineSettings,
    admin: AdminDirectory,
  ): Promise<void> {
    const key = change.key;
    const link = await this.ctx.links.get(key);
    switch (change.kind) {
      case 'invite-user': {
        // The invite carries the user's memberships of app groups that exist already (one call instead of one per
        // group and a re-plan of each); groups not made yet, or whose assignment failed, sync the member themselves.
        const groups = await this.appGroupsOfUser(key.slice('User.'.length));
        const linked = groups.filter((g) => g.orgGroupId !== undefined);
        const invite = (groupIds: readonly string[]) =>
          admin.inviteUsers([change.email], {
            resourceId: settings.workspaceResourceId,
            roleId: settings.bitbucketRoleId,
            groupIds,
          });
        const [outcome] = await invite(linked.map((g) => g.orgGroupId ?? '')).catch(async (error: unknown) => {
          // The Admin API refuses the whole invite when a named group is gone (404; the organization lost it): the user
          // is invited alone and every group syncs the member itself, re-creating what was lost.
          if (!(error instanceof TargetError && error.kind === 'not-found') || linked.length === 0) throw error;
          linked.length = 0;
          return invite([]);
        });
        if (!outcome?.accountId)
          throw new TargetError('conflict', outcome?.error ?? `Inviting ${change.email} returned no account`);
        await this.ctx.links.put({
          ...(link ?? { attempts: 0 }),
          key,
          state: 'pending',
          accountId: outcome.accountId,
          email: change.email,
        } as LinkDoc);
        const failed = new Set(outcome.failedGroupIds);
        if (linked.length === 0) for (const g of groups) if (g.orgGroupId !== undefined) failed.add(g.orgGroupId);
        // A group waiting for this user's lost account is compared again, to find the repair done.
        await this.enqueueGroups(
          groups.filter((g) => g.orgGroupId === undefined || failed.has(g.orgGroupId) || g.awaiting).map((g) => g.key),
        );
        return;
      }
      case 'link-user':
        await this.ctx.links.put({
          ...(link ?? { attempts: 0 }),
          key,
          state: 'pending',
          accountId: change.accountId,
          email: change.email,
        } as LinkDoc);
        await this.enqueueGroupsOf(key);
        return;
      case 'suspend-user':
        await admin.suspendUser(change.accountId);
        return;
      case 'restore-user':
        await admin.restoreUser(change.accountId);
        return;
      case 'remove-user':
        await admin.removeUser(change.accountId);
        return;
      case 'remove-member':
        await admin.removeMember(change.orgGroupId, change.accountId);
        return;
      default:
        throw new SyncError('bug', `A user sync cannot apply ${change.kind}${user ? '' : ' for a deleted user'}`);
    }
  }

  private async appGroupIdsOf(userId: string): Promise<string[]> {
    const groupIds = await this.ctx.deps.store.groupsOf(userId);
    const links = await this.ctx.links.othersMany(groupIds.map((g) => `Group.${g}`));
    return [...links.values()].map((l) => l.orgGroupId).filter((id): id is string => id !== undefined);
  }

  private async enqueueGroupsOf(userKey: string): Promise<void> {
    const groupIds = await this.ctx.deps.store.groupsOf(userKey.slice('User.'.length));
    await this.enqueueGroups(groupIds.map((g) => `Group.${g}`));
  }

  private async enqueueGroups(groupKeys: readonly string[]): Promise<void> {
    if (groupKeys.length === 0) return;
    await this.ctx.deps.store.enqueue(groupKeys);
    this.ctx.state.enqueued = true;
  }

  /** The user's SCIM groups (outbox keys) with their org group ids where the group exists in the org, and whether each waits for a lost member account. */
  private async appGroupsOfUser(userId: string): Promise<{ key: string; orgGroupId?: string; awaiting: boolean }[]> {
    const keys = (await this.ctx.deps.store.groupsOf(userId)).map((g) => `Group.${g}`);
    const links = await this.ctx.links.othersMany(keys);
    return keys.map((key) => {
      const link = links.get(key);
      const awaiting = (link?.awaitingMembers ?? 0) > 0;
      return link?.orgGroupId === undefined ? { key, awaiting } : { key, orgGroupId: link.orgGroupId, awaiting };
    });
  }
}
