/**
 * The settings as a JSON document (docs/settings.md): validating one (an export, a file, or what the admin page
 * sends) into SyncSettings, with defaults for fields left out, and serialising SyncSettings back.
 *
 * Validation is strict: unknown keys, wrong types and out-of-range values are errors with a path such as
 * `rules[2].level`, so a typo in an imported file is reported instead of silently falling back to a default.
 * Fields left out take their defaults, which lets a hand-written file name only what it changes.
 */
import { DocumentReader, joinPath } from './document-reader';
import {
  defaultSettings,
  MAX_BREAKER_WINDOW_MINUTES,
  MAX_ROLE_ID_LENGTH,
  MAX_RULE_TARGETS,
  MAX_RULES,
  MAX_SETTINGS_BYTES,
  SETTINGS_FORMAT,
  type CircuitBreakerSettings,
  type ParseSettingsResult,
  type PermissionRule,
  type RuleLevel,
  type SyncOperations,
  type SyncSettings,
  type SyncTarget,
  type UsernameTransform,
} from './settings';
import { validateTransform } from './username-transform';

const RULE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const PROJECT_KEY = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
const REPOSITORY_PATTERN = /^[A-Za-z0-9._*?-]{1,128}$/;
const GROUP_PREFIX = /^[a-z][a-z0-9-]{0,31}$/;
const ROLE_ID = new RegExp(`^(?=.{1,${MAX_ROLE_ID_LENGTH}}$)[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$`);
const IDENTIFIER = /^[^\s\p{Cc}]{0,200}$/u;
const PROJECT_LEVELS: readonly RuleLevel[] = ['read', 'write', 'create-repo', 'admin'];

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
  const reader = new DocumentReader();
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
    bitbucketRoleId: reader.string(
      root,
      '',
      'bitbucketRoleId',
      {
        pattern: ROLE_ID,
        describe: `a role id such as atlassian/user: at most ${MAX_ROLE_ID_LENGTH} letters, digits, dots, underscores or hyphens, in segments separated by /`,
      },
      d.bitbucketRoleId,
    ),
    target: readTarget(reader, root.target),
    rules: readRules(reader, root.rules),
  };
  if (reader.errors.length > 0) return { errors: reader.errors };
  const bytes = Buffer.byteLength(JSON.stringify(settings), 'utf8');
  if (bytes > MAX_SETTINGS_BYTES) {
    return {
      errors: [
        { path: '', message: `is ${bytes} bytes as JSON, more than the ${MAX_SETTINGS_BYTES} that can be stored` },
      ],
    };
  }
  return { settings };
}

function readOperations(reader: DocumentReader, value: unknown): SyncOperations {
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

function readBreaker(reader: DocumentReader, value: unknown): CircuitBreakerSettings {
  const d = defaultSettings.circuitBreaker;
  if (value === undefined) return d;
  const record = reader.object(value, 'circuitBreaker', Object.keys(d));
  if (record === undefined) return d;
  return {
    maxDeactivationShare: reader.number(
      record,
      'circuitBreaker',
      'maxDeactivationShare',
      { min: 0, max: 1, integer: false },
      d.maxDeactivationShare,
    ),
    windowMinutes: reader.number(
      record,
      'circuitBreaker',
      'windowMinutes',
      { min: 1, max: MAX_BREAKER_WINDOW_MINUTES, integer: true },
      d.windowMinutes,
    ),
    minimumUsers: reader.number(
      record,
      'circuitBreaker',
      'minimumUsers',
      { min: 0, max: 1_000_000, integer: true },
      d.minimumUsers,
    ),
  };
}

function readTransform(reader: DocumentReader, value: unknown): UsernameTransform | null {
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

function readTarget(reader: DocumentReader, value: unknown): SyncTarget {
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

function readRules(reader: DocumentReader, value: unknown): PermissionRule[] {
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
    const rule = readRule(reader, item, joinPath('rules', index));
    if (rule === undefined) return;
    const first = ids.get(rule.id);
    if (first !== undefined)
      reader.error(joinPath(joinPath('rules', index), 'id'), `repeats the id of rules[${first}]`);
    else ids.set(rule.id, index);
    rules.push(rule);
  });
  return rules;
}

function readRule(reader: DocumentReader, value: unknown, path: string): PermissionRule | undefined {
  const record = reader.object(value, path, ['id', 'group', 'projects', 'repositories', 'level']);
  if (record === undefined) return undefined;
  const before = reader.errors.length;
  if (record.id === undefined) reader.error(joinPath(path, 'id'), 'is required');
  const id = reader.string(
    record,
    path,
    'id',
    { pattern: RULE_ID, describe: '1 to 64 letters, digits, dots, underscores or hyphens' },
    '',
  );
  let group = '';
  if (typeof record.group !== 'string' || record.group.trim() === '' || record.group.length > 256) {
    reader.error(joinPath(path, 'group'), 'must be the IdP group name (1 to 256 characters)');
  } else {
    group = record.group;
  }
  if (record.level === undefined)
    reader.error(joinPath(path, 'level'), `is required (one of: ${PROJECT_LEVELS.join(', ')})`);
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
    reader.error(
      joinPath(path, 'repositories'),
      'must be empty for level create-repo, which exists for projects only; put the repository patterns in a rule with read, write or admin',
    );
  }
  if (projects.length === 0 && repositories.length === 0 && reader.errors.length === before) {
    reader.error(path, 'must name at least one project key or repository pattern');
  }
  return { id, group, projects, repositories, level };
}

function readList(
  reader: DocumentReader,
  record: Record<string, unknown>,
  path: string,
  key: string,
  shape: { pattern: RegExp; describe: string },
): string[] {
  const value = record[key];
  const listPath = joinPath(path, key);
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
      reader.error(joinPath(listPath, index), `must be ${shape.describe}`);
      return;
    }
    const folded = item.toLowerCase();
    if (seen.has(folded)) {
      reader.error(joinPath(listPath, index), `lists "${item}" twice`);
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

/** The document of `settings` as stored and exported: the `format` marker first, then the settings. */
export function toDocument(settings: SyncSettings): Record<string, unknown> {
  const { version, ...rest } = settings;
  return { format: SETTINGS_FORMAT, version, ...rest };
}
