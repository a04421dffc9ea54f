/**
 * Applies PATCH operations (RFC 7644 section 3.5.2) to a stored resource. Pure and atomic: works on a copy and
 * returns only when every operation succeeded. Group membership edits come back as MemberChanges, in order.
 */
import { ScimError } from '../errors';
import type { Filter } from '../filter/ast';
import { parsePatchPath } from '../filter/parse-filter';
import type { ClientProfile } from '../profile';
import { cloneJson, isBlank, isPlainObject, jsonEqual } from '../resource/json-values';
import { normalizeMembers } from '../resource/normalize-members';
import { normalizeAttributeValue, normalizeSingleValue, rejectUnknownAttribute } from '../resource/normalize-value';
import { withSchemaList } from '../resource/schema-list';
import type { MemberChange, ScimObject } from '../resource/types';
import { validateResource } from '../resource/validate-resource';
import type { AttributeDefinition, SchemaDefinition } from '../schema/attribute';
import { findAttribute, splitUrnPrefix, type ResourceType } from '../schema/registry';
import { GROUP_SCHEMA } from '../schema/urns';
import type { PatchOpName, PatchOperation } from './patch-operation';
import { resolvePatchTarget, type PatchTarget, type TargetSource } from './resolve-patch-target';

/** The outcome of a PATCH: the new stored resource and the membership changes to apply, in request order. */
export interface PatchResult {
  readonly resource: ScimObject;
  readonly memberChanges: MemberChange[];
}

/**
 * Applies `operations` to `resource` without mutating it. Throws ScimError (and returns nothing) if any operation
 * is invalid, so callers can store the result as one atomic change (RFC 7644 section 3.5.2: all or nothing).
 */
export function applyPatch(
  resource: ScimObject,
  operations: readonly PatchOperation[],
  resourceType: ResourceType,
  profile: ClientProfile,
): PatchResult {
  const patcher = new Patcher(cloneJson(resource), resourceType, profile);
  for (const operation of operations) patcher.apply(operation);
  const result = withSchemaList(patcher.resource, resourceType);
  validateResource(result, resourceType);
  return { resource: result, memberChanges: patcher.memberChanges };
}

type AttributeTarget = Extract<PatchTarget, { kind: 'attribute' }>;
type MembersTarget = Extract<PatchTarget, { kind: 'members' }>;

class Patcher {
  readonly memberChanges: MemberChange[] = [];

  constructor(
    readonly resource: ScimObject,
    private readonly resourceType: ResourceType,
    private readonly profile: ClientProfile,
  ) {}

  apply(operation: PatchOperation): void {
    if (!operation.path) {
      if (operation.op === 'remove')
        throw ScimError.noTarget('A remove operation needs a path (RFC 7644 section 3.5.2.2).');
      // RFC 7644 sections 3.5.2.1 and 3.5.2.3: without a path the value is an object of attributes to add or replace.
      if (!isPlainObject(operation.value))
        throw ScimError.invalidValue(
          `A path-less ${operation.op} needs a JSON object value (RFC 7644 section 3.5.2.1).`,
        );
      for (const [key, raw] of Object.entries(operation.value)) this.applyKey(operation.op, key, raw);
      return;
    }
    const target = resolvePatchTarget(operation.path, operation.op, this.resourceType, this.profile, 'path');
    this.applyTarget(operation.op, target, operation.value, 'path');
  }

  /** One key of a path-less value, treated as its own operation (Entra aadOptscim062020 sends dotted and URN keys). */
  private applyKey(op: PatchOpName, key: string, raw: unknown): void {
    if (key.toLowerCase() === 'schemas') return;
    if (key.includes('[')) {
      // A value-path key (`emails[type eq "work"].value`) is a path in all but name: apply it as one, or
      // refuse it; never accept and drop it.
      if (!this.profile.pathlessDottedKeys)
        throw ScimError.invalidPath(`A path-less value cannot hold the value-path key '${key}'`);
      const path = parsePatchPath(key, { unquotedValues: this.profile.unquotedFilterValues });
      this.applyTarget(op, resolvePatchTarget(path, op, this.resourceType, this.profile, 'path'), raw, 'valueKey');
      return;
    }
    const target = resolvePatchTarget({ path: key }, op, this.resourceType, this.profile, 'valueKey');
    if (target.kind === 'attribute' && target.subAttribute && !this.profile.pathlessDottedKeys) {
      rejectUnknownAttribute(this.profile, key);
      return;
    }
    this.applyTarget(op, target, raw, 'valueKey');
  }

