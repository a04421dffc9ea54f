/**
 * The sync engine's settings: which operations run, what deactivation and deletion do, how IdP users are
 * matched to Atlassian accounts, the deprovisioning circuit breaker, the target identifiers and the
 * permission rules. They are exchanged as a documented JSON document (docs/settings.md): the admin page saves
 * them, they can be exported and imported, and the local host can seed them from `SETTINGS_FILE`.
 *
 * This module is the model: its types, limits and defaults. Reading and writing the document is
 * src/sync/settings-document.ts, storing it src/sync/settings-store.ts, the local host's file src/local/settings-file.ts.
 */
import type {
  CircuitBreakerSettings,
  PermissionRule,
  RuleLevel,
  SettingsError,
  SyncOperations,
  SyncSettings,
  SyncTarget,
  UsernameTransform,
} from '../shared/settings-types';
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

/** The settings' types are the admin page's data (src/shared/settings-types.ts), re-exported where the settings are read. */
export type {
  CircuitBreakerSettings,
  PermissionRule,
  RuleLevel,
  SettingsError,
  SyncOperations,
  SyncSettings,
  SyncTarget,
  UsernameTransform,
};

/** The result of parseSettings. */
export type ParseSettingsResult = { readonly settings: SyncSettings } | { readonly errors: readonly SettingsError[] };

/** The `config` SyncError thrown when settings that must be valid are not (a save, a settings file, a corrupted stored value), with every problem. */
export class SettingsValidationError extends SyncError {
  constructor(
    readonly errors: readonly SettingsError[],
    context = 'Invalid settings',
  ) {
    super(
      'config',
      `${context}: ${errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)).join('; ')}`,
    );
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
