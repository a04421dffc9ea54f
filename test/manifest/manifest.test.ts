import { getClientSideLintersOnly, lint } from '@forge/lint';
import { validate } from '@forge/manifest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const MANIFEST_PATH = path.join(ROOT, 'manifest.yml');

type LintManifest = Parameters<typeof lint>[1];
type Statsig = Parameters<typeof lint>[4];

interface FunctionModule {
  key: string;
  handler: string;
}

interface Manifest {
  app: { storage?: { entities?: { name: string }[] } };
  modules: Record<string, Record<string, unknown>[] | undefined>;
  resources?: { key: string; path: string }[];
}

function readManifest(): Manifest {
  return parse(fs.readFileSync(MANIFEST_PATH, 'utf8')) as Manifest;
}

function functionModules(manifest: Manifest): FunctionModule[] {
  return (manifest.modules.function ?? []) as unknown as FunctionModule[];
}

/** Every `function` key a module names, directly or as its resolver. */
function referencedFunctionKeys(manifest: Manifest): string[] {
  const keys: string[] = [];
  for (const [type, modules] of Object.entries(manifest.modules)) {
    if (type === 'function') continue;
    for (const module of modules ?? []) {
      if (typeof module.function === 'string') keys.push(module.function);
      const resolver = module.resolver as { function?: unknown } | undefined;
      if (typeof resolver?.function === 'string') keys.push(resolver.function);
    }
  }
  return keys;
}

