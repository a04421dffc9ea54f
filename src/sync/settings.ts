/**
 * The sync engine's settings: which operations run, what deactivation and deletion do, how IdP users are
 * matched to Atlassian accounts, the deprovisioning circuit breaker, the target identifiers and the
 * permission rules. They are exchanged as a documented JSON document (docs/settings.md): the admin page saves
 * them, they can be exported and imported, and the local host can seed them from `SETTINGS_FILE`.
 *
 * This module is the model: its types, limits and defaults. Reading and writing the document is
 * src/sync/settings-document.ts, storing it src/sync/settings-store.ts, the local host's file src/local/settings-file.ts.
 */
import type { ProjectPermission } from '../targets/ports';
import { SyncError } from './sync-error';

/** The `format` marker of an exported settings document. */
export const SETTINGS_FORMAT = 'bitbucket-scim-sync/settings@1';
/** The plain KVS key the settings are stored under. */
export const SETTINGS_KEY = 'settings:v1';
/** Most permission rules a settings document may hold. */
export const MAX_RULES = 500;
/** Most project keys or repository patterns one rule may list. */
export const MAX_RULE_TARGETS = 200;
/** Largest settings document, as UTF-8 JSON; Forge values may be 240 KiB, the rest is headroom. */
export const MAX_SETTINGS_BYTES = 200 * 1024;
/** Longest window of the circuit breaker: a day, which bounds the breaker's stored state. */
export const MAX_BREAKER_WINDOW_MINUTES = 24 * 60;

/** Which kinds of change the sync engine may make. */
export interface SyncOperations {
  readonly create: boolean;
  readonly update: boolean;
  readonly reactivate: boolean;
  readonly deactivate: boolean;
  readonly groupSync: boolean;
  readonly permissionSync: boolean;
}

/** A regular expression and replacement applied to the SCIM userName (see username-transform.ts). */
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

/** Permission levels a rule can grant; create-repo exists for projects only. */
export type RuleLevel = ProjectPermission;

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

/** The result of parseSettings. */
export type ParseSettingsResult = { readonly settings: SyncSettings } | { readonly errors: readonly SettingsError[] };

/** The `config` SyncError thrown when settings that must be valid are not (a save, a settings file, a corrupted stored value), with every problem. */
export class SettingsValidationError extends SyncError {
  constructor(
    readonly errors: readonly SettingsError[],
    context = 'Invalid settings',
  ) {
    super('config', `${context}: ${errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)).join('; ')}`);
    this.name = 'SettingsValidationError';
  }
}

/**
 * The defaults: every operation on, deactivation only revokes Bitbucket access (suspending in the org directory
 * would also cut access to every other product of the org), DELETE suspends (reversible), and the breaker
 * pauses once more than 10% of users, and more than 10 users, are deactivated within an hour.
 */
export const defaultSettings: SyncSettings = {
  version: 1,
  operations: { create: true, update: true, reactivate: true, deactivate: true, groupSync: true, permissionSync: true },
  deactivation: 'revoke-access',
  deletion: 'suspend',
  usernameTransform: null,
  matchBy: 'email-from-username',
  scimProfile: 'lenient',
  dryRun: false,
  circuitBreaker: { maxDeactivationShare: 0.1, windowMinutes: 60, minimumUsers: 10 },
  groupNamePrefix: 'scim-',
  bitbucketRoleId: 'atlassian/user',
  target: { orgId: '', directoryId: '', workspace: '', workspaceResourceId: '' },
  rules: [],
};

/** Longest product role id accepted; Atlassian's are short (`atlassian/user`), and the id is sent in URLs and shown in checks. */
export const MAX_ROLE_ID_LENGTH = 100;