  private applyTarget(op: PatchOpName, target: PatchTarget, raw: unknown, source: TargetSource): void {
    if (op !== 'remove' && raw === undefined && source === 'path') {
      throw ScimError.invalidValue(`The ${op} operation needs a value (RFC 7644 section 3.5.2).`);
    }
    switch (target.kind) {
      case 'ignored':
        return;
      case 'members':
        this.applyMembers(op, target, raw, source);
        return;
      case 'extension':
        this.applyExtension(op, target.schema, raw, source);
        return;
      case 'attribute':
        this.applyAttribute(op, target, raw, source);
        return;
    }
  }

  private applyExtension(op: PatchOpName, schema: SchemaDefinition, raw: unknown, source: TargetSource): void {
    if (!schema.attributes.some((definition) => definition.mutability !== 'readOnly')) {
      throw ScimError.mutability(`Schema extension '${schema.id}' is read-only and cannot be modified.`);
    }
    // Only an explicit null or "" clears the whole extension; `{}` lists no attributes and so changes none.
    if (op === 'remove' || (this.profile.emptyReplaceRemoves && (raw === null || raw === ''))) {
      delete this.resource[schema.id];
      return;
    }
    if (raw === null || raw === undefined) {
      if (source === 'valueKey') return;
      throw ScimError.invalidValue(`The ${op} of '${schema.id}' needs a value (RFC 7644 section 3.5.2).`);
    }
    if (!isPlainObject(raw)) throw ScimError.invalidValue(`Schema extension '${schema.id}' must be a JSON object.`);
    // Like a complex attribute (RFC 7644 section 3.5.2.3): listed attributes change, the others are left unchanged.
    for (const [key, item] of Object.entries(raw)) this.applyKey(op, `${schema.id}:${key}`, item);
  }

  private applyAttribute(op: PatchOpName, target: AttributeTarget, raw: unknown, source: TargetSource): void {
    // writeOnly `password` (Okta OIN password sync) is accepted and dropped: this app never stores passwords.
    if (target.attribute.mutability === 'writeOnly') return;
    if (op === 'remove') {
      this.remove(target, raw);
      return;
    }
    if (raw === null || raw === undefined) {
      if (this.profile.emptyReplaceRemoves) this.remove(target, undefined);
      else if (source === 'path')
        throw ScimError.invalidValue(`The ${op} of '${target.label}' needs a value (RFC 7644 section 3.5.2).`);
      return;
    }
    if (this.profile.emptyReplaceRemoves) {
      const { attribute, subAttribute } = target;
      const complexObject =
        attribute.type === 'complex' && !attribute.multiValued && !subAttribute && isPlainObject(raw);
      // An empty array adds nothing; only a replace with one clears the attribute.
      if (isBlank(raw) && !complexObject && !(op === 'add' && Array.isArray(raw))) {
        this.remove(target, undefined);
        return;
      }
      // Blank sub-attributes of a complex value clear just those sub-attributes (Entra's manager `{"value":""}`).
      if (complexObject) {
        for (const [key, item] of Object.entries(raw)) {
          const sub = findAttribute(attribute.subAttributes, key);
          if (sub && sub.mutability !== 'readOnly' && isBlank(item))
            this.remove({ ...target, subAttribute: sub }, undefined);
        }
        raw = Object.fromEntries(Object.entries(raw).filter(([, item]) => !isBlank(item)));
      }
    }
    if (!target.attribute.multiValued) {
      this.setSingleValued(target, raw);
      return;
    }
    if (!target.filter && !target.subAttribute) {
      this.setMultiValued(op, target, raw);
      return;
    }
    this.setSelected(op, target, raw);
  }

