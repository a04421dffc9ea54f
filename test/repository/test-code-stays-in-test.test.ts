/**
 * Test code stays in test/: the app (src/), the benchmarks (bench/), the rigs both share (rigs/), the emulators and
 * the scripts import nothing from test/, so a benchmark runs without the test suite and the suite can change its
 * helpers freely. The rigs run under `tsx` as well as under Jest, so they use no Jest global; the emulators stand
 * for Atlassian's APIs and import nothing from the app.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../..');

/** The folders whose code must not import test/. */
const OUTSIDE_TEST = ['src', 'bench', 'rigs', 'emulators', 'scripts'];

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** Calls of the Jest globals a rig must not use (it also runs under tsx, where they do not exist). */
const JEST_GLOBAL = /(?<![\w.])(?:expect|describe|it|test|beforeEach|afterEach|beforeAll|afterAll)\(|(?<![\w.])jest\./;

/** `source` without its comments (roughly: enough that prose such as "it (the rig)" is not read as code). */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

function codeUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : codeUnder(full);
    return entry.isFile() && /\.(ts|tsx|mts|js|mjs)$/.test(entry.name) ? [full] : [];
  });
}

/** The relative specifiers in `source` (a file in `folder`) that resolve under the repository folder `target`. */
function importsInto(folder: string, source: string, target: string): string[] {
  const root = path.join(REPO_ROOT, target) + path.sep;
  return [...source.matchAll(SPECIFIER)]
    .map((match) => match[1] ?? '')
    .filter((specifier) => specifier.startsWith('.') && (path.resolve(folder, specifier) + path.sep).startsWith(root));
}

/** `file:specifier` for every import of a file under `folders` that reaches `target`. */
function offenders(folders: readonly string[], target: string): string[] {
  return folders
    .flatMap((folder) => codeUnder(path.join(REPO_ROOT, folder)))
    .flatMap((file) =>
      importsInto(path.dirname(file), readFileSync(file, 'utf8'), target).map(
        (specifier) => `${path.relative(REPO_ROOT, file)}: ${specifier}`,
      ),
    );
}

describe('test code stays in test/', () => {
  it(`nothing under ${OUTSIDE_TEST.join(', ')} imports from test/`, () => {
    expect(offenders(OUTSIDE_TEST, 'test')).toEqual([]);
  });

  it('the emulators import nothing from src/', () => {
    expect(offenders(['emulators'], 'src')).toEqual([]);
  });

  it('the rigs use no Jest global', () => {
    const uses = codeUnder(path.join(REPO_ROOT, 'rigs')).filter((file) =>
      JEST_GLOBAL.test(withoutComments(readFileSync(file, 'utf8'))),
    );
    expect(uses.map((file) => path.relative(REPO_ROOT, file))).toEqual([]);
  });

  it('catches each spelling of an import into test/, and lets a neighbouring folder pass', () => {
    const bench = path.join(REPO_ROOT, 'bench');
    const samples = [
      "import { seeded } from '../test/support/sync-state';",
      "import type { ReviewRig } from '../test/support/review-rig';",
      "export { emulatorFetch } from '../test/targets/support/emulator-fetch';",
      "const rig = await import('../test/support/review-rig');",
      "const { makeKvs } = require('../test/sync/local-kvs-fixture');",
      "import '../test/support/setup';",
    ];
    for (const sample of samples) expect(importsInto(bench, sample, 'test')).toHaveLength(1);
    expect(importsInto(bench, "import { reviewRig } from '../rigs/review-rig';", 'test')).toEqual([]);
    expect(importsInto(bench, "import { x } from '../testing/x';", 'test')).toEqual([]);
    expect(importsInto(bench, "import { x } from './test';", 'test')).toEqual([]);
    expect(JEST_GLOBAL.test('expect(created.status).toBe(201);')).toBe(true);
    expect(JEST_GLOBAL.test('const expected = 3;')).toBe(false);
    expect(
      JEST_GLOBAL.test(withoutComments('/** Tests change it (a deactivation). */\nconst x = 1; // expect(x)')),
    ).toBe(false);
  });
});
