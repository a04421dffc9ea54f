/**
 * Readers of the Bitbucket Cloud 2.0 bodies the client uses (bitbucket-cloud-openapi.json): paginated
 * collections (`values`, `next`), projects, repositories, group permissions and workspace memberships.
 */
import type { ProjectPermission, RepositoryPermission } from '../ports';
import type { JsonRecord } from '../http/response-shape';
import { asRecord, oneOf, optionalRecord, optionalString, requiredArray, requiredString } from '../http/response-shape';

/** One page of a Bitbucket collection; `next` is an absolute link, absent on the last page. */
export interface BitbucketPage<T> {
  readonly items: T[];
  readonly next: string | undefined;
}

/** A paginated collection (the spec's `paginated_*` schemas); items that `read` maps to undefined are skipped. */
export function readPage<T>(body: unknown, read: (item: JsonRecord, where: string) => T | undefined): BitbucketPage<T> {
  const page = asRecord(body, 'body');
  const items: T[] = [];
  requiredArray(page, 'values', 'body').forEach((value, index) => {
    const item = read(asRecord(value, `body.values[${index}]`), `body.values[${index}]`);
    if (item !== undefined) items.push(item);
  });
  return { items, next: optionalString(page, 'next', 'body') };
}

/** A `project`: its key and name. */
export function readProject(item: JsonRecord, where: string): { key: string; name: string } {
  return { key: requiredString(item, 'key', where), name: requiredString(item, 'name', where) };
}

/** A `repository`: its slug and, when it has one, its project's key. */
export function readRepository(item: JsonRecord, where: string): { slug: string; projectKey: string | undefined } {
  const project = optionalRecord(item, 'project', where);
  return {
    slug: requiredString(item, 'slug', where),
    projectKey: project === undefined ? undefined : requiredString(project, 'key', `${where}.project`),
  };
}

const REPOSITORY_PERMISSIONS: readonly RepositoryPermission[] = ['read', 'write', 'admin'];
const PROJECT_PERMISSIONS: readonly ProjectPermission[] = ['read', 'write', 'create-repo', 'admin'];

function groupPermission<T extends string>(
  item: JsonRecord,
  where: string,
  allowed: readonly T[],
): { groupSlug: string; permission: T } | undefined {
  const group = asRecord(item.group, `${where}.group`);
  const permission = requiredString(item, 'permission', where);
  // `none` is a documented value meaning "no explicit permission": not a grant.
  if (permission === 'none') return undefined;
  return {
    groupSlug: requiredString(group, 'slug', `${where}.group`),
    permission: oneOf(permission, allowed, `${where}.permission`),
  };
}

/** A `repository_group_permission`; undefined for `none`. */
export function readRepositoryGroupPermission(
  item: JsonRecord,
  where: string,
): { groupSlug: string; permission: RepositoryPermission } | undefined {
  return groupPermission(item, where, REPOSITORY_PERMISSIONS);
}

/** A `project_group_permission`; undefined for `none`. */
export function readProjectGroupPermission(
  item: JsonRecord,
  where: string,
): { groupSlug: string; permission: ProjectPermission } | undefined {
  return groupPermission(item, where, PROJECT_PERMISSIONS);
}

/** A `workspace_membership` asked for with `fields=+values.user.email`: the member's account ID and email. */
export function readMemberWithEmail(item: JsonRecord, where: string): { accountId: string; email: string } {
  const user = asRecord(item.user, `${where}.user`);
  return {
    accountId: requiredString(user, 'account_id', `${where}.user`),
    email: requiredString(user, 'email', `${where}.user`),
  };
}
