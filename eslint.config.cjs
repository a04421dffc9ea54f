/**
 * ESLint for the whole repository, and the boundary rules of issue 15 that make src/'s dependency direction true.
 * CommonJS so that test/repository/boundary-rules.test.ts can `require` this very file (Jest cannot `import()` an
 * ES module config).
 */
const js = require('@eslint/js');
const reactHooks = require('eslint-plugin-react-hooks');
const tseslint = require('typescript-eslint');

/**
 * The rank of each top-level folder of src/ (issue 15; README.md § Layout): a folder imports only from itself and
 * from folders of lower rank, type-only imports and `export … from` included. `src/index.ts` may import anything.
 */
const FOLDER_RANKS = {
  shared: 0, // the admin page's data types
  directory: 0, // the directory port and its own record types
  targets: 0, // Admin API, Bitbucket and Google clients
  lang: 0, // helpers of the language itself, that know nothing of the app (withOverrides)
  scim: 1, // the pure SCIM protocol core
  storage: 2, // the KVS port module, the KVS directory store, the local KVS
  auth: 3,
  sync: 4,
  sources: 5,
  review: 5,
  admin: 6, // the admin resolvers: one guard, one failure mapping
  diagnostics: 7,
  app: 8, // composition roots
  forge: 9, // Forge entry points
  local: 10, // the local host
};

/** Where the ranks are explained, for the messages. */
const RANKS_DOC = 'ranks: README.md § Layout';

/** Files that may import `@forge/*`: those that did when issue 15 drew the boundaries; do not add to it lightly. */
const FORGE_API_ALLOWED = [
  'src/forge/**', // the Forge entry points and the Forge composition root (forge-app.ts)
  'src/storage/**', // the KVS adapters (@forge/kvs) and the local KVS built on its client
  'src/admin/**', // resolver handlers, typed by @forge/resolver
  'src/diagnostics/diagnostics-handlers.ts', // resolver handlers, typed by @forge/resolver
  'src/diagnostics/checks/kvs-conditions-check.ts', // checks @forge/kvs query conditions against the live KVS
  'src/auth/auth-failures.ts', // @forge/kvs query conditions
  'src/sync/dispatcher.ts', // @forge/kvs query conditions
  'src/sync/audit-log.ts', // @forge/kvs query conditions
  'src/local/forge-runtime/**', // the local Forge runtime: Forge's own errors and validators
  'src/local/admin-bridge.ts', // serves the resolver handlers to the local admin page
];

/** Files that may touch the file system: the local host and the local KVS adapter only it uses. */
const NODE_FS_ALLOWED = ['src/local/**', 'src/storage/local-kvs/**'];

/** A `no-restricted-imports` pattern for relative imports that climb into `folder` (a top-level folder name). */
function climbsInto(folder, message) {
  // No subfolder of src/ shares a top-level folder's name, so any number of `../` before it names the top level.
  return { regex: `^(\\.\\./)+${folder}(/|$)`, message };
}

/** The message of `folder`'s rank rule, for an import of `other`. */
function rankMessage(folder, other) {
  const rank = FOLDER_RANKS[folder];
  if (rank === 0) return `src/${folder} is rank 0: it imports nothing from src outside itself (${RANKS_DOC}).`;
  const lower = Object.keys(FOLDER_RANKS)
    .filter((name) => FOLDER_RANKS[name] < rank)
    .map((name) => `src/${name}`);
  return (
    `src/${folder} is rank ${rank}: it imports only from itself and lower ranks (${lower.join(', ')}), ` +
    `not src/${other} (rank ${FOLDER_RANKS[other]}) (${RANKS_DOC}).`
  );
}

/** One config per ranked folder: imports of folders of equal or higher rank are errors. */
function folderRankConfigs() {
  return Object.keys(FOLDER_RANKS).flatMap((folder) => {
    const others = Object.keys(FOLDER_RANKS).filter(
      (other) => other !== folder && FOLDER_RANKS[other] >= FOLDER_RANKS[folder],
    );
    if (others.length === 0) return []; // the highest rank may import every other folder
    return [
      {
        files: [`src/${folder}/**/*.ts`],
        rules: {
          'boundaries/folder-rank': [
            'error',
            { patterns: others.map((other) => climbsInto(other, rankMessage(folder, other))) },
          ],
        },
      },
    ];
  });
}

