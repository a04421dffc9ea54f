/**
 * What the permission end-to-end checks compare: the Bitbucket grants the rules imply for the directory's groups
 * (computed here independently of the app's planner) and the grants the Bitbucket emulator holds, both as
 * `kind:target:groupSlug` -> level.
 */
import { EMULATED_PROJECTS, EMULATED_REPOSITORIES, slugifyGroupName, type PermissionGrant } from '../../emulators';
import type { PermissionRule } from '../../src/sync/settings';
import { orgGroupNameFor } from '../../src/targets/group-slug';
import { GROUP_PREFIX, type DirectorySnapshot } from './sync-state';

const RANK: Readonly<Record<string, number>> = { read: 1, write: 2, 'create-repo': 3, admin: 4 };

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

/** The grants the rules give the directory's groups in the emulated workspace; renamed groups keep their org group's slug. */
export function expectedGrants(
  rules: readonly PermissionRule[],
  directory: DirectorySnapshot,
  originalNames: ReadonlyMap<string, string>,
): Map<string, string> {
  const out = new Map<string, string>();
  const raise = (key: string, level: string): void => {
    if ((RANK[level] ?? 0) > (RANK[out.get(key) ?? ''] ?? 0)) out.set(key, level);
  };
  for (const rule of rules) {
    for (const group of directory.groups.filter((g) => g.displayName.toLowerCase() === rule.group.toLowerCase())) {
      const slug = slugifyGroupName(orgGroupNameFor(originalNames.get(group.id) ?? group.displayName, GROUP_PREFIX));
      for (const project of EMULATED_PROJECTS.filter((p) =>
        rule.projects.some((key) => key.toLowerCase() === p.key.toLowerCase()),
      ))
        raise(`project:${project.key}:${slug}`, rule.level);
      if (rule.level === 'create-repo') continue;
      for (const repository of EMULATED_REPOSITORIES.filter((r) =>
        rule.repositories.some((pattern) => globToRegExp(pattern).test(r.slug)),
      )) {
        raise(`repository:${repository.slug}:${slug}`, rule.level);
      }
    }
  }
  return out;
}

/**
 * The grants Bitbucket shows: the emulator's grants of groups that still exist. Bitbucket drops a deleted group's
 * permissions with it; the emulator keeps the record but, like Bitbucket, lists and resolves only live groups.
 */
export function actualGrants(
  permissions: ReadonlyMap<string, PermissionGrant>,
  liveGroupNames: Iterable<string>,
): Map<string, string> {
  const live = new Set([...liveGroupNames].map(slugifyGroupName));
  return new Map(
    [...permissions.values()]
      .filter((grant) => live.has(grant.groupSlug))
      .map((grant) => [`${grant.kind}:${grant.target}:${grant.groupSlug}`, grant.permission]),
  );
}
