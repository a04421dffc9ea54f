/**
 * No cycle between the top-level folders of src/ (issue 15): the walker of folder-graph.ts reads every import of
 * every file, and first proves on a fixture tree with a planted cycle that it finds one.
 */
import path from 'node:path';
import { describeCycle, folderCycles, folderEdges, moduleSpecifiers } from './folder-graph';

const REPO_ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(__dirname, 'fixtures', 'folder-cycle', 'src');

describe('the folder graph walker', () => {
  it('reads every form of import: static, type-only, re-export, import-equals, dynamic, require, import type', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "export { c } from './c';",
      "export * from './d';",
      "import e = require('./e');",
      "const f = import('./f');",
      "const g = require('./g');",
      "type H = import('./h').H;",
      'const notAnImport = \'import x from "./z"\';',
    ].join('\n');
    expect(moduleSpecifiers('x.ts', source)).toEqual(['./a', './b', './c', './d', './e', './f', './g', './h']);
  });

  it('finds the edges between top-level folders of the fixture, and none inside a folder', () => {
    const edges = folderEdges(FIXTURE).map(({ from, to, file }) => `${from} -> ${to} (${file})`);
    expect(edges.sort()).toEqual(
      [
        'alpha -> beta (alpha/alpha.ts)',
        'beta -> gamma (beta/beta.ts)',
        'delta -> alpha (delta/delta.ts)',
        'gamma -> alpha (gamma/gamma.ts)',
        'index -> delta (index.ts)',
      ].sort(),
    );
  });

  it('reports the planted cycle, with the file behind each edge, and nothing outside it', () => {
    const cycles = folderCycles(folderEdges(FIXTURE));
    expect(cycles.map(describeCycle)).toEqual([
      [
        'alpha -> beta -> gamma -> alpha',
        "  alpha -> beta: alpha/alpha.ts imports '../beta/beta'",
        "  beta -> gamma: beta/beta.ts imports '../gamma/gamma'",
        "  gamma -> alpha: gamma/gamma.ts imports '../alpha/alpha'",
      ].join('\n'),
    ]);
  });

  it('reports nothing once the edge that closes the cycle is gone', () => {
    const edges = folderEdges(FIXTURE).filter(({ from }) => from !== 'gamma');
    expect(edges.length).toBeGreaterThan(0);
    expect(folderCycles(edges)).toEqual([]);
  });

  it('reports two separate cycles separately', () => {
    const edge = (from: string, to: string) => ({ from, to, file: `${from}/x.ts`, specifier: `../${to}/x` });
    const cycles = folderCycles([
      edge('a', 'b'),
      edge('b', 'a'),
      edge('b', 'c'),
      edge('c', 'd'),
      edge('d', 'e'),
      edge('e', 'c'),
    ]);
    expect(cycles.map(({ path: closed }) => closed.join(' -> '))).toEqual(['a -> b -> a', 'c -> d -> e -> c']);
  });
});

describe('src/', () => {
  it('has no cycle between its top-level folders', () => {
    const edges = folderEdges(path.join(REPO_ROOT, 'src'));
    expect(new Set(edges.map(({ from }) => from)).size).toBeGreaterThan(5); // the walk saw the tree
    expect(folderCycles(edges).map(describeCycle)).toEqual([]);
  });
});
