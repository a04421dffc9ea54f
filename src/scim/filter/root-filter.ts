/**
 * Filters of a search at the server root, which spans every resource type (RFC 7644 section 3.4.3): an attribute
 * one type defines and another does not is unassigned in the other, so `userName eq "x"` finds Users and no
 * Groups instead of failing because Groups have no userName. A path no resource type defines is still a 400
 * invalidFilter.
 */
import { ScimError } from '../errors';
import type { ResourceType } from '../schema/registry';
import type { Filter } from './ast';
import { compileFilter } from './evaluate-filter';

/** The attribute paths a filter names at the resource level (not those inside `attr[...]`), walked without recursion. */
export function filterAttributePaths(filter: Filter): string[] {
  const paths: string[] = [];
  const pending: Filter[] = [filter];
  while (pending.length > 0) {
    const current = pending.pop()!;
    switch (current.kind) {
      case 'and':
      case 'or':
        pending.push(current.right, current.left);
        break;
      case 'not':
        pending.push(current.filter);
        break;
      default:
        paths.push(current.path);
    }
  }
  return paths;
}

/** True when `resourceType` defines the attribute at `path` (as the filter evaluator resolves it). */
export function definesPath(resourceType: ResourceType, path: string): boolean {
  try {
    compileFilter({ kind: 'present', path }, resourceType);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a root search filter: every path must name an attribute of at least one of `resourceTypes`, and every
 * comparison must suit the attribute's type wherever it is defined. Throws 400 invalidFilter.
 */
export function checkFilterAcrossTypes(filter: Filter, resourceTypes: readonly ResourceType[]): void {
  for (const path of filterAttributePaths(filter)) {
    if (!resourceTypes.some((resourceType) => definesPath(resourceType, path))) {
      throw ScimError.invalidFilter(
        `The filter names '${path}', which is not an attribute of ${resourceTypes.map((t) => t.name).join(' or ')} resources`,
      );
    }
  }
  for (const resourceType of resourceTypes) compileFilter(filter, resourceType, { undefinedAttributes: 'unassigned' });
}

/**
 * True when no resource of `resourceType` can match: one operand of the filter's top-level `and` chain needs a
 * value of an attribute the type does not define (any comparison but `ne` and `eq null`, `pr`, `attr[...]`). The
 * root search then skips the type instead of scanning it.
 */
export function cannotMatch(filter: Filter, resourceType: ResourceType): boolean {
  const pending: Filter[] = [filter];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (current.kind === 'and') {
      pending.push(current.left, current.right);
      continue;
    }
    const needsValue =
      (current.kind === 'compare' && current.operator !== 'ne' && current.value !== null) ||
      current.kind === 'present' ||
      current.kind === 'valuePath';
    if (needsValue && !definesPath(resourceType, current.path)) return true;
  }
  return false;
}