/** Every import in src/ is static, so that the boundary rules (and the cycle test) see each edge. */
const staticImportsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow import() and require() in src/: the boundary rules only see static imports.' },
    schema: [],
    messages: {
      dynamic:
        'src/ imports statically (no import() or require()), so that the boundary rules of eslint.config.cjs see every edge.',
    },
  },
  create(context) {
    return {
      ImportExpression(node) {
        context.report({ node, messageId: 'dynamic' });
      },
      "CallExpression[callee.type='Identifier'][callee.name='require']"(node) {
        context.report({ node, messageId: 'dynamic' });
      },
    };
  },
};

/**
 * The boundary rules. Each restriction rule is typescript-eslint's `no-restricted-imports` (which sees `import type`,
 * `export … from` and `import x = require()`) under its own name, so that each boundary has its own rule and
 * options, and one file can be under several of them.
 */
const restrictedImports = tseslint.plugin.rules['no-restricted-imports'];
const boundaries = {
  meta: { name: 'boundaries' },
  rules: {
    'folder-rank': restrictedImports,
    'forge-api': restrictedImports,
    'node-fs': restrictedImports,
    'no-test-imports': restrictedImports,
    'no-tooling-imports': restrictedImports,
    'static-imports': staticImportsRule,
  },
};

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'static/**/dist/', 'coverage/', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='jest'][callee.property.name='mock']",
          message: 'Prefer injected fakes over jest.mock.',
        },
      ],
    },
  },
  {
    // This file.
    files: ['eslint.config.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The admin page (React): the rules of hooks, and effects that name what they read.
    files: ['static/admin/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    files: ['src/scim/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@forge/*', 'node:http', 'http', 'node:fs', 'fs', 'node:net'] }],
    },
  },
  // The boundaries of issue 15.
  { files: ['src/**/*.ts', 'bench/**/*.ts', 'static/admin/src/**/*.{ts,tsx}'], plugins: { boundaries } },
  ...folderRankConfigs(),
  {
    files: ['src/**/*.ts'],
    ignores: FORGE_API_ALLOWED,
    rules: {
      'boundaries/forge-api': [
        'error',
        {
          patterns: [
            {
              group: ['@forge/*'],
              message:
                '@forge/* only in the Forge entry points, the Forge composition root and the production adapters (FORGE_API_ALLOWED in eslint.config.cjs).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: NODE_FS_ALLOWED,
    rules: {
      'boundaries/node-fs': [
        'error',
        {
          patterns: [
            {
              regex: '^(node:)?fs(/|$)',
              message:
                'node:fs only in the local host: src/local/** and src/storage/local-kvs/** (issue 15); take what a file holds as a parameter instead.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'boundaries/no-test-imports': [
        'error',
        {
          patterns: [
            climbsInto('test', 'src/ and bench/ do not import test/: move what both need into src/ (or bench/).'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'boundaries/no-tooling-imports': [
        'error',
        {
          patterns: [
            climbsInto('bench', 'src/ does not import bench/: benchmarks import the app, not the other way round.'),
            climbsInto(
              'emulators',
              'src/ does not import emulators/ (only the local host, src/local, starts them): the emulators stand in for Atlassian and Google, outside the app.',
            ),
          ],
        },
      ],
      'boundaries/static-imports': 'error',
    },
  },
  {
    // The admin page (React, bundled for the browser) shares only data types with the app: src/shared owns them.
    files: ['static/admin/src/**/*.{ts,tsx}'],
    rules: {
      'boundaries/folder-rank': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+src/(?!shared/)',
              message:
                'The admin page imports from src/ only src/shared, which owns the data types it shares with the app (README.md § Layout).',
            },
          ],
        },
      ],
    },
  },
  {
    // The local host runs the emulators beside the app when no real credentials are given (README, Run it locally).
    files: ['src/local/**/*.ts'],
    rules: {
      'boundaries/no-tooling-imports': [
        'error',
        {
          patterns: [
            climbsInto('bench', 'src/ does not import bench/: benchmarks import the app, not the other way round.'),
          ],
        },
      ],
    },
  },
);
