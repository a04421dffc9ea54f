/**
 * Presents one stored resource: reads what is stored beside it (a group's members, a user's groups, the user's
 * Atlassian account link) when the projection asks for it, renders it (render.ts) and projects it (RFC 7644
 * section 3.9), and answers a single-resource request with it, its ETag (section 3.14) and Location (section 3.1).
 */
import type { StoredMember, StoredResource } from '../directory/directory-store';
import { parseProjection } from './list-parameters';
import { queryValue, type ScimResponse } from './protocol';
import {
  entityTag,
  project,
  projectionIncludes,
  renderResource,
  resourceLocation,
  type Projection,
  type RenderExtras,
} from './render';
import type { ScimObject } from './resource/types';
import { groupResourceType, userResourceType, type ResourceType } from './schema/registry';
import { ATLASSIAN_USER_SCHEMA } from './schema/urns';
import { json, type ScimContext } from './scim-context';
import type { AccountLink } from './service-options';

async function loadMembers(ctx: ScimContext, groupId: string): Promise<StoredMember[]> {
  const out: StoredMember[] = [];
  for await (const page of ctx.store.members(groupId)) out.push(...page);
  return out;
}

async function loadGroupsOf(ctx: ScimContext, userId: string): Promise<{ value: string; display?: string }[]> {
  const ids = await ctx.store.groupsOf(userId);
  const groups = await ctx.store.getMany('Group', ids);
  return ids.map((id) => {
    const displayName = groups.get(id)?.resource.displayName;
    return typeof displayName === 'string' ? { value: id, display: displayName } : { value: id };
  });
}

/** Reads a group's members and a user's groups, each only when asked for. */
export async function resourceExtras(
  ctx: ScimContext,
  stored: StoredResource,
  needsMembers: boolean,
  needsGroups: boolean,
): Promise<RenderExtras> {
  const extras: { members?: StoredMember[]; groups?: { value: string; display?: string }[] } = {};
  if (stored.kind === 'Group' && needsMembers) extras.members = await loadMembers(ctx, stored.id);
  if (stored.kind === 'User' && needsGroups) extras.groups = await loadGroupsOf(ctx, stored.id);
  return extras;
}

/**
 * Renders and projects one resource; `known` extras and `accountLinks` already read (a page's batch) spare the reads.
 * A user's account link becomes this app's read-only User extension, listed in `schemas`, with `meta` kept last.
 */
export async function presentResource(
  ctx: ScimContext,
  stored: StoredResource,
  resourceType: ResourceType,
  projection: Projection,
  known?: RenderExtras,
  accountLinks?: Map<string, AccountLink>,
): Promise<ScimObject> {
  const needsMembers = resourceType === groupResourceType && projectionIncludes(projection, resourceType, 'members');
  const needsGroups = resourceType === userResourceType && projectionIncludes(projection, resourceType, 'groups');
  const extras = known ?? (await resourceExtras(ctx, stored, needsMembers, needsGroups));
  const rendered = renderResource(stored, resourceType, ctx.baseUrl, {
    ...(needsMembers && extras.members ? { members: extras.members } : {}),
    ...(needsGroups && extras.groups ? { groups: extras.groups } : {}),
  });
  if (resourceType === userResourceType && ctx.accountLinks) {
    const link = (accountLinks ?? (await ctx.accountLinks([stored.id]))).get(stored.id);
    if (link) {
      rendered[ATLASSIAN_USER_SCHEMA] = {
        ...(link.accountId ? { accountId: link.accountId } : {}),
        syncState: link.syncState,
      };
      rendered.schemas = [...(rendered.schemas as string[]), ATLASSIAN_USER_SCHEMA];
      const meta = rendered.meta;
      delete rendered.meta;
      rendered.meta = meta;
    }
  }
  return project(rendered, resourceType, projection);
}

/** Answers with one resource, projected by the request's `attributes`/`excludedAttributes`; a 201 adds Location. */
export async function resourceResponse(
  ctx: ScimContext,
  stored: StoredResource,
  resourceType: ResourceType,
  status: number,
  extras?: RenderExtras,
): Promise<ScimResponse> {
  const projection = parseProjection(
    {
      attributes: queryValue(ctx.request, 'attributes'),
      excludedAttributes: queryValue(ctx.request, 'excludedAttributes'),
    },
    ctx.profile,
  );
  // A resource created by this request has no Atlassian account link yet: nothing to read.
  const body = await presentResource(
    ctx,
    stored,
    resourceType,
    projection,
    extras,
    status === 201 ? new Map() : undefined,
  );
  const headers: Record<string, string> = { etag: entityTag(stored.version) };
  if (status === 201) headers.location = resourceLocation(ctx.baseUrl, resourceType, stored.id);
  return json(status, body, headers);
}