  /** RFC 7644 sections 3.5.2.1 and 3.5.2.3: a single value is set; a complex one merges the given sub-attributes. */
  private setSingleValued(target: AttributeTarget, raw: unknown): void {
    const { attribute, subAttribute } = target;
    const definition = subAttribute ?? attribute;
    const value = normalizeAttributeValue(definition, raw, this.profile, target.label);
    if (value === undefined) return;
    const container = this.container(target.extensionUrn, true);
    const existing = container[attribute.name];
    if (subAttribute) {
      container[attribute.name] = { ...(isPlainObject(existing) ? existing : {}), [subAttribute.name]: value };
    } else if (attribute.type === 'complex' && isPlainObject(existing) && isPlainObject(value)) {
      container[attribute.name] = { ...existing, ...value };
    } else {
      container[attribute.name] = value;
    }
  }

  /** A whole multi-valued attribute: add appends values not already present, replace swaps the list. */
  private setMultiValued(op: PatchOpName, target: AttributeTarget, raw: unknown): void {
    const { attribute } = target;
    const values = normalizeAttributeValue(attribute, raw, this.profile, target.label);
    if (!Array.isArray(values)) {
      if (op === 'replace') this.remove(target, undefined);
      return;
    }
    const container = this.container(target.extensionUrn, true);
    if (op === 'replace') {
      container[attribute.name] = values;
      return;
    }
    const next = asArray(container[attribute.name]).slice();
    let chosen: unknown;
    for (const value of values) {
      if (next.some((existing) => jsonEqual(existing, value))) continue;
      next.push(value);
      if (isPlainObject(value) && value['primary'] === true) chosen = value;
    }
    container[attribute.name] = chosen === undefined ? next : clearOtherPrimaries(next, [chosen]);
  }

  /**
   * Elements chosen by a value filter (or all elements, for `emails.value`), optionally narrowed to a sub-attribute.
   * When nothing matches, add creates the element from the filter's `eq` terms (Entra, SCIM-SDK #416); replace does
   * too only when the profile says so, else 400 noTarget (RFC 7644 section 3.5.2.3).
   */
  private setSelected(op: PatchOpName, target: AttributeTarget, raw: unknown): void {
    const { attribute, subAttribute } = target;
    const value = subAttribute
      ? normalizeAttributeValue(subAttribute, raw, this.profile, target.label)
      : normalizeSingleValue(attribute, raw, this.profile, target.label);
    if (value === undefined) return;
    const setsPrimary = subAttribute
      ? subAttribute.name === 'primary' && value === true
      : isPlainObject(value) && value['primary'] === true;
    const container = this.container(target.extensionUrn, true);
    const current = asArray(container[attribute.name]);
    const matched = current.map((element) => this.matches(target, element));
    const chosen: ScimObject[] = [];
    let next: unknown[];
    if (matched.some(Boolean)) {
      next = current.map((element, index) => {
        if (!matched[index]) return element;
        const base = isPlainObject(element) ? element : {};
        let updated: ScimObject;
        if (subAttribute) updated = { ...base, [subAttribute.name]: value };
        else if (op === 'add') updated = { ...base, ...(value as ScimObject) };
        else updated = { ...this.filterTerms(target), ...(value as ScimObject) };
        if (setsPrimary) chosen.push(updated);
        return updated;
      });
    } else {
      if (op === 'replace' && !this.profile.upsertOnUnmatchedReplace) {
        throw ScimError.noTarget(`No value of '${target.label}' matches the filter (RFC 7644 section 3.5.2.3).`);
      }
      const created: ScimObject = subAttribute
        ? { ...this.filterTerms(target), [subAttribute.name]: value }
        : { ...this.filterTerms(target), ...(value as ScimObject) };
      if (!this.matches(target, created)) {
        throw ScimError.noTarget(
          `No value of '${target.label}' matches the filter, and the filter does not describe a value to create.`,
        );
      }
      next = [...current, created];
      if (setsPrimary) chosen.push(created);
    }
    if (chosen.length > 1)
      throw ScimError.invalidValue(`Only one value of '${attribute.name}' may be primary (RFC 7643 section 2.4).`);
    container[attribute.name] = chosen.length === 1 ? clearOtherPrimaries(next, chosen) : next;
  }

