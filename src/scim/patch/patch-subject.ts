/** The resource a PATCH edits (a working copy), with what decides how: its resource type and the client's profile. */
import type { ClientProfile } from '../profile';
import { isPlainObject } from '../resource/json-values';
import type { ScimObject } from '../resource/types';
import type { ResourceType } from '../schema/registry';

/** The working copy under edit and the rules that apply to it. */
export interface PatchSubject {
  readonly resource: ScimObject;
  readonly resourceType: ResourceType;
  readonly profile: ClientProfile;
}

/**
 * The object an attribute lives in: the resource itself, or the extension object named by `extensionUrn` (created
 * empty when `create` is set and it is missing).
 */
export function containerOf(subject: PatchSubject, extensionUrn: string | undefined, create: true): ScimObject;
export function containerOf(
  subject: PatchSubject,
  extensionUrn: string | undefined,
  create: boolean,
): ScimObject | undefined;
export function containerOf(
  subject: PatchSubject,
  extensionUrn: string | undefined,
  create: boolean,
): ScimObject | undefined {
  if (extensionUrn === undefined) return subject.resource;
  const existing = subject.resource[extensionUrn];
  if (isPlainObject(existing)) return existing;
  if (!create) return undefined;
  const created: ScimObject = {};
  subject.resource[extensionUrn] = created;
  return created;
}
