/**
 * The review's reads of the app's own side: the identity and group links the app keeps (src/review/app-knowledge.ts),
 * link state by link state, then the members of every group granted on a target through the Admin API, once the
 * last grant listing has named them all.
 */
import type { AdminDirectory } from '../targets/ports';
import { TargetError } from '../targets/ports';
import type { AppKnowledge } from './app-knowledge';
import { LINK_STATES } from './app-knowledge';
import type { ReviewRecord } from './review-records';
import type { RunState } from './review-run';
import { BITBUCKET_PHASES } from './review-run';
import type { ReviewLog } from './review-store';

/** The Admin API reads a step makes. */
export type GroupMembers = Pick<AdminDirectory, 'findGroupByName' | 'listGroupMembers'>;

/** What the app-side reads use. */
export interface AppReads {
  readonly knowledge: AppKnowledge;
  /** The Admin API reader; undefined while the app cannot connect to the Admin API. */
  readonly admin: () => Promise<GroupMembers | undefined>;
  /** Whether the step has room for `calls` more outbound requests besides its own bookkeeping. */
  readonly room: (calls: number) => boolean;
}

/** Reads the app's links, then the granted groups' members, as far as the step's room allows. */
export async function readAppKnowledge(
  start: RunState,
  buffer: Record<ReviewLog, ReviewRecord[]>,
  reads: AppReads,
): Promise<RunState> {
  let run = start;
  const knowledge = reads.knowledge;
  while (run.app.phase === 'identities' && reads.room(4)) {
    const state = LINK_STATES[run.app.stateIndex];
    if (state === undefined) {
      run = { ...run, app: { phase: 'groups', stateIndex: run.app.stateIndex, groupIndex: 0 } };
      break;
    }
    const page = await knowledge.links(state, run.app.cursor);
    const userIds = page.links
      .filter((l) => l.key.startsWith('User.') && l.accountId !== undefined)
      .map((l) => l.key.slice('User.'.length));
    const groupIds = page.links
      .filter((l) => l.key.startsWith('Group.') && l.groupSlug !== undefined)
      .map((l) => l.key.slice('Group.'.length));
    const users =
      userIds.length > 0 ? await knowledge.users(userIds) : new Map<string, { userName: string; active: boolean }>();
    const groups = groupIds.length > 0 ? await knowledge.groups(groupIds) : new Map<string, string>();
    const appGroups = { ...run.appGroups };
    for (const link of page.links) {
      const id = link.key.slice(link.key.indexOf('.') + 1);
      if (link.key.startsWith('User.') && link.accountId !== undefined) {
        const user = users.get(id);
        const status = link.deleted === true || user === undefined ? 'deleted' : user.active ? 'active' : 'deactivated';
        buffer.inputs.push(['idp', link.accountId, id, user?.userName ?? link.email ?? id, status]);
      } else if (link.key.startsWith('Group.') && link.groupSlug !== undefined) {
        appGroups[link.groupSlug] = {
          ...(link.orgGroupId !== undefined ? { orgGroupId: link.orgGroupId } : {}),
          displayName: groups.get(id) ?? link.orgGroupName ?? link.groupSlug,
        };
      }
    }
    const app =
      page.cursor !== undefined
        ? { ...run.app, cursor: page.cursor }
        : { phase: 'identities' as const, stateIndex: run.app.stateIndex + 1, groupIndex: 0 };
    run = { ...run, appGroups, app };
  }
  // Group members wait for the last grant listing: only then is every granted group known.
  if (
    run.app.phase !== 'groups' ||
    run.bitbucket.phase === 'targets' ||
    BITBUCKET_PHASES.indexOf(run.bitbucket.phase) < BITBUCKET_PHASES.indexOf('targets')
  )
    return run;
  const slugs = Object.keys(run.grantedGroups).sort();
  const admin = slugs.length > run.app.groupIndex ? await reads.admin() : undefined;
  let index = run.app.groupIndex;
  let adminCalls = 0;
  while (index < slugs.length && admin !== undefined && reads.room(6)) {
    const slug = slugs[index] ?? '';
    const name = run.grantedGroups[slug] ?? slug;
    const mine = run.appGroups[slug];
    let members: string[] = [];
    let known = true;
    try {
      let groupId = mine?.orgGroupId;
      if (groupId === undefined) {
        adminCalls += 1;
        groupId = (await admin.findGroupByName(name))?.id;
      }
      if (groupId === undefined) known = false;
      else {
        adminCalls += 1;
        members = await admin.listGroupMembers(groupId);
      }
    } catch (error) {
      // A rate limit or outage: the next step asks again. Anything else: the group's members stay unknown.
      if (error instanceof TargetError && error.retryable) break;
      known = false;
    }
    buffer.inputs.push(['group', slug, name, mine !== undefined ? 1 : 0, known ? 1 : 0, members]);
    index += 1;
  }
  run = {
    ...run,
    counts: { ...run.counts, adminRequests: run.counts.adminRequests + adminCalls },
    app: { ...run.app, groupIndex: index },
  };
  if (index >= slugs.length) run = { ...run, app: { ...run.app, phase: 'done' } };
  return run;
}