  /**
   * RFC 7644 section 3.5.2.2. Elements are filtered into a new list in one pass, so removing several elements never
   * shifts an index onto the wrong one (the FusionAuth #2834 failure). A filter matching nothing changes nothing.
   */
  private remove(target: AttributeTarget, raw: unknown): void {
    const container = this.container(target.extensionUrn, false);
    const { attribute, subAttribute } = target;
    const current = container?.[attribute.name];
    if (!container || current === undefined) return;
    if (!attribute.multiValued) {
      if (!subAttribute) {
        delete container[attribute.name];
        return;
      }
      if (!isPlainObject(current)) return;
      const rest = withoutKey(current, subAttribute.name);
      if (Object.keys(rest).length === 0) delete container[attribute.name];
      else container[attribute.name] = rest;
      return;
    }
    const elements = asArray(current);
    let kept: unknown[];
    if (!target.filter && !subAttribute) {
      if (raw === null || raw === undefined || !this.profile.removeMembersByValue) {
        delete container[attribute.name];
        return;
      }
      // Entra default job and JumpCloud list the values to remove instead of filtering; never read that as "all".
      const listed = asArray(normalizeAttributeValue(attribute, raw, this.profile, target.label));
      kept = elements.filter((element) => !listed.some((value) => includesValue(element, value)));
    } else {
      kept = [];
      for (const element of elements) {
        if (!this.matches(target, element)) kept.push(element);
        else if (subAttribute && isPlainObject(element)) {
          const rest = withoutKey(element, subAttribute.name);
          // Lenient: an element without its `value` (an email with no address, Entra's way of clearing the
          // work email) carries nothing, so it goes whole; strict keeps the literal RFC 7644 section 3.5.2.2 result.
          const lostValue =
            this.profile.emptyReplaceRemoves &&
            subAttribute.name === 'value' &&
            findAttribute(attribute.subAttributes, 'value') !== undefined;
          if (Object.keys(rest).length > 0 && !lostValue) kept.push(rest);
        }
      }
    }
    if (kept.length === 0) delete container[attribute.name];
    else container[attribute.name] = kept;
  }

  /**
   * Group members become MemberChanges; the resource itself is never touched. `members[value eq "a" or value eq "b"]`
   * is a removal by id; any other member filter is passed on for the store to evaluate.
   */
  private applyMembers(op: PatchOpName, target: MembersTarget, raw: unknown, source: TargetSource): void {
    if (target.subAttribute)
      throw ScimError.invalidPath("Sub-attributes of 'members' cannot be patched; add or remove the member instead.");
    if (op === 'remove') {
      if (target.filter) {
        const values = memberValues(target.filter);
        this.memberChanges.push(values ? { kind: 'remove', values } : { kind: 'removeWhere', filter: target.filter });
      } else if (raw !== null && raw !== undefined && this.profile.removeMembersByValue) {
        // Entra default job, JumpCloud: `{"op":"Remove","path":"members","value":[{"value":"id"}]}` removes only those.
        const values = normalizeMembers(raw, this.profile).map((member) => member.value);
        if (values.length > 0) this.memberChanges.push({ kind: 'remove', values });
      } else {
        this.memberChanges.push({ kind: 'removeAll' });
      }
      return;
    }
    if (target.filter)
      throw ScimError.invalidPath(
        `A value filter on 'members' is supported for remove only; ${op} with path 'members'.`,
      );
    if (raw === null || raw === undefined || raw === '') {
      if (op === 'replace' && this.profile.emptyReplaceRemoves) this.memberChanges.push({ kind: 'removeAll' });
      else if (source === 'path' && !this.profile.emptyReplaceRemoves)
        throw ScimError.invalidValue(`The ${op} of 'members' needs a value.`);
      return;
    }
    const members = normalizeMembers(raw, this.profile);
    if (op === 'replace') this.memberChanges.push({ kind: 'replace', members });
    else if (members.length > 0) this.memberChanges.push({ kind: 'add', members });
  }

