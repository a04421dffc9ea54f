/**
 * Renders stored resources as SCIM JSON (RFC 7643 sections 3, 4) and applies the `attributes` and
 * `excludedAttributes` parameters (RFC 7644 sections 3.4.2.5 and 3.9).
 */
import type { StoredMember, StoredResource } from '../directory/directory-store';
import type { PatchPath } from './filter/ast';
import { evaluateFilter } from './filter/evaluate-filter';
import type { ScimObject } from './resource/types';
import type { AttributeDefinition } from './schema/attribute';
import { commonAttributes, findAttribute, resolvePath, schemasOf, type ResourceType } from './schema/registry';

/** The extra, separately stored parts of a resource that a response may include. */
export interface RenderExtras {
  readonly members?: readonly StoredMember[];
  readonly groups?: readonly { readonly value: string; readonly display?: string }[];
}

/** The weak entity tag of a stored version (RFC 7644 section 3.14; weak tags are allowed). */
export function entityTag(version: number): string {
  return `W/"${version}"`;
}

/** Absolute URL of a resource (meta.location, Location header; RFC 7644 section 3.3). */
export function resourceLocation(baseUrl: string, resourceType: ResourceType, id: string): string {
  return `${baseUrl}${resourceType.endpoint}/${encodeURIComponent(id)}`;
}

/** Builds the full SCIM representation of a stored resource, members and groups included when given. */
export function renderResource(
  stored: StoredResource,
  resourceType: ResourceType,
  baseUrl: string,
  extras: RenderExtras = {},
): ScimObject {
  const { schemas: _schemas, externalId, ...attributes } = stored.resource;
  const out: ScimObject = {
    schemas: schemasPresent(resourceType, stored.resource),
    id: stored.id,
  };
  if (externalId !== undefined) out.externalId = externalId;
  Object.assign(out, attributes);
  // RFC 7643 section 2.5: an empty multi-valued attribute is unassigned and may be omitted. Strict clients
  // (scim2-tester) read `"members": []` after removing every member as "not removed", so both are left out.
  if (extras.members && extras.members.length > 0) {
    out.members = extras.members.map((member) => {
      const rendered: ScimObject = { value: member.value };
      if (member.display !== undefined) rendered.display = member.display;
      if (member.type !== undefined) {
        rendered.type = member.type;
        rendered.$ref = `${baseUrl}/${member.type === 'Group' ? 'Groups' : 'Users'}/${encodeURIComponent(member.value)}`;
      }
      return rendered;
    });
  }
  if (extras.groups && extras.groups.length > 0) {
    out.groups = extras.groups.map((group) => ({
      value: group.value,
      $ref: `${baseUrl}/Groups/${encodeURIComponent(group.value)}`,
      ...(group.display !== undefined ? { display: group.display } : {}),
      type: 'direct',
    }));
  }
  out.meta = {
    resourceType: resourceType.name,
    created: stored.created,
    lastModified: stored.lastModified,
    location: resourceLocation(baseUrl, resourceType, stored.id),
    version: entityTag(stored.version),
  };
  return out;
}

function schemasPresent(resourceType: ResourceType, resource: ScimObject): string[] {
  const present = [resourceType.schema.id];
  for (const extension of resourceType.extensions) {
    if (resource[extension.schema.id] !== undefined) present.push(extension.schema.id);
  }
  return present;
}

/** The parsed `attributes` / `excludedAttributes` parameters of a request. */
export interface Projection {
  readonly attributes?: readonly PatchPath[];
  readonly excludedAttributes?: readonly PatchPath[];
}

/** True when the projection returns the named top-level attribute (used to skip loading members or groups). */
export function projectionIncludes(projection: Projection, resourceType: ResourceType, attributeName: string): boolean {
  const definition = findAttribute(resourceType.schema.attributes, attributeName);
  if (!definition) return false;
  const names = (paths: readonly PatchPath[] | undefined): AttributeDefinition[] =>
    (paths ?? [])
      .map((p) => resolvePath(resourceType, p.path)?.attribute)
      .filter((a): a is AttributeDefinition => a !== undefined);
  if (projection.attributes && projection.attributes.length > 0)
    return names(projection.attributes).includes(definition);
  if (definition.returned === 'request') return false;
  return !names(projection.excludedAttributes).some((excluded) => excluded === definition);
}

function isAlways(definition: AttributeDefinition | undefined): boolean {
  return definition?.returned === 'always';
}

/** Applies `attributes` / `excludedAttributes` to a rendered resource; `id` and `schemas` always stay. */
export function project(rendered: ScimObject, resourceType: ResourceType, projection: Projection): ScimObject {
  if (projection.attributes && projection.attributes.length > 0)
    return include(rendered, resourceType, projection.attributes);
  if (projection.excludedAttributes && projection.excludedAttributes.length > 0)
    return exclude(rendered, resourceType, projection.excludedAttributes);
  return rendered;
}

