/**
 * Is an org group the app creates through the Admin API addressable in Bitbucket's `permissions-config` by the slug
 * the app computes (src/targets/group-slug.ts, the one assumption)? The check does what the sync does for a group,
 * on a scratch group named as the app names its groups: creates it, grants it the Bitbucket product role, grants it
 * read on the repository the admin picked under the computed slug and reads the grant back; then revokes the grant
 * and the role and deletes the group, whatever happened before. Bitbucket may take a moment to see a new group, so
 * the grant is tried a few times. About a dozen outbound requests and at most DEADLINE_MS before the clean-up, well
 * inside a resolver's 100 requests and 25 s.
 */
import { randomBytes } from 'node:crypto';
import type { DiagnosticStep } from '../../shared/diagnostics-api';
import type { SyncSettings } from '../../sync/settings';
import { groupSlugFor, orgGroupNameFor } from '../../targets/group-slug';
import { TargetError, type AdminDirectory, type BitbucketPermissions } from '../../targets/ports';
import { describeError, type CheckOutcome } from './check-outcome';

/** Tries of the grant while Bitbucket may not see the new group yet. */
export const GRANT_TRIES = 3;
/** The wait between tries. */
export const GRANT_RETRY_MS = 2_000;
/** After this long no further try starts, so the clean-up always has time left in the resolver's 25 s. */
export const DEADLINE_MS = 15_000;

/** A repository slug as Bitbucket forms them. */
export const REPOSITORY_SLUG = /^[A-Za-z0-9._-]{1,128}$/;

/** What the check runs on. */
export interface GroupSlugDeps {
  readonly admin: AdminDirectory;
  readonly bitbucket: BitbucketPermissions;
  readonly settings: SyncSettings;
  readonly clock: { now(): number; sleep(ms: number): Promise<void> };
}

/** What the check left behind, for the audit log. */
export interface GroupSlugTrace {
  readonly group: string;
  readonly slug: string;
  readonly repository: string;
  readonly leftBehind: readonly string[];
}

function isNotFound(error: unknown): boolean {
  return error instanceof TargetError && error.kind === 'not-found';
}

