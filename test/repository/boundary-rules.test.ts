/**
 * Each boundary rule of eslint.config.cjs (issue 15) fires on an import that crosses its boundary and stays quiet
 * on one that does not. Fixture sources are linted through ESLint's API as if they were files at the given paths,
 * with the repository's own config (required, as Jest cannot `import()` an ES module config).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';

const REPO_ROOT = path.resolve(__dirname, '../..');

/** One fixture: `code` linted as the file `file` (relative to the repository) fires exactly the rules `fires`. */
interface Case {
  readonly name: string;
  readonly file: string;
  readonly code: string;
  readonly fires: readonly string[];
}

/** The rules these tests look at: the boundaries, and the restrictions that were there before them. */
const WATCHED =
  /^(boundaries\/|no-restricted-imports$|no-restricted-syntax$|@typescript-eslint\/consistent-type-imports$)/;

let eslint: ESLint;

beforeAll(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the config is CommonJS so that Jest can load it
  const config = require(path.join(REPO_ROOT, 'eslint.config.cjs')) as Linter.Config[];
  eslint = new ESLint({ cwd: REPO_ROOT, overrideConfigFile: true, overrideConfig: config });
});

async function lint(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((message) => WATCHED.test(message.ruleId ?? ''));
}

async function firedRules(file: string, code: string): Promise<string[]> {
  return [...new Set((await lint(file, code)).map((message) => message.ruleId ?? ''))].sort();
}

const RANK = 'boundaries/folder-rank';

/** One violating and (where the folder may import another) one allowed import per ranked folder. */
const RANK_CASES: readonly Case[] = [
  {
    name: 'shared (0) -> directory (0), type-only',
    file: 'src/shared/x.ts',
    code: "import type { DirectoryStore } from '../directory/directory-store';\nexport type X = DirectoryStore;\n",
    fires: [RANK],
  },
  {
    name: 'directory (0) -> scim (1), type-only',
    file: 'src/directory/x.ts',
    code: "import type { Filter } from '../scim/filter/ast';\nexport type X = Filter;\n",
    fires: [RANK],
  },
  {
    name: 'targets (0) -> directory (0), export from',
    file: 'src/targets/x.ts',
    code: "export { y } from '../directory/y';\n",
    fires: [RANK],
  },
  {
    name: 'lang (0) -> targets (0)',
    file: 'src/lang/x.ts',
    code: "import { y } from '../targets/y';\nexport const x = y;\n",
    fires: [RANK],
  },
  {
    name: 'storage (2) -> lang (0) is allowed',
    file: 'src/storage/x.ts',
    code: "import { y } from '../lang/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'scim (1) -> storage (2)',
    file: 'src/scim/x.ts',
    code: "import { y } from '../storage/y';\nexport const x = y;\n",
    fires: [RANK],
  },
  {
    name: 'scim (1) -> directory (0) is allowed',
    file: 'src/scim/x.ts',
    code: "import { y } from '../directory/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'storage (2) -> auth (3)',
    file: 'src/storage/x.ts',
    code: "import { y } from '../auth/y';\nexport const x = y;\n",
    fires: [RANK],
  },
  {
    name: 'storage (2) -> scim (1) is allowed',
    file: 'src/storage/x.ts',
    code: "import { y } from '../scim/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'auth (3) -> sync (4)',
    file: 'src/auth/x.ts',
    code: "import { y } from '../sync/y';\nexport const x = y;\n",
    fires: [RANK],
  },
  {
    name: 'auth (3) -> storage (2) is allowed',
    file: 'src/auth/x.ts',
    code: "import { y } from '../storage/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'sync (4) -> sources (5)',
    file: 'src/sync/x.ts',
    code: "import { y } from '../sources/y';\nexport const x = y;\n",
    fires: [RANK],
  },
  {
    name: 'sync (4) -> auth (3) is allowed',
    file: 'src/sync/x.ts',
    code: "import { y } from '../auth/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'sources (5) -> review (5)',
    file: 'src/sources/x.ts',
    code: "import { y } from '../review/y';\nexport const x = y;\n",
    fires: [RANK],
  },
  {
    name: 'sources (5) -> sync (4) is allowed',
    file: 'src/sources/x.ts',
    code: "import { y } from '../sync/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'review (5) -> sources (5), export * from',
    file: 'src/review/x.ts',
    code: "export * from '../sources/y';\n",
    fires: [RANK],
  },
  {
    name: 'review (5) -> sync (4) is allowed',
    file: 'src/review/x.ts',
    code: "export * from '../sync/y';\n",
    fires: [],
  },
  {
    name: 'admin (6) -> app (8)',
    file: 'src/admin/x.ts',
    code: "import type { App } from '../app/create-app';\nexport type X = App;\n",
    fires: [RANK],
  },
  {
    name: 'admin (6) -> review (5) is allowed',
    file: 'src/admin/x.ts',
    code: "import { y } from '../review/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'diagnostics (7) -> app (8), from a subfolder',
    file: 'src/diagnostics/checks/x.ts',
    code: "import { y } from '../../app/create-sync';\nexport const x = y;\n",
    fires: [RANK],
  },
  {
    name: 'diagnostics (7) -> admin (6) is allowed',
    file: 'src/diagnostics/checks/x.ts',
    code: "import { y } from '../../admin/payload';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'app (8) -> forge (9)',
    file: 'src/app/x.ts',
    code: "import { y } from '../forge/forge-job-queue';\nexport const x = y;\n",
    fires: [RANK],
  },
  {
    name: 'app (8) -> diagnostics (7) is allowed',
    file: 'src/app/x.ts',
    code: "import { y } from '../diagnostics/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'forge (9) -> local (10)',
    file: 'src/forge/x.ts',
    code: "import { y } from '../local/local-host';\nexport const x = y;\n",
    fires: [RANK],
  },
  {
    name: 'forge (9) -> app (8) is allowed',
    file: 'src/forge/x.ts',
    code: "import { y } from '../app/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'local (10) -> forge (9) is allowed',
    file: 'src/local/x.ts',
    code: "import { y } from '../forge/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'a subfolder imports a sibling subfolder of its own folder',
    file: 'src/scim/filter/x.ts',
    code: "import { y } from '../resource/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'src/index.ts may import anything',
    file: 'src/index.ts',
    code: "export { y } from './local/y';\n",
    fires: [],
  },
];

