/**
 * The repository stands alone: a clone with nothing beside it installs, starts and passes its tests. Only
 * `.ci/run` may look outside it (for third-party conformance material); the API descriptions the emulators
 * validate against are vendored in specs/ with their SHA-256 in specs/README.md.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../..');
const SPECS = path.join(REPO_ROOT, 'specs');

/** The folders whose files run or are read by what runs; none of them may reach outside the repository. */
const CHECKED_FOLDERS = ['src', 'test', 'rigs', 'emulators', 'bench', 'scripts'];

/** The folder beside the repository that only CI has, spelled so that this file does not name it itself. */
const OUTSIDE = ['..', 'shared'].join('/');
/** Relative paths through a folder named shared: fine when they name a file of the repository (src/shared/). */
const RELATIVE_SHARED = /((?:\.\.\/)+shared(?:\/[\w.\-/]*)?)/g;
/** `path.join('..', 'shared', …)`-style spellings, which never name src/shared/. */
const JOINED_SHARED = /['"]\.\.['"],\s*['"]shared['"]/;
const SOURCE_ENDINGS = ['', '.ts', '.tsx', '/index.ts'];

/** Whether `reference`, read relative to `folder`, names a file or folder inside the repository. */
function namesRepositoryFile(folder: string, reference: string): boolean {
  const resolved = path.resolve(folder, reference.replace(/\/$/, ''));
  if (!resolved.startsWith(REPO_ROOT + path.sep)) return false;
  return SOURCE_ENDINGS.some((ending) => existsSync(resolved + ending));
}

/** The references in `line` (of a file in `folder`) that reach the folder beside the repository. */
function outsideReferences(folder: string, line: string): string[] {
  const relative = [...line.matchAll(RELATIVE_SHARED)]
    .map((m) => m[1] ?? '')
    .filter((reference) => !namesRepositoryFile(folder, reference));
  return JOINED_SHARED.test(line) ? [...relative, 'joined path'] : relative;
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

/** `| \`file\` | \`sha256\` |` rows of the README's SHA-256 table. */
function recordedHashes(readme: string): Map<string, string> {
  const rows = [...readme.matchAll(/^\|\s*`([^`]+\.json)`\s*\|\s*`([0-9a-f]{64})`\s*\|\s*$/gm)];
  return new Map(rows.map((row): [string, string] => [row[1] ?? '', row[2] ?? '']));
}

describe('the repository stands alone', () => {
  it(`no file under ${CHECKED_FOLDERS.join(', ')} reads the folder beside the repository`, () => {
    const offenders = CHECKED_FOLDERS.flatMap((folder) => filesUnder(path.join(REPO_ROOT, folder)))
      // This file spells the forbidden forms in its own samples; every other file is read.
      .filter((file) => file !== __filename && statSync(file).size < 5_000_000)
      .flatMap((file) => {
        const lines = readFileSync(file, 'utf8').split('\n');
        return lines
          .map((line, index) => ({ line, index }))
          .filter(({ line }) => outsideReferences(path.dirname(file), line).length > 0)
          .map(({ line, index }) => `${path.relative(REPO_ROOT, file)}:${index + 1}: ${line.trim()}`);
      });
    expect(offenders).toEqual([]);
  });

  it('catches both spellings, and lets imports of src/shared/ pass', () => {
    const testFolder = path.join(REPO_ROOT, 'test', 'e2e');
    expect(
      outsideReferences(testFolder, `read(path.resolve(REPO_ROOT, '${OUTSIDE}/conformance/c.json'))`),
    ).toHaveLength(1);
    // Built from parts, so that this file does not hold the joined spelling itself.
    const joined = `path.resolve(__dirname, ${["'..'", "'shared'"].join(', ')}, ` + "'specs')";
    expect(outsideReferences(testFolder, joined)).toHaveLength(1);
    expect(outsideReferences(path.join(REPO_ROOT, 'src'), `'${OUTSIDE}/specs'`)).toHaveLength(1);
    expect(
      outsideReferences(path.join(REPO_ROOT, 'src', 'admin'), `import type { AdminApi } from '${OUTSIDE}/admin-api';`),
    ).toEqual([]);
  });
});

describe('vendored specs', () => {
  const readme = readFileSync(path.join(SPECS, 'README.md'), 'utf8');
  const recorded = recordedHashes(readme);
  const vendored = readdirSync(SPECS).filter((name) => name !== 'README.md');

  it('the README records a SHA-256 for every vendored file and for no other', () => {
    expect(vendored.length).toBeGreaterThanOrEqual(6);
    expect([...recorded.keys()].sort()).toEqual([...vendored].sort());
  });

  it.each(vendored)('%s has the SHA-256 its README records', (name) => {
    const actual = createHash('sha256')
      .update(readFileSync(path.join(SPECS, name)))
      .digest('hex');
    expect(actual).toBe(recorded.get(name));
  });

  it('each vendored file is named in the origin table with a repository and a 40-digit commit', () => {
    const missing = vendored.filter(
      (name) => !new RegExp(`^\\| \`${name.replace(/\./g, '\\.')}\` \\| \`[^@\`]+@[0-9a-f]{40}:`, 'm').test(readme),
    );
    expect(missing).toEqual([]);
  });
});
