/**
 * The write endpoints of /Users and /Groups: create (POST, RFC 7644 section 3.3), replace (PUT, section 3.5.1),
 * modify (PATCH, section 3.5.2) and delete (DELETE, section 3.6). Group members are resolved to this service
 * provider's users and groups before the directory stores them.
 */
import type { MembershipChange, ResourceKind, StoredMember, StoredResource } from '../../directory/directory-store';
import { ScimError } from '../errors';
import { memberPredicate } from '../filter/member-predicate';
import { applyPatch, parsePatchRequest, validateResource } from '../patch';
import { expectedVersion, optimistic } from '../preconditions';
import { queryValue, type ScimRequest } from '../protocol';
import { entityTag } from '../render';
import { parseBody } from '../request-body';
import { checkUniqueName } from '../resource/name-text';
import { normalizeResource } from '../resource/normalize-resource';
import type { MemberChange, MemberRef, ScimObject } from '../resource/types';
import { groupResourceType, type ResourceType } from '../schema/registry';
import { resourceResponse } from '../present-resource';
import type { RouteHandler, ScimContext } from '../scim-context';

function wantsRepresentation(request: ScimRequest): boolean {
  return queryValue(request, 'attributes') !== undefined || queryValue(request, 'excludedAttributes') !== undefined;
}

function dedupe(members: readonly MemberRef[]): StoredMember[] {
  const seen = new Map<string, StoredMember>();
  for (const member of members) seen.set(member.value, member);
  return [...seen.values()];
}

/** Types each member as 'User' or 'Group'; an unknown member is a 400 unless the profile keeps unresolved members. */
async function resolveMembers(
  ctx: ScimContext,
  members: readonly MemberRef[],
  groupId: string | undefined,
): Promise<MemberRef[]> {
  const values = [...new Set(members.map((m) => m.value))];
  const kinds = await ctx.store.kindsOf(values);
  return members.map((member) => {
    if (groupId !== undefined && member.value === groupId)
      throw ScimError.invalidValue('A group cannot be a member of itself');
    const type = kinds.get(member.value);
    if (!type && !ctx.profile.keepUnresolvedMembers) {
      throw ScimError.invalidValue(`Member "${member.value}" is neither a User nor a Group of this service provider`);
    }
    const resolved: { value: string; display?: string; type?: string } = { value: member.value };
    if (member.display !== undefined) resolved.display = member.display;
    if (type) resolved.type = type;
    return resolved;
  });
}

/** The directory's changes of a PATCH's member changes: added members resolved, a member filter made a predicate. */
async function resolveChanges(
  ctx: ScimContext,
  changes: readonly MemberChange[],
  groupId: string,
): Promise<MembershipChange[]> {
  const out: MembershipChange[] = [];
  for (const change of changes) {
    if (change.kind === 'add' || change.kind === 'replace')
      out.push({ kind: change.kind, members: await resolveMembers(ctx, change.members, groupId) });
    else if (change.kind === 'removeWhere') out.push({ kind: 'removeWhere', matches: memberPredicate(change.filter) });
    else out.push(change);
  }
  return out;
}

/** POST /Users, POST /Groups: creates the resource and answers 201 with it (RFC 7644 section 3.3). */
export function createResource(resourceType: ResourceType): RouteHandler {
  return async (ctx) => {
    const { resource, members } = normalizeResource(parseBody(ctx.request), resourceType, ctx.profile);
    checkUniqueName(resource, resourceType);
    if (resourceType === groupResourceType) {
      const resolved = members ? await resolveMembers(ctx, members, undefined) : [];
      const stored = await ctx.store.create('Group', resource, resolved);
      return resourceResponse(ctx, stored, resourceType, 201, { members: dedupe(resolved) });
    }
    const stored = await ctx.store.create('User', resource);
    return resourceResponse(ctx, stored, resourceType, 201, { groups: [] });
  };
}

/** PUT /Users/{id}, PUT /Groups/{id}: replaces the resource, its membership with it (RFC 7644 section 3.5.1). */
export function replaceResource(resourceType: ResourceType): RouteHandler {
  return async (ctx, id) => {
    const { resource, members } = normalizeResource(parseBody(ctx.request), resourceType, ctx.profile);
    const kind: ResourceKind = resourceType.name;
    return optimistic(ctx.request, async () => {
      const current = await ctx.store.get(kind, id);
      if (!current) throw ScimError.notFound(`${kind} ${id} not found`);
      const version = expectedVersion(ctx.request, current) ?? current.version;
      checkUniqueName(resource, resourceType, current.resource);
      const next: ScimObject = { ...resource };
      if (
        kind === 'User' &&
        ctx.profile.putPreservesOmitted &&
        next.active === undefined &&
        current.resource.active !== undefined
      ) {
        next.active = current.resource.active;
      }
      let nextMembers: MemberRef[] | undefined;
      if (kind === 'Group') {
        if (members) nextMembers = await resolveMembers(ctx, members, id);
        else if (!ctx.profile.putPreservesOmitted) nextMembers = [];
      }
      const stored = await ctx.store.replace(kind, id, next, nextMembers, { expectedVersion: version, basis: current });
      return resourceResponse(ctx, stored, resourceType, 200);
    });
  };
}

/** PATCH /Users/{id}, PATCH /Groups/{id}: applies the operations (RFC 7644 section 3.5.2), members as changes. */
export function patchResource(resourceType: ResourceType): RouteHandler {
  return async (ctx, id) => {
    const operations = parsePatchRequest(parseBody(ctx.request), resourceType, ctx.profile);
    const kind: ResourceKind = resourceType.name;
    return optimistic(ctx.request, async () => {
      const current = await ctx.store.get(kind, id);
      if (!current) throw ScimError.notFound(`${kind} ${id} not found`);
      const clientVersion = expectedVersion(ctx.request, current);
      const { resource, memberChanges } = applyPatch(current.resource, operations, resourceType, ctx.profile);
      validateResource(resource, resourceType);
      checkUniqueName(resource, resourceType, current.resource);
      const changed = JSON.stringify(resource) !== JSON.stringify(current.resource);
      let stored: StoredResource;
      if (kind === 'Group') {
        const changes = await resolveChanges(ctx, memberChanges, id);
        const condition =
          changed || clientVersion !== undefined
            ? { expectedVersion: current.version, basis: current }
            : { basis: current };
        stored = await ctx.store.updateGroup(id, changed ? resource : undefined, changes, condition);
      } else {
        stored = changed
          ? await ctx.store.replace('User', id, resource, undefined, {
              expectedVersion: current.version,
              basis: current,
            })
          : current;
      }
      // RFC 7644 section 3.5.2: 204 is allowed; Microsoft's collection and Entra expect it. A client that asks
      // for attributes gets the representation.
      if (wantsRepresentation(ctx.request)) return resourceResponse(ctx, stored, resourceType, 200);
      return { status: 204, headers: { etag: entityTag(stored.version) }, body: undefined };
    });
  };
}

/** DELETE /Users/{id}, DELETE /Groups/{id}: deletes the resource and its memberships, 204 (RFC 7644 section 3.6). */
export function deleteResource(resourceType: ResourceType): RouteHandler {
  return async (ctx, id) => {
    const current = await ctx.store.get(resourceType.name, id);
    if (!current) throw ScimError.notFound(`${resourceType.name} ${id} not found`);
    const version = expectedVersion(ctx.request, current);
    await ctx.store.delete(
      resourceType.name,
      id,
      version === undefined ? { basis: current } : { expectedVersion: version, basis: current },
    );
    return { status: 204, headers: {}, body: undefined };
  };
}
