/**
 * Validation of entity definitions (as declared in the manifest) and of the values written to an entity.
 * Types follow DAC `/runtime-reference/custom-entities`: string, boolean, float, integer (32-bit signed),
 * any.
 */
import { KvsErrorCode, KvsServiceError } from './errors';
import { assertValidEntityName } from './limits';
import type { AttributeType, EntityDefinition, NormalizedEntity, NormalizedIndex } from './types';

const ATTRIBUTE_TYPES: ReadonlySet<string> = new Set<AttributeType>(['string', 'boolean', 'float', 'integer', 'any']);
// An `any` attribute has no order, so it cannot be an index's range or partition (assumption; Forge rejects it at deploy).
const INDEXABLE_TYPES: ReadonlySet<AttributeType> = new Set<AttributeType>(['string', 'boolean', 'float', 'integer']);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Checks entity definitions and converts them to the normalised form; throws an Error naming the first problem. */
export function normalizeEntityDefinitions(definitions: readonly EntityDefinition[]): Map<string, NormalizedEntity> {
  const entities = new Map<string, NormalizedEntity>();
  for (const definition of definitions) {
    const where = `entity ${JSON.stringify(definition.name)}`;
    try {
      assertValidEntityName(definition.name);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
    if (entities.has(definition.name)) {
      throw new Error(`${where} is declared twice`);
    }
    const attributes = new Map<string, AttributeType>();
    for (const [attribute, declaration] of Object.entries(definition.attributes ?? {})) {
      const type = (declaration as { type?: unknown } | undefined)?.type;
      if (typeof type !== 'string' || !ATTRIBUTE_TYPES.has(type)) {
        throw new Error(`${where}: attribute ${attribute} has unsupported type ${JSON.stringify(type)}`);
      }
      attributes.set(attribute, type as AttributeType);
    }
    const indexes = new Map<string, NormalizedIndex>();
    for (const declared of definition.indexes ?? []) {
      const index = normalizeIndex(declared, where);
      for (const attribute of [index.range, ...index.partition]) {
        const type = attributes.get(attribute);
        if (type === undefined) {
          throw new Error(`${where}: index ${index.name} uses undeclared attribute ${attribute}`);
        }
        if (!INDEXABLE_TYPES.has(type)) {
          throw new Error(
            `${where}: index ${index.name} uses attribute ${attribute} of type ${type}, which cannot be indexed`,
          );
        }
      }
      if (indexes.has(index.name)) {
        throw new Error(`${where}: index ${index.name} is declared twice`);
      }
      indexes.set(index.name, index);
    }
    entities.set(definition.name, { name: definition.name, attributes, indexes });
  }
  return entities;
}

function normalizeIndex(declared: unknown, where: string): NormalizedIndex {
  if (typeof declared === 'string' && declared.length > 0) {
    return { name: declared, range: declared, partition: [] };
  }
  if (typeof declared !== 'object' || declared === null) {
    throw new Error(`${where}: an index must be an attribute name or { name, range, partition }`);
  }
  const { name, range, partition } = declared as { name?: unknown; range?: unknown; partition?: unknown };
  if (typeof name !== 'string' || name.length === 0) {
    throw new Error(`${where}: an index needs a name`);
  }
  if (!Array.isArray(range) || range.length !== 1 || typeof range[0] !== 'string') {
    throw new Error(`${where}: index ${name} must have exactly one range attribute`);
  }
  if (partition !== undefined && (!Array.isArray(partition) || !partition.every((p) => typeof p === 'string'))) {
    throw new Error(`${where}: index ${name} has an invalid partition list`);
  }
  return { name, range: range[0], partition: (partition as string[] | undefined) ?? [] };
}

/** Throws INVALID_ENTITY_VALUE unless `value` is an object whose attributes are all declared with matching types. */
export function assertValidEntityValue(
  entity: NormalizedEntity,
  value: unknown,
): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KvsServiceError(KvsErrorCode.INVALID_ENTITY_VALUE, `A value of entity ${entity.name} must be an object`);
  }
  for (const [attribute, attributeValue] of Object.entries(value)) {
    const type = entity.attributes.get(attribute);
    if (type === undefined) {
      throw new KvsServiceError(
        KvsErrorCode.INVALID_ENTITY_VALUE,
        `Attribute ${attribute} is not declared for entity ${entity.name}`,
      );
    }
    if (!hasType(attributeValue, type)) {
      throw new KvsServiceError(
        KvsErrorCode.INVALID_ENTITY_VALUE,
        `Attribute ${attribute} of entity ${entity.name} must be of type ${type}`,
      );
    }
  }
}

function hasType(value: unknown, type: AttributeType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
    case 'any':
      return value !== null && value !== undefined;
  }
}
