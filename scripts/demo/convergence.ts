/**
 * Waits until the local host's sync has converged on the demo directory: the admin bridge's status shows an empty
 * queue with nothing pending or failed and permission sync done, and (when the host emulates Atlassian) the
 * emulated organization holds every demo user, every group with exactly its active members, and the rule's grant.
 */
import type { EmulatorSnapshot } from '../../emulators';
import type { AdminCall } from './local-admin-client';
import { DEMO_GROUPS, DEMO_RULE, DEMO_USERS } from './demo-directory';

/** What the wait found. */
export interface Convergence {
  readonly converged: boolean;
  readonly seconds: number;
  /** What still differed when the wait gave up (empty when converged). */
  readonly differences: readonly string[];
  /** IdP group -> org group, as the page shows it. */
  readonly orgGroups: ReadonlyMap<string, string>;
  /** Whether the emulated organization was compared (false against real Atlassian APIs). */
  readonly comparedWithOrganization: boolean;
}

/** The differences between the emulated organization and the demo directory (`deactivated`: the user the IdP has deactivated so far, if any). */
export function organizationDifferences(
  snapshot: EmulatorSnapshot,
  orgGroups: ReadonlyMap<string, string>,
  groupSlugs: ReadonlyMap<string, string>,
  deactivated: string | undefined,
): string[] {
  const differences: string[] = [];
  const byEmail = new Map(snapshot.admin.users.map((user) => [user.email.toLowerCase(), user]));
  const emailOf = new Map(snapshot.admin.users.map((user) => [user.accountId, user.email.toLowerCase()]));
  for (const user of DEMO_USERS) {
    const account = byEmail.get(user.userName);
    if (!account) differences.push(`no account for ${user.userName}`);
    else if (account.directoryId === undefined) differences.push(`${user.userName} is not in the directory`);
  }
  for (const group of DEMO_GROUPS) {
    const name = orgGroups.get(group.displayName);
    const orgGroup = name ? snapshot.admin.groups.find((g) => g.name === name) : undefined;
    if (!orgGroup) {
      differences.push(`no org group for ${group.displayName}`);
      continue;
    }
    const want = group.members.filter((m) => m !== deactivated).sort();
    const have = orgGroup.members.map((id) => emailOf.get(id) ?? id).sort();
    if (JSON.stringify(want) !== JSON.stringify(have))
      differences.push(`${name} has ${have.length} members, ${want.length} expected`);
    if (orgGroup.roles.length === 0) differences.push(`${name} has no Bitbucket role`);
  }
  const slug = groupSlugs.get(DEMO_RULE.group);
  const grant = snapshot.bitbucket.permissions.find(
    (p) => p.kind === 'project' && p.target === DEMO_RULE.projects[0] && p.groupSlug === slug,
  );
  if (grant?.permission !== DEMO_RULE.level)
    differences.push(
      `no ${DEMO_RULE.level} grant of ${slug ?? DEMO_RULE.group} on project ${DEMO_RULE.projects[0] ?? ''}`,
    );
  return differences;
}

/** Polls until converged or `timeoutSeconds` pass. */
export async function waitForConvergence(options: {
  readonly admin: AdminCall;
  readonly emulatorStateUrl: string | undefined;
  readonly adminKey: string;
  readonly timeoutSeconds: number;
  /** The user deactivated so far (its memberships must be gone), if any. */
  readonly deactivated?: string;
  readonly onProgress?: (line: string) => void;
}): Promise<Convergence> {
  const started = Date.now();
  let differences: string[] = ['not checked yet'];
  let orgGroups = new Map<string, string>();
  let compared = false;
  let lastLine = '';
  while ((Date.now() - started) / 1000 < options.timeoutSeconds) {
    const status = await options.admin('sync/status');
    const mapping = await options.admin('groups/list', { offset: 0, count: 50 });
    orgGroups = new Map(mapping.groups.filter((g) => g.orgGroupName).map((g) => [g.displayName, g.orgGroupName ?? '']));
    const slugs = new Map(mapping.groups.filter((g) => g.groupSlug).map((g) => [g.displayName, g.groupSlug ?? '']));
    differences = [];
    if (status.queueDepth > 0) differences.push(`${status.queueDepth} change(s) queued`);
    if (status.counts.pending > 0) differences.push(`${status.counts.pending} pending`);
    if (status.counts.failed > 0) differences.push(`${status.counts.failed} failed`);
    if (status.permissions?.state !== 'synced') differences.push('permission sync not done');
    if (differences.length === 0 && options.emulatorStateUrl) {
      const answer = await fetch(`${options.emulatorStateUrl}?logs=false`, {
        headers: { 'x-admin-key': options.adminKey },
        signal: AbortSignal.timeout(30_000),
      });
      if (answer.ok) {
        compared = true;
        differences = organizationDifferences(
          (await answer.json()) as EmulatorSnapshot,
          orgGroups,
          slugs,
          options.deactivated,
        );
      }
    }
    if (differences.length === 0)
      return {
        converged: true,
        seconds: (Date.now() - started) / 1000,
        differences,
        orgGroups,
        comparedWithOrganization: compared,
      };
    const line = `  waiting: ${status.counts.synced} synced, ${differences.slice(0, 3).join(', ')}`;
    if (line !== lastLine) options.onProgress?.(line);
    lastLine = line;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return {
    converged: false,
    seconds: (Date.now() - started) / 1000,
    differences,
    orgGroups,
    comparedWithOrganization: compared,
  };
}
