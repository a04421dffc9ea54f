/** Sync settings: strict validation with paths, defaults for omitted fields, export/import, file loading and the KVS store. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadSettingsFile } from '../../src/local/settings-file';
import {
  defaultSettings,
  SETTINGS_FORMAT,
  SETTINGS_KEY,
  SettingsValidationError,
  type PermissionRule,
  type SettingsError,
  type SyncSettings,
} from '../../src/sync/settings';
import { exportSettings, parseSettings } from '../../src/sync/settings-document';
import { SETTINGS_STAMP_KEY, SettingsStore } from '../../src/sync/settings-store';
import { kvsPerTest } from '../support/kvs-per-test';

function makeRule(overrides: Partial<PermissionRule> = {}): PermissionRule {
  return {
    id: 'devs-write',
    group: 'Developers',
    projects: ['CORE'],
    repositories: ['api-*'],
    level: 'write',
    ...overrides,
  };
}

function makeSettings(overrides: Partial<SyncSettings> = {}): SyncSettings {
  return {
    ...defaultSettings,
    usernameTransform: { pattern: '(.*)@corp\\.example', replacement: '$1@example.com' },
    dryRun: true,
    target: {
      orgId: 'org-1',
      directoryId: 'dir-1',
      workspace: 'acme',
      workspaceResourceId: 'ari:cloud:bitbucket::workspace/1',
    },
    rules: [makeRule(), makeRule({ id: 'leads-admin', group: 'Leads', repositories: [], level: 'admin' })],
    ...overrides,
  };
}

function errorsOf(json: unknown): SettingsError[] {
  const result = parseSettings(json);
  if (!('errors' in result)) throw new Error('expected errors');
  return [...result.errors];
}

describe('parseSettings', () => {
  it('accepts the defaults and fills every omitted field with its default', () => {
    expect(parseSettings({})).toEqual({ settings: defaultSettings });
    expect(parseSettings({ operations: { deactivate: false } })).toEqual({
      settings: { ...defaultSettings, operations: { ...defaultSettings.operations, deactivate: false } },
    });
  });

  it('round-trips a full document through exportSettings', () => {
    const settings = makeSettings();
    const exported = exportSettings(settings);
    expect(exported.startsWith(`{\n  "format": "${SETTINGS_FORMAT}",\n  "version": 1,`)).toBe(true);
    expect(exported.endsWith('}\n')).toBe(true);
    expect(parseSettings(JSON.parse(exported))).toEqual({ settings });
  });

  const invalid: { name: string; json: unknown; path: string; message: RegExp }[] = [
    { name: 'a non-object document', json: [], path: '', message: /must be an object/ },
    { name: 'an unknown top-level key', json: { dryrun: true }, path: 'dryrun', message: /not a known setting/ },
    {
      name: 'an unknown nested key',
      json: { operations: { delete: true } },
      path: 'operations.delete',
      message: /not a known setting/,
    },
    {
      name: 'another format',
      json: { format: 'bitbucket-scim-sync/settings@2' },
      path: 'format',
      message: /settings@1/,
    },
    { name: 'another version', json: { version: 2 }, path: 'version', message: /must be 1/ },
    {
      name: 'a non-boolean toggle',
      json: { operations: { create: 'yes' } },
      path: 'operations.create',
      message: /true or false/,
    },
    {
      name: 'an unknown deactivation',
      json: { deactivation: 'delete' },
      path: 'deactivation',
      message: /suspend, revoke-access/,
    },
    { name: 'an unknown deletion', json: { deletion: 'purge' }, path: 'deletion', message: /suspend, remove/ },
    {
      name: 'an unknown matchBy',
      json: { matchBy: 'email' },
      path: 'matchBy',
      message: /email-from-username, work-email/,
    },
    {
      name: 'a share above 1',
      json: { circuitBreaker: { maxDeactivationShare: 1.5 } },
      path: 'circuitBreaker.maxDeactivationShare',
      message: /from 0 to 1/,
    },
    {
      name: 'a fractional window',
      json: { circuitBreaker: { windowMinutes: 1.5 } },
      path: 'circuitBreaker.windowMinutes',
      message: /an integer/,
    },
    {
      name: 'a window over a day',
      json: { circuitBreaker: { windowMinutes: 1441 } },
      path: 'circuitBreaker.windowMinutes',
      message: /from 1 to 1440/,
    },
    {
      name: 'negative minimum users',
      json: { circuitBreaker: { minimumUsers: -1 } },
      path: 'circuitBreaker.minimumUsers',
      message: /from 0/,
    },
    {
      name: 'a group prefix that is not slug-safe',
      json: { groupNamePrefix: 'SCIM ' },
      path: 'groupNamePrefix',
      message: /lower-case/,
    },
    {
      name: 'a role id with spaces',
      json: { bitbucketRoleId: 'atlassian user' },
      path: 'bitbucketRoleId',
      message: /role id/,
    },
    {
      name: 'a role id of 150,000 characters',
      json: { bitbucketRoleId: 'r'.repeat(150_000) },
      path: 'bitbucketRoleId',
      message: /at most 100/,
    },
    {
      name: 'a role id one character too long',
      json: { bitbucketRoleId: 'r'.repeat(101) },
      path: 'bitbucketRoleId',
      message: /at most 100/,
    },
    {
      name: 'a role id with a newline',
      json: { bitbucketRoleId: 'atlassian/user\n' },
      path: 'bitbucketRoleId',
      message: /role id/,
    },
    { name: 'an empty role id', json: { bitbucketRoleId: '' }, path: 'bitbucketRoleId', message: /role id/ },
    {
      name: 'a target id with spaces',
      json: { target: { orgId: 'a b' } },
      path: 'target.orgId',
      message: /without spaces/,
    },
    {
      name: 'an invalid transform pattern',
      json: { usernameTransform: { pattern: '(', replacement: '' } },
      path: 'usernameTransform.pattern',
      message: /RE2/,
    },
    {
      name: 'a transform without a replacement',
      json: { usernameTransform: { pattern: '(.*)' } },
      path: 'usernameTransform.replacement',
      message: /must be a string/,
    },
    {
      name: 'a replacement naming a missing group',
      json: { usernameTransform: { pattern: '(.*)', replacement: '$3' } },
      path: 'usernameTransform.replacement',
      message: /group \$3/,
    },
    { name: 'rules that are not a list', json: { rules: {} }, path: 'rules', message: /list/ },
    {
      name: 'a rule without an id',
      json: { rules: [{ group: 'Devs', projects: ['A'], level: 'read' }] },
      path: 'rules[0].id',
      message: /required/,
    },
    {
      name: 'a rule without a level',
      json: { rules: [{ id: 'r', group: 'Devs', projects: ['A'] }] },
      path: 'rules[0].level',
      message: /required/,
    },
    {
      name: 'an unknown rule level',
      json: { rules: [makeRule({ level: 'owner' as never })] },
      path: 'rules[0].level',
      message: /read, write, create-repo, admin/,
    },
    {
      name: 'create-repo on repositories',
      json: { rules: [makeRule({ level: 'create-repo' })] },
      path: 'rules[0].repositories',
      message: /projects only/,
    },
    {
      name: 'a rule naming nothing',
      json: { rules: [makeRule({ projects: [], repositories: [] })] },
      path: 'rules[0]',
      message: /at least one/,
    },
    {
      name: 'an empty group',
      json: { rules: [makeRule({ group: ' ' })] },
      path: 'rules[0].group',
      message: /IdP group/,
    },
    {
      name: 'a bad project key',
      json: { rules: [makeRule({ projects: ['CORE', 'no spaces'] })] },
      path: 'rules[0].projects[1]',
      message: /project key/,
    },
    {
      name: 'a bad repository pattern',
      json: { rules: [makeRule({ repositories: ['api/*'] })] },
      path: 'rules[0].repositories[0]',
      message: /slug pattern/,
    },
    {
      name: 'a repeated project key',
      json: { rules: [makeRule({ projects: ['CORE', 'core'] })] },
      path: 'rules[0].projects[1]',
      message: /twice/,
    },
    {
      name: 'an unknown rule key',
      json: { rules: [{ ...makeRule(), permission: 'read' }] },
      path: 'rules[0].permission',
      message: /not a known setting/,
    },
    {
      name: 'a repeated rule id',
      json: { rules: [makeRule(), makeRule({ group: 'Other' })] },
      path: 'rules[1].id',
      message: /repeats the id of rules\[0\]/,
    },
  ];
  it.each(invalid)('rejects $name at $path', ({ json, path: errorPath, message }) => {
    const errors = errorsOf(json);
    const error = errors.find((e) => e.path === errorPath);
    expect(error).toBeDefined();
    expect(error?.message).toMatch(message);
  });

  it('accepts create-repo on projects and read/write/admin on repositories', () => {
    const rules = [
      makeRule({ id: 'a', level: 'create-repo', repositories: [] }),
      makeRule({ id: 'b', level: 'admin', projects: [], repositories: ['*'] }),
      makeRule({ id: 'c', level: 'read', projects: [], repositories: ['svc-??', 'lib.*'] }),
    ];
    expect(parseSettings({ rules })).toEqual({ settings: { ...defaultSettings, rules } });
  });

  it('reports every problem of a document, not only the first', () => {
    expect(
      errorsOf({ dryRun: 1, deletion: 'x', rules: [makeRule({ level: 'create-repo' })] }).map((e) => e.path),
    ).toEqual(['deletion', 'dryRun', 'rules[0].repositories']);
  });

  it('refuses a document too large to store', () => {
    const rules = Array.from({ length: 500 }, (_, i) =>
      makeRule({
        id: `r${i}`,
        projects: [],
        repositories: Array.from({ length: 20 }, (_, j) => `repository-pattern-${j}-${'x'.repeat(10)}*`),
      }),
    );
    expect(errorsOf({ rules })).toEqual([{ path: '', message: expect.stringMatching(/bytes as JSON/) }]);
  });
});

describe('docs/settings.md', () => {
  it('shows an example that validates', () => {
    const doc = readFileSync(path.resolve(__dirname, '../../docs/settings.md'), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const result = parseSettings(JSON.parse(example ?? ''));
    expect(result).toEqual({
      settings: expect.objectContaining({
        rules: expect.arrayContaining([expect.objectContaining({ level: 'create-repo' })]),
      }),
    });
  });
});

describe('loadSettingsFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'settings-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a partial hand-written file over the defaults', async () => {
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ format: SETTINGS_FORMAT, dryRun: true, rules: [makeRule()] }));
    expect(await loadSettingsFile(file)).toEqual({ ...defaultSettings, dryRun: true, rules: [makeRule()] });
  });

  it('names the file and every problem', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ dryRun: 'no', matchBy: 'x' }));
    await expect(loadSettingsFile(file)).rejects.toThrow(
      new RegExp(`Settings file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*matchBy.*dryRun`),
    );
  });

  it('reports a file that is not JSON', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ "dryRun": true,');
    await expect(loadSettingsFile(file)).rejects.toThrow(SettingsValidationError);
  });
});

describe('SettingsStore', () => {
  const fixture = kvsPerTest();
  let store: SettingsStore;
  beforeEach(() => {
    store = new SettingsStore(fixture.kvs);
  });

  it('returns the defaults before anything is saved', async () => {
    expect(await store.get()).toEqual(defaultSettings);
  });

  it('saves valid settings as the versioned document under settings:v1 and reads them back', async () => {
    const settings = makeSettings();
    expect(await store.save(settings)).toEqual(settings);
    expect(await fixture.kvs.get(SETTINGS_KEY)).toEqual(JSON.parse(exportSettings(settings)));
    expect(await store.get()).toEqual(settings);
  });

  it('refuses invalid settings and keeps what was stored', async () => {
    await store.save(makeSettings());
    await expect(store.save({ ...makeSettings(), rules: [makeRule({ level: 'create-repo' })] })).rejects.toThrow(
      /rules\[0\]\.repositories/,
    );
    expect(await store.get()).toEqual(makeSettings());
  });

  it('fails loudly instead of falling back to defaults when the stored value is unusable', async () => {
    await fixture.kvs.set(SETTINGS_KEY, { format: SETTINGS_FORMAT, version: 2 });
    await expect(store.get()).rejects.toThrow(/Stored settings are invalid: version/);
  });
});

describe('SettingsStore reads', () => {
  const fixture = kvsPerTest();
  let reads: string[];
  let store: SettingsStore;
  let other: SettingsStore;

  beforeEach(() => {
    reads = [];
    const counted = {
      get: async <T>(key: string) => {
        reads.push(key);
        return fixture.kvs.get<T>(key);
      },
      set: (key: string, value: unknown) => fixture.kvs.set(key, value as never),
    };
    store = new SettingsStore(counted as never);
    other = new SettingsStore(fixture.kvs);
  });

  it('reads the document again only when a save changed the stamp, here or in another instance', async () => {
    await other.save(makeSettings());
    expect(await store.get()).toEqual(makeSettings());
    expect(await store.get()).toEqual(makeSettings());
    expect(reads).toEqual([SETTINGS_STAMP_KEY, SETTINGS_KEY, SETTINGS_STAMP_KEY]);
    const changed = { ...makeSettings(), rules: [] };
    await other.save(changed);
    reads = [];
    expect(await store.get()).toEqual(changed);
    expect(reads).toEqual([SETTINGS_STAMP_KEY, SETTINGS_KEY]);
  });

  it('never caches without a stamp (settings stored before stamps existed)', async () => {
    await fixture.kvs.set(SETTINGS_KEY, JSON.parse(exportSettings(makeSettings())));
    await store.get();
    await store.get();
    expect(reads).toEqual([SETTINGS_STAMP_KEY, SETTINGS_KEY, SETTINGS_STAMP_KEY, SETTINGS_KEY]);
  });
});