/** The other boundaries, and the rules that were there before them. */
const OTHER_CASES: readonly Case[] = [
  {
    name: 'node:fs/promises in sync',
    file: 'src/sync/x.ts',
    code: "import { readFile } from 'node:fs/promises';\nexport const x = readFile;\n",
    fires: ['boundaries/node-fs'],
  },
  {
    name: 'fs in diagnostics',
    file: 'src/diagnostics/x.ts',
    code: "import * as fs from 'fs';\nexport const x = fs;\n",
    fires: ['boundaries/node-fs'],
  },
  {
    name: 'node:fs in the local host is allowed',
    file: 'src/local/x.ts',
    code: "import * as fs from 'node:fs';\nexport const x = fs;\n",
    fires: [],
  },
  {
    name: 'node:fs in the local KVS is allowed',
    file: 'src/storage/local-kvs/x.ts',
    code: "import * as fs from 'node:fs';\nexport const x = fs;\n",
    fires: [],
  },
  {
    name: 'node:path in sync is allowed',
    file: 'src/sync/x.ts',
    code: "import path from 'node:path';\nexport const x = path;\n",
    fires: [],
  },
  {
    name: '@forge/kvs in the sync planner',
    file: 'src/sync/planner.ts',
    code: "import { kvs } from '@forge/kvs';\nexport const x = kvs;\n",
    fires: ['boundaries/forge-api'],
  },
  {
    name: '@forge/resolver types in shared, type-only',
    file: 'src/shared/x.ts',
    code: "import type { Request } from '@forge/resolver';\nexport type X = Request;\n",
    fires: ['boundaries/forge-api'],
  },
  {
    name: '@forge/api in the Forge entry points is allowed',
    file: 'src/forge/x.ts',
    code: "import { route } from '@forge/api';\nexport const x = route;\n",
    fires: [],
  },
  {
    name: '@forge/kvs in the Forge composition root is allowed',
    file: 'src/forge/forge-app.ts',
    code: "import { kvs } from '@forge/kvs';\nexport const x = kvs;\n",
    fires: [],
  },
  {
    name: '@forge/kvs in the KVS adapters is allowed',
    file: 'src/storage/kvs-port.ts',
    code: "import type { kvs } from '@forge/kvs';\nexport type X = typeof kvs;\n",
    fires: [],
  },
  {
    name: '@forge/kvs in the audit log is allowed',
    file: 'src/sync/audit-log.ts',
    code: "import { Sort } from '@forge/kvs';\nexport const x = Sort;\n",
    fires: [],
  },
  {
    name: 'bench -> test',
    file: 'bench/x.ts',
    code: "import { y } from '../test/support/sync-state';\nexport const x = y;\n",
    fires: ['boundaries/no-test-imports'],
  },
  {
    name: 'bench -> src is allowed',
    file: 'bench/x.ts',
    code: "import { y } from '../src/sync/y';\nexport const x = y;\n",
    fires: [],
  },
  {
    name: 'src -> test, type-only',
    file: 'src/sync/x.ts',
    code: "import type { Y } from '../../test/support/y';\nexport type X = Y;\n",
    fires: ['boundaries/no-test-imports'],
  },
  {
    name: 'src -> bench',
    file: 'src/sync/x.ts',
    code: "import { y } from '../../bench/local-kvs';\nexport const x = y;\n",
    fires: ['boundaries/no-tooling-imports'],
  },
  {
    name: 'src -> emulators',
    file: 'src/sync/x.ts',
    code: "export { y } from '../../emulators';\n",
    fires: ['boundaries/no-tooling-imports'],
  },
  {
    name: 'the local host -> emulators is allowed',
    file: 'src/local/x.ts',
    code: "export { y } from '../../emulators';\n",
    fires: [],
  },
  {
    name: 'the local host -> bench',
    file: 'src/local/x.ts',
    code: "export { y } from '../../bench/forge-rig';\n",
    fires: ['boundaries/no-tooling-imports'],
  },
  {
    name: '@forge/kvs in the app composition is not allowed',
    file: 'src/app/x.ts',
    code: "import { kvs } from '@forge/kvs';\nexport const x = kvs;\n",
    fires: ['boundaries/forge-api'],
  },
  {
    name: 'the admin page -> src/sync',
    file: 'static/admin/src/sections/x.tsx',
    code: "import type { Y } from '../../../../src/sync/settings';\nexport type X = Y;\n",
    fires: ['boundaries/folder-rank'],
  },
  {
    name: 'the admin page -> src/shared is allowed',
    file: 'static/admin/src/sections/x.tsx',
    code: "import type { Y } from '../../../../src/shared/settings-types';\nexport type X = Y;\n",
    fires: [],
  },
  {
    name: 'a dynamic import in src',
    file: 'src/sync/x.ts',
    code: "export const x = () => import('./y');\n",
    fires: ['boundaries/static-imports'],
  },
  {
    name: 'require() in src',
    file: 'src/sync/x.ts',
    code: "export const x = () => require('./y');\n",
    fires: ['boundaries/static-imports'],
  },
  {
    name: 'a dynamic import in test is allowed',
    file: 'test/x.test.ts',
    code: "export const x = () => import('./y');\n",
    fires: [],
  },
  {
    name: 'the SCIM core stays pure (node:http)',
    file: 'src/scim/x.ts',
    code: "import http from 'node:http';\nexport const x = http;\n",
    fires: ['no-restricted-imports'],
  },
  {
    name: 'jest.mock stays banned',
    file: 'test/x.test.ts',
    code: "jest.mock('./y');\n",
    fires: ['no-restricted-syntax'],
  },
  {
    name: 'type imports stay marked',
    file: 'test/x.test.ts',
    code: "import { Y } from './y';\nexport type X = Y;\n",
    fires: ['@typescript-eslint/consistent-type-imports'],
  },
];

