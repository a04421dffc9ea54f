/**
 * The sync engine's settings: which operations run, what deactivation and deletion do, how IdP users are
 * matched to Atlassian accounts, the deprovisioning circuit breaker, the target identifiers and the
 * permission rules. They are exchanged as a documented JSON document (docs/settings.md): the admin page saves
 * them, they can be exported and imported, and the local host can seed them from `SETTINGS_FILE`.
 *
 * Validation is strict: unknown keys, wrong types and out-of-range values are errors with a path such as
 * `rules[2].level`, so a typo in an imported file is reported instead of silently falling back to a default.
 * Fields left out take their defaults, which lets a hand-written file name only what it changes.
 */
import { readFile } from 'node:fs/promises';
import type { ForgeKvs } from '../storage/kvs-port';
import type { ProjectPermission } from '../targets/ports';
import { validateTransform } from './username-transform';

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

/** Thrown when settings that must be valid are not (a save, a settings file, a corrupted stored value). */
export class SettingsValidationError extends Error {
  constructor(
    readonly errors: readonly SettingsError[],
    context = 'Invalid settings',
  ) {
    super(`${context}: ${errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)).join('; ')}`);
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

const RULE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const PROJECT_KEY = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
const REPOSITORY_PATTERN = /^[A-Za-z0-9._*?-]{1,128}$/;
const GROUP_PREFIX = /^[a-z][a-z0-9-]{0,31}$/;
/** Longest product role id accepted; Atlassian's are short (`atlassian/user`), and the id is sent in URLs and shown in checks. */
export const MAX_ROLE_ID_LENGTH = 100;
const ROLE_ID = new RegExp(`^(?=.{1,${MAX_ROLE_ID_LENGTH}}$)[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$`);
const IDENTIFIER = /^[^\s\p{Cc}]{0,200}$/u;
const PROJECT_LEVELS: readonly RuleLevel[] = ['read', 'write', 'create-repo', 'admin'];

/** Collects errors while reading one document. */
class Reader {
  readonly errors: SettingsError[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** The object at `path` with only `allowed` keys, or undefined (and an error) when it is not one. */
  object(value: unknown, path: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.error(path, 'must be an object');
      return undefined;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) this.error(join(path, key), `is not a known setting (expected one of: ${allowed.join(', ')})`);
    }
    return record;
  }

  boolean(record: Record<string, unknown>, path: string, key: string, fallback: boolean): boolean {
    const value = record[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.error(join(path, key), 'must be true or false');
      return fallback;
    }
    return value;
  }

  choice<T extends string>(record: Record<string, unknown>, path: string, key: string, choices: readonly T[], fallback: T): T {
    const value = record[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.error(join(path, key), `must be one of: ${choices.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  number(record: Record<string, unknown>, path: string, key: string, range: { min: number; max: number; integer: boolean }, fallback: number): number {
    const value = record[key];
    if (value === undefined) return fallback;
    const kind = range.integer ? 'an integer' : 'a number';
    if (typeof value !== 'number' || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))) {
      this.error(join(path, key), `must be ${kind}`);
      return fallback;
    }
    if (value < range.min || value > range.max) {
      this.error(join(path, key), `must be ${kind} from ${range.min} to ${range.max}`);
      return fallback;
    }
    return value;
  }

  string(record: Record<string, unknown>, path: string, key: string, shape: { pattern: RegExp; describe: string }, fallback: string): string {
    const value = record[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string') {
      this.error(join(path, key), 'must be a string');
      return fallback;
    }
    if (!shape.pattern.test(value)) {
      this.error(join(path, key), `must be ${shape.describe}`);
      return fallback;
    }
    return value;
  }
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

const TOP_LEVEL_KEYS = [
  'format',
  'version',
  'operations',
  'deactivation',
  'deletion',
  'usernameTransform',
  'matchBy',
  'scimProfile',
  'dryRun',
  'circuitBreaker',
  'groupNamePrefix',
  'bitbucketRoleId',
  'target',
  'rules',
] as const;

/** Validates a settings document (an export, a file, or what the admin page sends) and fills in defaults for fields left out. */
export function parseSettings(json: unknown): ParseSettingsResult {
  const reader = new Reader();
  const root = reader.object(json, '', TOP_LEVEL_KEYS);
  if (root === undefined) return { errors: reader.errors };

  if (root.format !== undefined && root.format !== SETTINGS_FORMAT) {
    reader.error('format', `must be "${SETTINGS_FORMAT}" (this app reads version 1 settings documents)`);
  }
  if (root.version !== undefined && root.version !== 1) {
    reader.error('version', 'must be 1 (this app reads version 1 settings documents)');
  }

  const d = defaultSettings;
  const operations = readOperations(reader, root.operations);
  const circuitBreaker = readBreaker(reader, root.circuitBreaker);
  const settings: SyncSettings = {
    version: 1,
    operations,
    deactivation: reader.choice(root, '', 'deactivation', ['suspend', 'revoke-access'] as const, d.deactivation),
    deletion: reader.choice(root, '', 'deletion', ['suspend', 'remove'] as const, d.deletion),
    usernameTransform: readTransform(reader, root.usernameTransform),
    matchBy: reader.choice(root, '', 'matchBy', ['email-from-username', 'work-email'] as const, d.matchBy),
    scimProfile: reader.choice(root, '', 'scimProfile', ['lenient', 'strict-rfc'] as const, d.scimProfile),
    dryRun: reader.boolean(root, '', 'dryRun', d.dryRun),
    circuitBreaker,
    groupNamePrefix: reader.string(
      root,
      '',
      'groupNamePrefix',
      { pattern: GROUP_PREFIX, describe: '1 to 32 lower-case letters, digits or hyphens, starting with a letter' },
      d.groupNamePrefix,
    ),
    bitbucketRoleId: reader.string(root, '', 'bitbucketRoleId', { pattern: ROLE_ID, describe: `a role id such as atlassian/user: at most ${MAX_ROLE_ID_LENGTH} letters, digits, dots, underscores or hyphens, in segments separated by /` }, d.bitbucketRoleId),
    target: readTarget(reader, root.target),
    rules: readRules(reader, root.rules),
  };
  if (reader.errors.length > 0) return { errors: reader.errors };
  const bytes = Buffer.byteLength(JSON.stringify(settings), 'utf8');
  if (bytes > MAX_SETTINGS_BYTES) {
    return { errors: [{ path: '', message: `is ${bytes} bytes as JSON, more than the ${MAX_SETTINGS_BYTES} that can be stored` }] };
  }
  return { settings };
}

function readOperations(reader: Reader, value: unknown): SyncOperations {
  const d = defaultSettings.operations;
  if (value === undefined) return d;
  const record = reader.object(value, 'operations', Object.keys(d));
  if (record === undefined) return d;
  return {
    create: reader.boolean(record, 'operations', 'create', d.create),
    update: reader.boolean(record, 'operations', 'update', d.update),
    reactivate: reader.boolean(record, 'operations', 'reactivate', d.reactivate),
    deactivate: reader.boolean(record, 'operations', 'deactivate', d.deactivate),
    groupSync: reader.boolean(record, 'operations', 'groupSync', d.groupSync),
    permissionSync: reader.boolean(record, 'operations', 'permissionSync', d.permissionSync),
  };
}

function readBreaker(reader: Reader, value: unknown): CircuitBreakerSettings {
  const d = defaultSettings.circuitBreaker;
  if (value === undefined) return d;
  const record = reader.object(value, 'circuitBreaker', Object.keys(d));
  if (record === undefined) return d;
  return {
    maxDeactivationShare: reader.number(record, 'circuitBreaker', 'maxDeactivationShare', { min: 0, max: 1, integer: false }, d.maxDeactivationShare),
    windowMinutes: reader.number(record, 'circuitBreaker', 'windowMinutes', { min: 1, max: MAX_BREAKER_WINDOW_MINUTES, integer: true }, d.windowMinutes),
    minimumUsers: reader.number(record, 'circuitBreaker', 'minimumUsers', { min: 0, max: 1_000_000, integer: true }, d.minimumUsers),
  };
}

function readTransform(reader: Reader, value: unknown): UsernameTransform | null {
  if (value === undefined || value === null) return null;
  const record = reader.object(value, 'usernameTransform', ['pattern', 'replacement']);
  if (record === undefined) return null;
  const { pattern, replacement } = record;
  if (typeof pattern !== 'string') reader.error('usernameTransform.pattern', 'must be a string');
  if (typeof replacement !== 'string') reader.error('usernameTransform.replacement', 'must be a string');
  if (typeof pattern !== 'string' || typeof replacement !== 'string') return null;
  const transform = { pattern, replacement };
  for (const issue of validateTransform(transform)) reader.error(`usernameTransform.${issue.field}`, issue.message);
  return transform;
}

function readTarget(reader: Reader, value: unknown): SyncTarget {
  const d = defaultSettings.target;
  if (value === undefined) return d;
  const record = reader.object(value, 'target', Object.keys(d));
  if (record === undefined) return d;
  const shape = { pattern: IDENTIFIER, describe: 'at most 200 characters without spaces or control characters' };
  return {
    orgId: reader.string(record, 'target', 'orgId', shape, d.orgId),
    directoryId: reader.string(record, 'target', 'directoryId', shape, d.directoryId),
    workspace: reader.string(record, 'target', 'workspace', shape, d.workspace),
    workspaceResourceId: reader.string(record, 'target', 'workspaceResourceId', shape, d.workspaceResourceId),
  };
}

function readRules(reader: Reader, value: unknown): PermissionRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    reader.error('rules', 'must be a list of permission rules');
    return [];
  }
  if (value.length > MAX_RULES) {
    reader.error('rules', `may hold at most ${MAX_RULES} rules, not ${value.length}`);
    return [];
  }
  const rules: PermissionRule[] = [];
  const ids = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const rule = readRule(reader, item, join('rules', index));
    if (rule === undefined) return;
    const first = ids.get(rule.id);
    if (first !== undefined) reader.error(join(join('rules', index), 'id'), `repeats the id of rules[${first}]`);
    else ids.set(rule.id, index);
    rules.push(rule);
  });
  return rules;
}

function readRule(reader: Reader, value: unknown, path: string): PermissionRule | undefined {
  const record = reader.object(value, path, ['id', 'group', 'projects', 'repositories', 'level']);
  if (record === undefined) return undefined;
  const before = reader.errors.length;
  if (record.id === undefined) reader.error(join(path, 'id'), 'is required');
  const id = reader.string(record, path, 'id', { pattern: RULE_ID, describe: '1 to 64 letters, digits, dots, underscores or hyphens' }, '');
  let group = '';
  if (typeof record.group !== 'string' || record.group.trim() === '' || record.group.length > 256) {
    reader.error(join(path, 'group'), 'must be the IdP group name (1 to 256 characters)');
  } else {
    group = record.group;
  }
  if (record.level === undefined) reader.error(join(path, 'level'), `is required (one of: ${PROJECT_LEVELS.join(', ')})`);
  const level = reader.choice(record, path, 'level', PROJECT_LEVELS, 'read');
  const projects = readList(reader, record, path, 'projects', {
    pattern: PROJECT_KEY,
    describe: 'a project key (a letter, then letters, digits or underscores)',
  });
  const repositories = readList(reader, record, path, 'repositories', {
    pattern: REPOSITORY_PATTERN,
    describe: 'a repository slug pattern (letters, digits, . _ - and the wildcards * and ?)',
  });
  if (record.level === 'create-repo' && repositories.length > 0) {
    reader.error(join(path, 'repositories'), 'must be empty for level create-repo, which exists for projects only; put the repository patterns in a rule with read, write or admin');
  }
  if (projects.length === 0 && repositories.length === 0 && reader.errors.length === before) {
    reader.error(path, 'must name at least one project key or repository pattern');
  }
  return { id, group, projects, repositories, level };
}

function readList(reader: Reader, record: Record<string, unknown>, path: string, key: string, shape: { pattern: RegExp; describe: string }): string[] {
  const value = record[key];
  const listPath = join(path, key);
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    reader.error(listPath, 'must be a list of strings');
    return [];
  }
  if (value.length > MAX_RULE_TARGETS) {
    reader.error(listPath, `may hold at most ${MAX_RULE_TARGETS} entries, not ${value.length}`);
    return [];
  }
  const seen = new Set<string>();
  const out: string[] = [];
  value.forEach((item: unknown, index) => {
    if (typeof item !== 'string' || !shape.pattern.test(item)) {
      reader.error(join(listPath, index), `must be ${shape.describe}`);
      return;
    }
    const folded = item.toLowerCase();
    if (seen.has(folded)) {
      reader.error(join(listPath, index), `lists "${item}" twice`);
      return;
    }
    seen.add(folded);
    out.push(item);
  });
  return out;
}

/** Serialises settings as the documented JSON document, with the `format` marker first. */
export function exportSettings(settings: SyncSettings): string {
  return `${JSON.stringify(toDocument(settings), null, 2)}\n`;
}

function toDocument(settings: SyncSettings): Record<string, unknown> {
  const { version, ...rest } = settings;
  return { format: SETTINGS_FORMAT, version, ...rest };
}

/** Reads and validates a settings file (the local host's `SETTINGS_FILE`); throws with every problem and the file's path. */
export async function loadSettingsFile(path: string): Promise<SyncSettings> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SettingsValidationError([{ path: '', message: `is not JSON: ${(error as Error).message}` }], `Settings file ${path}`);
  }
  const result = parseSettings(json);
  if ('errors' in result) throw new SettingsValidationError(result.errors, `Settings file ${path}`);
  return result.settings;
}

/** Stored settings in the app's key-value store, validated on every save and every read. */
export class SettingsStore {
  constructor(private readonly kvs: Pick<ForgeKvs, 'get' | 'set'>) {}

  /** The stored settings, or the defaults when none were saved; throws SettingsValidationError when the stored value is unusable. */
  async get(): Promise<SyncSettings> {
    const stored = await this.kvs.get<unknown>(SETTINGS_KEY);
    if (stored === undefined) return defaultSettings;
    // A stored value that no longer validates (a newer version after a downgrade, a hand edit) is an error,
    // never a silent return to the defaults, which could switch operations back on.
    const result = parseSettings(stored);
    if ('errors' in result) throw new SettingsValidationError(result.errors, 'Stored settings are invalid');
    return result.settings;
  }

  /** Validates and stores a settings document, returning the settings as stored; throws SettingsValidationError and stores nothing when invalid. */
  async save(input: unknown): Promise<SyncSettings> {
    const result = parseSettings(input);
    if ('errors' in result) throw new SettingsValidationError(result.errors);
    await this.kvs.set(SETTINGS_KEY, toDocument(result.settings));
    return result.settings;
  }
}
