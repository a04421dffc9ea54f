/**
 * Client profiles: every deviation from a literal reading of RFC 7643/7644 that real IdPs need lives here, as a
 * named switch, instead of as special cases scattered through the code (see docs/notes/scim-and-idps.md section 2).
 */

/** What a profile allows. Each flag names the IdP behaviour it exists for. */
export interface ClientProfile {
  readonly name: 'lenient' | 'strict-rfc';
  /** Entra default job, Microsoft collection: `"True"`/`"False"` strings for boolean attributes. */
  readonly coerceBooleanStrings: boolean;
  /** Entra docs, Microsoft collection: `externalId eq jyoung`, `meta.created gt 2015-10-10T14:38:21.8617979-07:00`. */
  readonly unquotedFilterValues: boolean;
  /** Entra default job, JumpCloud: `{"op":"Remove","path":"members","value":[{"value":"id"}]}` removes only those members. */
  readonly removeMembersByValue: boolean;
  /** Entra `aadOptscim062020`: path-less replace whose value has dotted and URN-prefixed keys. */
  readonly pathlessDottedKeys: boolean;
  /** Entra, Microsoft collection: unknown attributes in bodies are dropped instead of rejected. */
  readonly ignoreUnknownAttributes: boolean;
  /** Entra group create: vendor schema URNs in `schemas` are ignored instead of rejected. */
  readonly ignoreUnknownSchemas: boolean;
  /** Entra gallery tests: a replace with `""` or `null` removes the attribute. */
  readonly emptyReplaceRemoves: boolean;
  /** Microsoft collection: a group member sent as a bare string id, and `displayName` as the member's `display`. */
  readonly looseMemberValues: boolean;
  /** Microsoft collection: members whose id resolves to no user or group are kept (strict: 400 invalidValue). */
  readonly keepUnresolvedMembers: boolean;
  /** Okta AIW apps PUT full users: a PUT without `active` keeps it (never a silent deactivation), and a group PUT without `members` keeps them. */
  readonly putPreservesOmitted: boolean;
  /**
   * Entra (SCIM-SDK #416): a replace on `emails[type eq "work"].value` when no work email exists creates the element
   * from the filter's `eq` terms instead of failing with noTarget as RFC 7644 section 3.5.2.3 prescribes.
   */
  readonly upsertOnUnmatchedReplace: boolean;
  /**
   * Entra manager updates: `"value":[{"value":"id"}]` (an array) or a bare `"id"` string for the single-valued complex
   * `manager`; also a single object where a multi-valued attribute expects an array.
   */
  readonly looseComplexValues: boolean;
  /** OneLogin's admin-written JSON templates and hand-made PATCH bodies: `schemas` missing or lacking the core/PatchOp URN. */
  readonly tolerateMissingSchemas: boolean;
}

/** The default: accepts what Entra (both modes), Okta, OneLogin, JumpCloud and Microsoft's collection send. */
export const lenientProfile: ClientProfile = {
  name: 'lenient',
  coerceBooleanStrings: true,
  unquotedFilterValues: true,
  removeMembersByValue: true,
  pathlessDottedKeys: true,
  ignoreUnknownAttributes: true,
  ignoreUnknownSchemas: true,
  emptyReplaceRemoves: true,
  looseMemberValues: true,
  keepUnresolvedMembers: true,
  putPreservesOmitted: true,
  upsertOnUnmatchedReplace: true,
  looseComplexValues: true,
  tolerateMissingSchemas: true,
};

/** A literal RFC 7643/7644 reading: anything the RFC does not define is rejected with a SCIM error. */
export const strictRfcProfile: ClientProfile = {
  name: 'strict-rfc',
  coerceBooleanStrings: false,
  unquotedFilterValues: false,
  removeMembersByValue: false,
  pathlessDottedKeys: false,
  ignoreUnknownAttributes: false,
  ignoreUnknownSchemas: false,
  emptyReplaceRemoves: false,
  looseMemberValues: false,
  keepUnresolvedMembers: false,
  putPreservesOmitted: false,
  upsertOnUnmatchedReplace: false,
  looseComplexValues: false,
  tolerateMissingSchemas: false,
};

/** Looks a profile up by its configured name; unknown names fall back to lenient. */
export function profileNamed(name: string | undefined): ClientProfile {
  return name === 'strict-rfc' ? strictRfcProfile : lenientProfile;
}