describe('the boundary rules of eslint.config.cjs', () => {
  it('is the only ESLint config file, so the command line uses the config these tests load', () => {
    expect(readdirSync(REPO_ROOT).filter((name) => name.startsWith('eslint.config.'))).toEqual(['eslint.config.cjs']);
  });

  it.each(RANK_CASES)('folder rank: $name', async ({ file, code, fires }) => {
    expect(await firedRules(file, code)).toEqual(fires);
  });

  it.each(OTHER_CASES)('$name', async ({ file, code, fires }) => {
    expect(await firedRules(file, code)).toEqual(fires);
  });

  it('gives every folder of src/ below the top rank a rule: each may not import src/local', async () => {
    const folders = readdirSync(path.join(REPO_ROOT, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'local')
      .map((entry) => entry.name);
    expect(folders.length).toBeGreaterThan(10);
    const unguarded: string[] = [];
    for (const folder of folders) {
      const fired = await firedRules(`src/${folder}/x.ts`, "import { y } from '../local/y';\nexport const x = y;\n");
      if (!fired.includes(RANK)) unguarded.push(folder);
    }
    expect(unguarded).toEqual([]);
  });

  it('names the rule in its message', async () => {
    const [rankZero] = await lint(
      'src/directory/x.ts',
      "import type { Filter } from '../scim/filter/ast';\nexport type X = Filter;\n",
    );
    expect(rankZero?.message).toContain('src/directory is rank 0: it imports nothing from src outside itself');
    const [rankFour] = await lint('src/sync/x.ts', "import { y } from '../review/y';\nexport const x = y;\n");
    expect(rankFour?.message).toContain('src/sync is rank 4: it imports only from itself and lower ranks');
    expect(rankFour?.message).toContain('not src/review (rank 5)');
  });
});