/** Runs the check on `repository`; `trace` receives what was created and what could not be removed. */
export async function checkGroupSlug(
  deps: GroupSlugDeps,
  repository: string,
  trace?: (trace: GroupSlugTrace) => void,
): Promise<CheckOutcome> {
  const { admin, bitbucket, settings, clock } = deps;
  const started = clock.now();
  const steps: DiagnosticStep[] = [];
  const name = orgGroupNameFor(`diagnostics-${randomBytes(4).toString('hex')}`, settings.groupNamePrefix);
  const slug = groupSlugFor(name);
  const leftBehind: string[] = [];
  const done = (outcome: CheckOutcome): CheckOutcome => {
    trace?.({ group: name, slug, repository, leftBehind });
    return leftBehind.length === 0
      ? outcome
      : { ...outcome, observed: `${outcome.observed} Left behind, remove by hand: ${leftBehind.join('; ')}.` };
  };

  try {
    const grants = await bitbucket.listRepositoryGroupPermissions(repository);
    steps.push({ name: 'Repository', ok: true, detail: `${repository} has ${grants.length} group grant(s)` });
  } catch (error) {
    steps.push({ name: 'Repository', ok: false, detail: describeError(error) });
    return done({
      verdict: 'inconclusive',
      finding: 'no-repository',
      observed: `The repository ${repository} could not be read, so nothing was created (${describeError(error)}).`,
      steps,
    });
  }

  let groupId: string | undefined;
  let creating = false;
  let roleGranted = false;
  let granted = false;
  let outcome: CheckOutcome;
  try {
    creating = true;
    const group = await admin.createGroup(
      name,
      'Temporary group of the SCIM app Diagnostics; removed when the check ends',
    );
    groupId = group.id;
    steps.push({ name: 'Create the scratch group', ok: true, detail: `${name} (${group.id})` });
    const { workspaceResourceId } = settings.target;
    if (workspaceResourceId !== '' && settings.bitbucketRoleId !== '') {
      await admin.assignGroupRole(group.id, workspaceResourceId, settings.bitbucketRoleId);
      roleGranted = true;
      steps.push({
        name: 'Grant it Bitbucket access',
        ok: true,
        detail: `${settings.bitbucketRoleId} on ${workspaceResourceId}`,
      });
    }
    let lastMiss: unknown;
    for (let attempt = 1; attempt <= GRANT_TRIES && !granted; attempt += 1) {
      try {
        await bitbucket.putRepositoryGroupPermission(repository, slug, 'read');
        granted = true;
        steps.push({
          name: 'Grant read under the computed slug',
          ok: true,
          detail: `PUT …/${repository}/permissions-config/groups/${slug} accepted (try ${attempt})`,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        lastMiss = error;
        if (attempt < GRANT_TRIES && clock.now() - started + GRANT_RETRY_MS < DEADLINE_MS)
          await clock.sleep(GRANT_RETRY_MS);
        else break;
      }
    }
    if (!granted) {
      steps.push({
        name: 'Grant read under the computed slug',
        ok: false,
        detail: `Bitbucket does not know ${slug}: ${describeError(lastMiss)}`,
      });
      outcome = {
        verdict: 'differs',
        finding: 'unresolved',
        observed: `Bitbucket answered 404 for group_slug ${slug} of the new group ${name} after ${Math.round((clock.now() - started) / 1000)} s: the app's slug does not address it.`,
        steps,
      };
    } else {
      const found = (await bitbucket.listRepositoryGroupPermissions(repository)).find(
        (grant) => grant.groupSlug === slug,
      );
      steps.push({
        name: 'Read the grant back',
        ok: found?.permission === 'read',
        detail: found ? `${slug}: ${found.permission}` : `${slug} is not among the grants`,
      });
      outcome =
        found?.permission === 'read'
          ? {
              verdict: 'as-assumed',
              finding: 'resolved',
              observed: `Bitbucket took and showed a read grant for ${slug}, the slug the app computes for its new group ${name}.`,
              steps,
            }
          : {
              verdict: 'differs',
              finding: 'unresolved',
              observed: `Bitbucket accepted a grant for ${slug} but does not list it for the group ${name}.`,
              steps,
            };
    }
  } catch (error) {
    steps.push({ name: 'Stopped', ok: false, detail: describeError(error) });
    outcome = {
      verdict: 'inconclusive',
      finding: 'error',
      observed: `The check could not finish: ${describeError(error)}.`,
      steps,
    };
  }

  const cleanup = async (what: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
      steps.push({ name: `Clean up: ${what}`, ok: true, detail: 'done' });
    } catch (error) {
      leftBehind.push(what);
      steps.push({ name: `Clean up: ${what}`, ok: false, detail: describeError(error) });
    }
  };
  // A create whose answer was lost may still have made the group: look it up by its name to remove it.
  if (groupId === undefined && creating) {
    try {
      groupId = (await admin.findGroupByName(name))?.id;
    } catch (error) {
      leftBehind.push(`group ${name}, if it was created`);
      steps.push({
        name: `Clean up: group ${name}`,
        ok: false,
        detail: `Could not look it up: ${describeError(error)}`,
      });
    }
  }
  if (granted)
    await cleanup(`read grant of ${slug} on ${repository}`, () =>
      bitbucket.deleteRepositoryGroupPermission(repository, slug),
    );
  const id = groupId;
  if (id !== undefined && roleGranted)
    await cleanup(`Bitbucket access of ${name}`, () =>
      admin.revokeGroupRole(id, settings.target.workspaceResourceId, settings.bitbucketRoleId),
    );
  if (id !== undefined) await cleanup(`group ${name}`, () => admin.deleteGroup(id));
  return done(outcome);
}
