/**
 * `groups/list`: which IdP group is which org group. For a page of the SCIM groups, the org group the app
 * created (or linked) for each, with its assumed Bitbucket group slug and sync state, so an admin can recognise
 * on Bitbucket's permission pages the group an identity provider pushed.
 */
import type { GroupMappingPage, GroupMappingView } from '../shared/admin-api';
import type { AdminParts } from './admin-parts';
import { optionalInteger, payloadObject } from './payload';

/** Most groups one call answers (one directory page read and one batch of link reads per 25). */
export const MAX_GROUPS_PER_PAGE = 50;

/** One page of the IdP group -> org group mapping, in the directory's order. */
export async function listGroupMapping(payload: unknown, parts: AdminParts): Promise<GroupMappingPage> {
  const record = payloadObject(payload);
  const offset = optionalInteger(record, 'offset', 0, 1_000_000) ?? 0;
  const count = optionalInteger(record, 'count', 1, MAX_GROUPS_PER_PAGE) ?? MAX_GROUPS_PER_PAGE;
  const page = await parts.app.store.page('Group', offset, count);
  const links = await parts.sync.links.getMany(page.resources.map((group) => `Group.${group.id}`));
  const groups = page.resources.map((group): GroupMappingView => {
    const link = links.get(`Group.${group.id}`);
    return {
      id: group.id,
      displayName: String(group.resource.displayName ?? ''),
      ...(link?.orgGroupName ? { orgGroupName: link.orgGroupName } : {}),
      ...(link?.groupSlug ? { groupSlug: link.groupSlug } : {}),
      state: link?.state ?? 'pending',
      ...(link?.lastError ? { lastError: link.lastError } : {}),
    };
  });
  return { groups, total: page.totalResults, offset };
}
