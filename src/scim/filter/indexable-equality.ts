/**
 * Recognises the equality lookups IdPs send before they create or update a resource (docs/notes/scim-and-idps.md,
 * section 1.2), so storage can answer them from an index instead of a scan. The result only narrows the
 * candidates: callers still evaluate the whole filter on each candidate.
 */
import { resolvePath, type ResourceType } from '../schema/registry';
import type { Filter } from './ast';

/** The indexed lookup keys; `workEmail` is the value of an `emails` element whose type is "work". */
export type IndexKey = 'id' | 'userName' | 'externalId' | 'displayName' | 'workEmail';

/** An indexed lookup that every match of a filter must satisfy. */
export interface IndexableEquality {
  readonly key: IndexKey;
  /** The compared value as written in the filter; the index applies the attribute's case rule. */
  readonly value: string;
}

const PREFERENCE: Readonly<Record<IndexKey, number>> = {
  id: 0,
  userName: 1,
  externalId: 2,
  workEmail: 3,
  displayName: 3,
};

/** Operands joined by `and` at any depth; anything under `or` or `not` is a single opaque operand. */
function conjuncts(filter: Filter): Filter[] {
  const found: Filter[] = [];
  const pending: Filter[] = [filter];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (current.kind === 'and') pending.push(current.right, current.left);
    else found.push(current);
  }
  return found;
}

/** The key a top-level `path eq "value"` can use, if any. */
function keyOfPath(path: string, resourceType: ResourceType): IndexKey | undefined {
  const resolved = resolvePath(resourceType, path);
  if (!resolved?.attribute || resolved.subAttribute || resolved.inExtension) return undefined;
  const name = resolved.attribute.name;
  if (resolved.schemaUrn === undefined) return name === 'id' || name === 'externalId' ? name : undefined;
  if (resolved.schemaUrn !== resourceType.schema.id) return undefined;
  if (resourceType.name === 'User' && name === 'userName') return 'userName';
  if (resourceType.name === 'Group' && name === 'displayName') return 'displayName';
  return undefined;
}

/**
 * The work e-mail a value path requires of one `emails` element: `emails[type eq "work"].value eq "x"` (Entra)
 * or `emails[type eq "work" and value eq "x"]`. Further conditions on the same element only narrow the match.
 */
function workEmailOf(filter: Filter & { kind: 'valuePath' }, resourceType: ResourceType): string | undefined {
  if (resourceType.name !== 'User') return undefined;
  const resolved = resolvePath(resourceType, filter.path);
  if (resolved?.attribute?.name !== 'emails' || resolved.subAttribute || resolved.schemaUrn !== resourceType.schema.id)
    return undefined;
  let isWork = false;
  let email: string | undefined;
  for (const condition of conjuncts(filter.filter)) {
    if (condition.kind !== 'compare' || condition.operator !== 'eq' || typeof condition.value !== 'string') continue;
    const name = condition.path.toLowerCase();
    // emails.type is caseExact=false (RFC 7643 section 4.1.2), so "Work" names the same type.
    if (name === 'type' && condition.value.toLowerCase() === 'work') isWork = true;
    else if (name === 'value') email ??= condition.value;
  }
  const then = filter.then;
  if (then?.operator === 'eq' && typeof then.value === 'string' && then.subAttribute.toLowerCase() === 'value')
    email ??= then.value;
  return isWork ? email : undefined;
}

/**
 * Finds an equality the storage layer can look up by index: `eq` with a string value on `id`, `externalId`,
 * `userName` (Users), `displayName` (Groups) or the work e-mail (Users), either as the whole filter or as an
 * operand of a top-level `and` chain. Never looks under `or` or `not`. Prefers id, then userName, then
 * externalId, then the work e-mail or displayName. Never throws, even for filters that will fail to compile.
 */
export function findIndexableEquality(filter: Filter, resourceType: ResourceType): IndexableEquality | undefined {
  let best: IndexableEquality | undefined;
  for (const operand of conjuncts(filter)) {
    let candidate: IndexableEquality | undefined;
    if (operand.kind === 'compare' && operand.operator === 'eq' && typeof operand.value === 'string') {
      const key = keyOfPath(operand.path, resourceType);
      if (key) candidate = { key, value: operand.value };
    } else if (operand.kind === 'valuePath') {
      const email = workEmailOf(operand, resourceType);
      if (email !== undefined) candidate = { key: 'workEmail', value: email };
    }
    if (candidate && (!best || PREFERENCE[candidate.key] < PREFERENCE[best.key])) best = candidate;
  }
  return best;
}
