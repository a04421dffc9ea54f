/**
 * The sync settings as the admin page reads and writes them (docs/settings.md), and the username transform's
 * preview: page data, defined here so the page and the server share one definition. src/sync/settings.ts validates,
 * stores and defaults them; src/sync/username-transform.ts runs the transform.
 */

/** Which kinds of change the sync engine may make. */
export interface SyncOperations {
  readonly create: boolean;
  readonly update: boolean;
  readonly reactivate: boolean;
  readonly deactivate: boolean;
  readonly groupSync: boolean;
  readonly permissionSync: boolean;
}

/** A regular expression and replacement applied to the SCIM userName (see src/sync/username-transform.ts). */
export interface UsernameTransform {
  readonly pattern: string;
  readonly replacement: string;
}

/** The deprovisioning circuit breaker: too many deactivations in a window pause deactivations until an admin confirms. */
export interface CircuitBreakerSettings {
  /** Share of users (0..1) that may be deactivated within one window. */
  readonly maxDeactivationShare: number;
  /** Length of the sliding window, in minutes. */
  readonly windowMinutes: number;
  /** Deactivations within a window never trip the breaker while they are at most this many, whatever the share. */
  readonly minimumUsers: number;
}

/** Non-secret identifiers of the organization and workspace the app writes to; empty strings until set up. */
export interface SyncTarget {
  readonly orgId: string;
  readonly directoryId: string;
  readonly workspace: string;
  readonly workspaceResourceId: string;
}

/**
 * Permission levels a rule can grant; create-repo exists for projects only. The same levels as Bitbucket's project
 * permissions (ProjectPermission, src/targets/ports.ts), which the sync passes them to.
 */
export type RuleLevel = 'read' | 'write' | 'create-repo' | 'admin';

/** IdP group -> project keys and repository slug patterns -> a permission level. */
export interface PermissionRule {
  /** A stable identifier, unique within the settings, used in audit entries and the admin preview. */
  readonly id: string;
  /** The IdP group's displayName, matched case-insensitively. */
  readonly group: string;
  /** Project keys (matched case-insensitively). */
  readonly projects: readonly string[];
  /** Repository slug glob patterns with `*` (any run of characters) and `?` (one character). */
  readonly repositories: readonly string[];
  readonly level: RuleLevel;
}

/** Version 1 of the sync settings. */
export interface SyncSettings {
  readonly version: 1;
  readonly operations: SyncOperations;
  /** What an IdP deactivation (`active: false`) does: suspend the account in the org directory, or only revoke Bitbucket access. */
  readonly deactivation: 'suspend' | 'revoke-access';
  /** What a SCIM DELETE of a user does: suspend it, or remove it from the org directory. */
  readonly deletion: 'suspend' | 'remove';
  readonly usernameTransform: UsernameTransform | null;
  /** How an IdP user finds its Atlassian account: the transformed userName as email, or the SCIM work email. */
  readonly matchBy: 'email-from-username' | 'work-email';
  /** How the SCIM endpoint reads requests: `lenient` accepts every documented IdP dialect, `strict-rfc` only RFC 7644 (src/scim/profile.ts). */
  readonly scimProfile: 'lenient' | 'strict-rfc';
  /** Plan and record changes without applying them. */
  readonly dryRun: boolean;
  readonly circuitBreaker: CircuitBreakerSettings;
  /** Prefix of the org groups the app creates (lower-case letters, digits, hyphens), keeping their Bitbucket slugs predictable. */
  readonly groupNamePrefix: string;
  /** The product role that grants Bitbucket access. */
  readonly bitbucketRoleId: string;
  readonly target: SyncTarget;
  readonly rules: readonly PermissionRule[];
}

/** A problem found in a settings document; `path` is like `rules[2].level`, '' for the document itself. */
export interface SettingsError {
  readonly path: string;
  readonly message: string;
}

/** A problem with a transform, with the settings field it concerns. */
export interface TransformIssue {
  readonly field: 'pattern' | 'replacement';
  readonly message: string;
}

/** One sample run through the transform for the admin page. */
export interface TransformSample {
  readonly input: string;
  readonly output: string;
  /** Whether the pattern matched the whole sample (when false, output equals input). */
  readonly matched: boolean;
  /** Whether the output has the shape of an email address, which `email-from-username` matching needs. */
  readonly looksLikeEmail: boolean;
}

/** The result of previewTransform: the samples transformed, or why the transform cannot be used. */
export type TransformPreview =
  | { readonly ok: true; readonly samples: readonly TransformSample[]; readonly omitted: number }
  | { readonly ok: false; readonly issues: readonly TransformIssue[] };
