import { checkBundle, forbiddenInputs, formatReport } from '../../scripts/check-bundle';

describe('forbiddenInputs', () => {
  it('flags code of the local host, emulators, tests, benchmarks and test-only packages', () => {
    const paths = [
      'src/local/server.ts',
      'emulators/admin-api.ts',
      'test/forge/fixtures/leaky-entry.ts',
      'bench/scim-cycle.ts',
      'rigs/review-rig.ts',
      'node_modules/yaml/dist/index.js',
      'node_modules/ajv/dist/ajv.js',
      'node_modules/typescript/lib/typescript.js',
      'node_modules/@forge/kvs/node_modules/fast-check/lib/index.js',
      'node_modules/jest-util/build/index.js',
      'static/admin/src/main.tsx',
      'node_modules/react/index.js',
      'node_modules/react-dom/client.js',
      'node_modules/@atlaskit/button/dist/esm/index.js',
      'node_modules/@forge/bridge/out/index.js',
      'node_modules/vite/dist/node/index.js',
      'node_modules/playwright-core/index.js',
      'node_modules/axe-core/axe.min.js',
    ];
    expect(forbiddenInputs(paths)).toEqual(paths);
  });

  it('allows the app and its runtime dependencies', () => {
    const paths = [
      'src/index.ts',
      'src/forge/index.ts',
      'src/localisation/x.ts',
      'node_modules/@forge/api/out/index.js',
      'node_modules/yaml-like/index.js',
      'node_modules/tslib/tslib.es6.mjs',
    ];
    expect(forbiddenInputs(paths)).toEqual([]);
  });
});

describe('checkBundle', () => {
  it('bundles the Forge entry without local-only or test-only code', async () => {
    const report = await checkBundle();
    if (report.forbidden.length > 0) console.error(formatReport(report));
    expect(report.forbidden).toEqual([]);
    expect(report.inputs.map((input) => input.path)).toContain('src/forge/index.ts');
    expect(report.bytes).toBeGreaterThan(0);
    expect(report.gzipBytes).toBeLessThan(report.bytes);
  });

  it('catches an entry that pulls in a test-only package', async () => {
    const report = await checkBundle({ entry: 'test/forge/fixtures/leaky-entry.ts' });
    expect(report.forbidden).toContain('test/forge/fixtures/leaky-entry.ts');
    expect(report.forbidden.some((input) => input.startsWith('node_modules/yaml/'))).toBe(true);
  });
});
