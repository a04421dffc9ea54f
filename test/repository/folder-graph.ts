/**
 * The import graph between the top-level folders of a source tree, and its cycles (issue 15: no cycle between the
 * folders of src/). Imports are read with the TypeScript parser, so `import type`, `export … from`,
 * `import x = require()`, `import('…')` and `import('…').Type` are all seen.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One import from a file of one top-level folder into another top-level folder. */
export interface FolderEdge {
  readonly from: string;
  readonly to: string;
  /** The importing file, relative to the walked directory. */
  readonly file: string;
  readonly specifier: string;
}

/** A set of folders that import each other: one shortest cycle through them, and every edge among them. */
export interface FolderCycle {
  /** A closed path, first folder repeated last, e.g. `['app', 'forge', 'app']`. */
  readonly path: readonly string[];
  readonly edges: readonly FolderEdge[];
}

/** The .ts/.tsx files under `directory`, recursively. */
function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Every module specifier `source` names: static, type-only, re-export, import-equals, dynamic, import types. */
export function moduleSpecifiers(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(
    fileName,
    source,
    ts.ScriptTarget.Latest,
    false,
    fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const found: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      literal(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      literal(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The top-level folder of a path relative to the walked directory; a module at its root is named by its file stem. */
function topLevel(relative: string): string {
  const [first = '', ...rest] = relative.split(path.sep);
  if (rest.length > 0) return first;
  return first === '' ? 'index' : first.replace(/\.tsx?$/, '');
}

/** The imports of files under `root` that go from one top-level folder of `root` into another. */
export function folderEdges(root: string): FolderEdge[] {
  return sourceFiles(root).flatMap((full) => {
    const file = path.relative(root, full);
    const from = topLevel(file);
    return moduleSpecifiers(full, readFileSync(full, 'utf8'))
      .filter((specifier) => specifier.startsWith('.'))
      .flatMap((specifier) => {
        const target = path.relative(root, path.resolve(path.dirname(full), specifier));
        if (target.startsWith('..') || path.isAbsolute(target)) return []; // outside the walked tree
        const to = topLevel(target);
        return to === from ? [] : [{ from, to, file: file.split(path.sep).join('/'), specifier }];
      });
  });
}

/** The strongly connected components of the folder graph (Tarjan), each as a sorted list of folders. */
function components(nodes: readonly string[], next: (node: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const other of next(node)) {
      if (!index.has(other)) {
        connect(other);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(other) ?? 0));
      } else if (onStack.has(other)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(other) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    result.push(component.sort());
  };
  for (const node of nodes) if (!index.has(node)) connect(node);
  return result;
}

/** A shortest closed path from `start` back to itself, moving only inside `members` (breadth first). */
function shortestCycle(
  start: string,
  members: ReadonlySet<string>,
  next: (node: string) => readonly string[],
): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head] ?? start;
    for (const other of next(node)) {
      if (!members.has(other)) continue;
      if (other === start) {
        const trail = [node];
        while (trail[0] !== start) trail.unshift(cameFrom.get(trail[0] ?? start) ?? start);
        return [...trail, start];
      }
      if (!cameFrom.has(other)) {
        cameFrom.set(other, node);
        queue.push(other);
      }
    }
  }
  return [start];
}

/** The cycles between folders that `edges` make: one entry per set of folders that reach each other. */
export function folderCycles(edges: readonly FolderEdge[]): FolderCycle[] {
  const targets = new Map<string, string[]>();
  for (const { from, to } of edges) {
    const list = targets.get(from) ?? [];
    if (!list.includes(to)) list.push(to);
    targets.set(from, list.sort());
  }
  const next = (node: string): readonly string[] => targets.get(node) ?? [];
  const nodes = [...new Set(edges.flatMap(({ from, to }) => [from, to]))].sort();
  return components(nodes, next)
    .filter((component) => component.length > 1)
    .map((component) => {
      const members = new Set(component);
      const start = component[0] ?? '';
      return {
        path: shortestCycle(start, members, next),
        edges: edges.filter(({ from, to }) => members.has(from) && members.has(to)),
      };
    })
    .sort((a, b) => (a.path[0] ?? '').localeCompare(b.path[0] ?? ''));
}

/** A cycle as readable lines: the closed path, then each edge among its folders with the file and specifier. */
export function describeCycle(cycle: FolderCycle): string {
  const edges = cycle.edges.map(
    ({ from, to, file, specifier }) => `  ${from} -> ${to}: ${file} imports '${specifier}'`,
  );
  return [cycle.path.join(' -> '), ...edges].join('\n');
}
