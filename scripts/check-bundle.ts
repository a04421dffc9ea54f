/**
 * Bundles src/index.ts the way Forge packages a function (every dependency inlined, Node 22, minified),
 * prints the size and the largest inputs, and fails when code that only the local host or the tests need
 * has leaked into the bundle. Run with `npx tsx scripts/check-bundle.ts`.
 */
import { build } from 'esbuild';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

/** One file that went into the bundle, with the bytes it contributes after minification. */
export interface BundleInput {
  readonly path: string;
  readonly bytesInOutput: number;
}

/** What one bundling run measured. */
export interface BundleReport {
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Every input esbuild reached, largest contribution first. */
  readonly inputs: readonly BundleInput[];
  /** Inputs that must not ship in the Forge function. */
  readonly forbidden: readonly string[];
  readonly warnings: readonly string[];
}

/** Where to bundle from; the defaults are this repository and the entry Forge loads. */
export interface CheckBundleOptions {
  readonly root?: string;
  readonly entry?: string;
}

// Paths are relative to the root, with '/' separators, as esbuild's metafile writes them. Packages are
// matched at any depth of node_modules so that a copy nested under another package counts too.
// The admin page (static/, React, Atlaskit, the browser bridge) is a Custom UI resource, never function code.
const FORBIDDEN_PATTERNS: readonly RegExp[] = [
  /^(src\/local|emulators|test|rigs|bench|scripts|static)\//,
  /(^|\/)node_modules\/(tsx|esbuild|@esbuild|newman|jest|jest-[^/]+|@jest|ts-jest|fast-check|ajv|ajv-formats|yaml|typescript|@forge\/lint)\//,
  /(^|\/)node_modules\/(react|react-dom|scheduler|@atlaskit\/[^/]+|@compiled\/[^/]+|@emotion\/[^/]+|@forge\/bridge|vite|rolldown|@rolldown\/[^/]+|@vitejs\/[^/]+|playwright-core|axe-core)\//,
];

/** Returns the inputs that only the local host, the tests or the tooling need. */
export function forbiddenInputs(paths: readonly string[]): string[] {
  return paths.filter((input) => FORBIDDEN_PATTERNS.some((pattern) => pattern.test(input.replace(/\\/g, '/'))));
}

/** Bundles the Forge entry in memory and measures it; it writes nothing to disk. */
export async function checkBundle(options: CheckBundleOptions = {}): Promise<BundleReport> {
  const root = options.root ?? path.resolve(__dirname, '..');
  const result = await build({
    absWorkingDir: root,
    entryPoints: [options.entry ?? 'src/index.ts'],
    outfile: 'bundle/index.js',
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles.find((file) => file.path.endsWith('.js'));
  if (output === undefined) throw new Error('esbuild produced no JavaScript output');
  const contributions = Object.values(result.metafile.outputs)[0]?.inputs ?? {};
  const inputs = Object.keys(result.metafile.inputs)
    .map((input) => ({ path: input, bytesInOutput: contributions[input]?.bytesInOutput ?? 0 }))
    .sort((a, b) => b.bytesInOutput - a.bytesInOutput || a.path.localeCompare(b.path));
  return {
    bytes: output.contents.byteLength,
    gzipBytes: gzipSync(output.contents).byteLength,
    inputs,
    forbidden: forbiddenInputs(inputs.map((input) => input.path)),
    warnings: result.warnings.map((warning) => `${warning.location?.file ?? ''}: ${warning.text}`),
  };
}

/** Sums the inputs per npm package (or per source folder), largest first. */
export function sizeByPackage(inputs: readonly BundleInput[]): { name: string; bytesInOutput: number }[] {
  const totals = new Map<string, number>();
  for (const input of inputs) {
    const name = packageOf(input.path);
    totals.set(name, (totals.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...totals]
    .map(([name, bytesInOutput]) => ({ name, bytesInOutput }))
    .sort((a, b) => b.bytesInOutput - a.bytesInOutput);
}

/** Renders a report for a terminal. */
export function formatReport(report: BundleReport, top = 10): string {
  const lines = [
    `Forge bundle of src/index.ts: ${report.bytes} bytes minified, ${report.gzipBytes} bytes gzip, ${report.inputs.length} inputs`,
    '',
    'Largest inputs (bytes in output):',
    ...report.inputs.slice(0, top).map((input) => `  ${String(input.bytesInOutput).padStart(8)}  ${input.path}`),
    '',
    'By package or source folder:',
    ...sizeByPackage(report.inputs)
      .slice(0, top)
      .map((entry) => `  ${String(entry.bytesInOutput).padStart(8)}  ${entry.name}`),
  ];
  if (report.warnings.length > 0)
    lines.push('', 'esbuild warnings:', ...report.warnings.map((warning) => `  ${warning}`));
  if (report.forbidden.length > 0) {
    lines.push(
      '',
      'FAIL: inputs that only the local host, tests or tooling need:',
      ...report.forbidden.map((input) => `  ${input}`),
    );
  }
  return lines.join('\n');
}

function packageOf(input: string): string {
  const normalised = input.replace(/\\/g, '/');
  const match = /^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(normalised);
  if (match?.[1] !== undefined) return match[1];
  return path.posix.dirname(normalised);
}

async function main(): Promise<void> {
  const report = await checkBundle();
  console.log(formatReport(report));
  if (report.forbidden.length > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
