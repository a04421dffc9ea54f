/** Whole-resource checks that hold after every write: required attributes present, multi-valued lists bounded. */
import { ScimError } from '../errors';
import type { AttributeDefinition } from '../schema/attribute';
import type { ResourceType } from '../schema/registry';
import { isPlainObject } from './json-values';
import { MAX_MULTI_VALUES } from './normalize-value';
import type { ScimObject } from './types';

/**
 * Throws 400 invalidValue when a required, client-writable attribute (userName for Users, displayName for Groups)
 * is missing or empty (RFC 7643 section 2.2 "required"; section 4.1.1 makes userName REQUIRED), or when a
 * multi-valued attribute holds more than MAX_MULTI_VALUES values. Used after normalising a body and after PATCH.
 */
export function validateResource(resource: ScimObject, resourceType: ResourceType): void {
  checkContainer(resource, resourceType.schema.attributes, '');
  for (const extension of resourceType.extensions) {
    const container = resource[extension.schema.id];
    if (isPlainObject(container)) checkContainer(container, extension.schema.attributes, `${extension.schema.id}:`);
    else if (extension.required) throw ScimError.invalidValue(`Schema extension '${extension.schema.id}' is required.`);
  }
}

function checkContainer(container: ScimObject, attributes: readonly AttributeDefinition[], prefix: string): void {
  for (const definition of attributes) {
    const value = container[definition.name];
    if (
      definition.required &&
      definition.mutability !== 'readOnly' &&
      (value === undefined || value === null || value === '')
    ) {
      throw ScimError.invalidValue(`Attribute '${prefix}${definition.name}' is required and must not be empty.`);
    }
    if (definition.multiValued && Array.isArray(value) && value.length > MAX_MULTI_VALUES) {
      throw ScimError.invalidValue(
        `Attribute '${prefix}${definition.name}' has ${value.length} values; at most ${MAX_MULTI_VALUES} are accepted.`,
      );
    }
  }
}