  private container(extensionUrn: string | undefined, create: true): ScimObject;
  private container(extensionUrn: string | undefined, create: boolean): ScimObject | undefined;
  private container(extensionUrn: string | undefined, create: boolean): ScimObject | undefined {
    if (extensionUrn === undefined) return this.resource;
    const existing = this.resource[extensionUrn];
    if (isPlainObject(existing)) return existing;
    if (!create) return undefined;
    const created: ScimObject = {};
    this.resource[extensionUrn] = created;
    return created;
  }

  /** Tests one element against the value filter (paths inside the filter are relative to the element). */
  private matches(target: AttributeTarget, element: unknown): boolean {
    if (!target.match) return true;
    return isPlainObject(element) && target.match(element);
  }

  /** The sub-attribute values an element must have to satisfy the filter's `eq` terms joined by `and`. */
  private filterTerms(target: AttributeTarget): ScimObject {
    const terms: ScimObject = {};
    const collect = (filter: Filter): void => {
      if (filter.kind === 'and') {
        collect(filter.left);
        collect(filter.right);
        return;
      }
      if (filter.kind !== 'compare' || filter.operator !== 'eq') return;
      const sub = this.relativeSubAttribute(target.attribute, filter.path);
      if (!sub || sub.mutability === 'readOnly') return;
      try {
        const value = normalizeSingleValue(sub, filter.value, this.profile, `${target.attribute.name}.${sub.name}`);
        if (value !== undefined) terms[sub.name] = value;
      } catch (error) {
        if (!(error instanceof ScimError)) throw error;
      }
    };
    if (target.filter) collect(target.filter);
    return terms;
  }

  private relativeSubAttribute(attribute: AttributeDefinition, path: string): AttributeDefinition | undefined {
    let rest = path;
    if (/^urn:/i.test(rest)) {
      const split = splitUrnPrefix(this.resourceType, rest);
      if (!split) return undefined;
      rest = split.rest;
    }
    const dot = rest.indexOf('.');
    if (dot !== -1) {
      if (rest.slice(0, dot).toLowerCase() !== attribute.name.toLowerCase()) return undefined;
      rest = rest.slice(dot + 1);
    }
    return findAttribute(attribute.subAttributes, rest);
  }
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function withoutKey(object: ScimObject, key: string): ScimObject {
  return Object.fromEntries(Object.entries(object).filter(([name]) => name !== key));
}

/** True when `element` carries every sub-attribute value of `listed` (or equals it, for simple values). */
function includesValue(element: unknown, listed: unknown): boolean {
  if (isPlainObject(element) && isPlainObject(listed))
    return Object.entries(listed).every(([key, value]) => jsonEqual(element[key], value));
  return jsonEqual(element, listed);
}

/** RFC 7644 section 3.5.2: setting one value primary makes the server set the others' `primary` to false. */
function clearOtherPrimaries(elements: readonly unknown[], chosen: readonly unknown[]): unknown[] {
  return elements.map((element) =>
    isPlainObject(element) && !chosen.includes(element) && element['primary'] === true
      ? { ...element, primary: false }
      : element,
  );
}

const MEMBER_VALUE_PATHS: ReadonlySet<string> = new Set([
  'value',
  'members.value',
  `${GROUP_SCHEMA}:members.value`.toLowerCase(),
]);

/** The ids named by `value eq "id"` terms joined by `or`, or undefined if the filter is anything else. */
function memberValues(filter: Filter): string[] | undefined {
  if (filter.kind === 'or') {
    const left = memberValues(filter.left);
    const right = left && memberValues(filter.right);
    return left && right ? [...left, ...right] : undefined;
  }
  if (
    filter.kind === 'compare' &&
    filter.operator === 'eq' &&
    typeof filter.value === 'string' &&
    MEMBER_VALUE_PATHS.has(filter.path.toLowerCase())
  ) {
    return [filter.value];
  }
  return undefined;
}