function containerFor(target: ScimObject, schemaUrn: string | undefined, inExtension: boolean): ScimObject {
  if (!inExtension || !schemaUrn) return target;
  const existing = target[schemaUrn];
  if (typeof existing === 'object' && existing !== null) return existing as ScimObject;
  const created: ScimObject = {};
  target[schemaUrn] = created;
  return created;
}

function sourceFor(rendered: ScimObject, schemaUrn: string | undefined, inExtension: boolean): ScimObject | undefined {
  if (!inExtension || !schemaUrn) return rendered;
  const value = rendered[schemaUrn];
  return typeof value === 'object' && value !== null ? (value as ScimObject) : undefined;
}

function include(rendered: ScimObject, resourceType: ResourceType, paths: readonly PatchPath[]): ScimObject {
  const out: ScimObject = { schemas: rendered.schemas, id: rendered.id };
  for (const definition of commonAttributes) {
    if (isAlways(definition) && rendered[definition.name] !== undefined)
      out[definition.name] = rendered[definition.name];
  }
  for (const path of paths) {
    const resolved = resolvePath(resourceType, path.path);
    if (!resolved) continue;
    const source = sourceFor(rendered, resolved.schemaUrn, resolved.inExtension);
    if (!source) continue;
    if (!resolved.attribute) {
      if (resolved.schemaUrn && rendered[resolved.schemaUrn] !== undefined)
        out[resolved.schemaUrn] = rendered[resolved.schemaUrn];
      continue;
    }
    const name = resolved.attribute.name;
    let value = source[name];
    if (value === undefined) continue;
    if (path.filter && Array.isArray(value)) {
      const filter = path.filter;
      value = value.filter((element) =>
        evaluateFilter({ kind: 'valuePath', path: name, filter }, { [name]: [element] }, resourceType),
      );
      if ((value as unknown[]).length === 0) continue;
    }
    const target = containerFor(out, resolved.schemaUrn, resolved.inExtension);
    const sub =
      resolved.subAttribute ??
      (path.subAttribute ? findAttribute(resolved.attribute.subAttributes, path.subAttribute) : undefined);
    if (sub) {
      const picked = pickSub(value, sub.name);
      if (picked !== undefined) target[name] = mergeSub(target[name], picked);
    } else {
      target[name] = value;
    }
  }
  return out;
}

function pickSub(value: unknown, sub: string): unknown {
  if (Array.isArray(value)) {
    const picked = value
      .filter((e): e is ScimObject => typeof e === 'object' && e !== null)
      .filter((e) => e[sub] !== undefined)
      .map((e) => ({ [sub]: e[sub] }));
    return picked.length > 0 ? picked : undefined;
  }
  if (typeof value === 'object' && value !== null) {
    const v = (value as ScimObject)[sub];
    return v === undefined ? undefined : { [sub]: v };
  }
  return undefined;
}

function mergeSub(existing: unknown, picked: unknown): unknown {
  if (Array.isArray(existing) && Array.isArray(picked))
    return existing.map((e, i) => ({ ...(e as ScimObject), ...(picked[i] as ScimObject) }));
  if (typeof existing === 'object' && existing !== null && typeof picked === 'object' && picked !== null)
    return { ...existing, ...picked };
  return picked;
}

function exclude(rendered: ScimObject, resourceType: ResourceType, paths: readonly PatchPath[]): ScimObject {
  const out: ScimObject = { ...rendered };
  for (const path of paths) {
    const resolved = resolvePath(resourceType, path.path);
    if (!resolved) continue;
    if (!resolved.attribute) {
      if (resolved.schemaUrn) delete out[resolved.schemaUrn];
      continue;
    }
    if (isAlways(resolved.attribute)) continue;
    const name = resolved.attribute.name;
    if (resolved.inExtension && resolved.schemaUrn) {
      const extension = out[resolved.schemaUrn];
      if (typeof extension !== 'object' || extension === null) continue;
      const copy: ScimObject = { ...(extension as ScimObject) };
      removeFrom(copy, name, resolved.subAttribute?.name);
      out[resolved.schemaUrn] = copy;
    } else {
      removeFrom(out, name, resolved.subAttribute?.name);
    }
  }
  out.schemas = schemasOf(resourceType)
    .map((schema) => schema.id)
    .filter((id) => id === resourceType.schema.id || out[id] !== undefined);
  return out;
}

function removeFrom(target: ScimObject, name: string, sub: string | undefined): void {
  if (!sub) {
    delete target[name];
    return;
  }
  const value = target[name];
  if (Array.isArray(value)) {
    target[name] = value.map((e) => {
      if (typeof e !== 'object' || e === null) return e;
      const { [sub]: _dropped, ...rest } = e as ScimObject;
      return rest;
    });
  } else if (typeof value === 'object' && value !== null) {
    const { [sub]: _dropped, ...rest } = value as ScimObject;
    target[name] = rest;
  }
}
