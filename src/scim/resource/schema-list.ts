/** Rebuilds the `schemas` attribute of a stored resource from the data it actually holds. */
import type { ResourceType } from '../schema/registry';
import { isPlainObject } from './json-values';
import type { ScimObject } from './types';

/**
 * Returns the resource with `schemas` set to the core URN plus the URN of each extension whose object is present
 * and non-empty (RFC 7643 section 3), and with empty extension objects removed. Other keys keep their order.
 */
export function withSchemaList(resource: ScimObject, resourceType: ResourceType): ScimObject {
  const extensionUrns = new Set(resourceType.extensions.map((extension) => extension.schema.id));
  const present: string[] = [];
  const body: [string, unknown][] = [];
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') continue;
    if (extensionUrns.has(key)) {
      if (!isPlainObject(value) || Object.keys(value).length === 0) continue;
      present.push(key);
    }
    body.push([key, value]);
  }
  const ordered = resourceType.extensions
    .map((extension) => extension.schema.id)
    .filter((urn) => present.includes(urn));
  return Object.fromEntries([['schemas', [resourceType.schema.id, ...ordered]], ...body]) as ScimObject;
}