function listSources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return listSources(relative);
    return /\.(tsx?|jsx?|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

describe('manifest.yml', () => {
  let cwd: string;

  beforeAll(() => {
    cwd = process.cwd();
    // validate() resolves resource paths against the working directory, as `forge deploy` runs from the app root.
    process.chdir(ROOT);
  });

  afterAll(() => process.chdir(cwd));

  it('passes @forge/manifest validate()', async () => {
    const result = await validate(false, MANIFEST_PATH);
    if (!result.success || (result.errors ?? []).length > 0) console.error(JSON.stringify(result.errors, null, 1));
    expect(result.errors ?? []).toEqual([]);
    expect(result.success).toBe(true);
  });

  it('is checked by validate(), which rejects a function key no module defines', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-'));
    try {
      const broken = fs
        .readFileSync(MANIFEST_PATH, 'utf8')
        .replace('function: sync-worker', 'function: no-such-function');
      fs.writeFileSync(path.join(dir, 'manifest.yml'), broken);
      const result = await validate(false, path.join(dir, 'manifest.yml'));
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.errors)).toContain('no-such-function');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // @forge/lint keeps only the .ts files that tsconfig.json's `include` lists file by file, and this repo's
  // tsconfig lists folders, so linting from the repo root would skip every source file. The lint therefore
  // runs in a view of the app (manifest, src, static) without a tsconfig, where every source is linted.
  // PermissionLinter is included, with empty product swaggers (its bootstrap reads USE_LOCAL_SWAGGER and the
  // LOCAL_*_SWAGGER files) so that it never downloads them: it checks egress and storage use, not Bitbucket scopes.
  it('passes the client-side linters of @forge/lint', async () => {
    const view = fs.mkdtempSync(path.join(os.tmpdir(), 'forge-lint-'));
    const savedEnv = { ...process.env };
    try {
      for (const entry of ['manifest.yml', 'src', 'static'])
        fs.symlinkSync(path.join(ROOT, entry), path.join(view, entry));
      const stub = path.join(view, 'swagger-stub.json');
      fs.writeFileSync(stub, '{"paths":{}}');
      for (const product of ['JIRA', 'JSM', 'JSW', 'CONF', 'CONF_V2', 'BB'])
        process.env[`LOCAL_${product}_SWAGGER`] = stub;
      process.env.USE_LOCAL_SWAGGER = '1';
      process.env.XDG_CONFIG_HOME = view;
      process.chdir(view);

      const manifest = parse(fs.readFileSync('manifest.yml', 'utf8')) as LintManifest;
      const logger = { info: () => undefined, warn: () => undefined, debug: () => undefined, error: () => undefined };
      const statsig = { getDeprecatedRuntimes: async () => [] } as unknown as Statsig;
      const linters = await getClientSideLintersOnly(manifest, 'development', logger, statsig);
      const files = listSources('src');
      const results = await lint(files, manifest, 'development', logger, statsig, {
        linter: { mode: 'client-side' },
        linters,
      });

      const problems = results
        .filter((result) => result.errors.length + result.warnings.length + result.approvals.length > 0)
        .map(({ file, errors, warnings, approvals }) => ({ file, errors, warnings, approvals }));
      if (problems.length > 0) console.error(JSON.stringify(problems, null, 1));
      expect(linters.map((linter) => linter.constructor.name)).toContain('PermissionLinter');
      expect(results.map((result) => result.file)).toContain('src/index.ts');
      expect(problems).toEqual([]);
    } finally {
      process.chdir(ROOT);
      for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
      Object.assign(process.env, savedEnv);
      fs.rmSync(view, { recursive: true, force: true });
    }
  }, 60_000);

  it('names handlers that the module Forge loads exports as functions', async () => {
    const functions = functionModules(readManifest());
    expect(functions.length).toBeGreaterThan(0);
    for (const { key, handler } of functions) {
      const match = /^([\w/-]+)\.(\w+)$/.exec(handler);
      expect({ key, handler, valid: match !== null }).toEqual({ key, handler, valid: true });
      const [, file = '', exported = ''] = match ?? [];
      // Forge resolves `<file>.<export>` against src/ (@forge/manifest getHandlersDirectory).
      const loaded = (await import(path.join(ROOT, 'src', file))) as Record<string, unknown>;
      expect({ handler, type: typeof loaded[exported] }).toEqual({ handler, type: 'function' });
    }
  });

  it('defines every function a module names, and names every function it defines', () => {
    const manifest = readManifest();
    const defined = functionModules(manifest)
      .map((fn) => fn.key)
      .sort();
    const referenced = [...new Set(referencedFunctionKeys(manifest))].sort();
    expect(referenced).toEqual(defined);
  });

  it('wires the modules of the app to their functions', () => {
    const manifest = readManifest();
    const { modules } = manifest;
    const handlerOf = (key: unknown) => functionModules(manifest).find((fn) => fn.key === key)?.handler;

    const [webTrigger] = modules.webtrigger ?? [];
    expect(webTrigger).toMatchObject({ key: 'scim-endpoint', response: { type: 'dynamic' } });
    expect(handlerOf(webTrigger?.function)).toBe('index.scimHandler');

    const [adminPage] = modules['bitbucket:workspaceSettingsMenuPage'] ?? [];
    expect(adminPage).toMatchObject({ key: 'scim-admin', resource: 'admin-ui' });
    expect(adminPage).not.toHaveProperty('render');
    expect(handlerOf((adminPage?.resolver as { function?: unknown } | undefined)?.function)).toBe(
      'index.adminResolver',
    );

    const [consumer] = modules.consumer ?? [];
    expect(consumer).toMatchObject({ key: 'sync-consumer', queue: 'scim-sync' });
    expect(handlerOf(consumer?.function)).toBe('index.syncWorker');

    const [schedule] = modules.scheduledTrigger ?? [];
    expect(schedule).toMatchObject({ key: 'reconcile', interval: 'hour' });
    // Unlicensed (development, staging) installations reconcile too: see the comment in manifest.yml.
    expect(schedule).not.toHaveProperty('filter');
    expect(handlerOf(schedule?.function)).toBe('index.reconcile');
  });

  it('points the admin page at a resource folder that has an index.html', () => {
    const resource = readManifest().resources?.find((entry) => entry.key === 'admin-ui');
    expect(resource).toBeDefined();
    expect(fs.existsSync(path.join(ROOT, resource?.path ?? '', 'index.html'))).toBe(true);
  });

  it('declares exactly the storage entities the directory store uses', () => {
    const names = (readManifest().app.storage?.entities ?? []).map((entity) => entity.name).sort();
    expect(names).toEqual([
      'scim-claim',
      'scim-group',
      'scim-member',
      'scim-roster',
      'scim-user',
      'sync-audit',
      'sync-link',
      'sync-outbox',
    ]);
  });
});
