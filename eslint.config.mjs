// ESLint flat config: TypeScript's recommended rules (syntax only, no type information, so the
// whole repo lints in seconds) plus the architecture of CONVENTIONS.md ("Layout") as rules, so
// that the folder graph stays what the document says it is.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import boundaries from 'eslint-plugin-boundaries';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;
const tsconfig = `${root}/tsconfig.json`;

// Who may import which library (through its `@flotilla/<name>` alias). A name missing from the
// left side imports nothing of ours; kube-sim and testing are for tests and benchmarks only.
const LIB_GRAPH = {
  domain: [],
  contracts: [],
  config: [],
  'event-store': [],
  tracing: [],
  projections: ['domain', 'event-store'],
  generators: ['domain'],
  kube: ['domain'],
  // The fake Kubernetes API server speaks the agent protocol and the Kubernetes wire shapes.
  'kube-sim': ['domain', 'contracts', 'kube'],
  // Runs the migrations in the top-level migrations/ folder (see the migrations element below).
  database: [],
  // Cluster inventory services shared by hub and worker: commands, heartbeats, sweeps.
  inventory: ['domain', 'event-store', 'projections', 'contracts'],
  // ApplicationSets against the fleet (generation inputs, tenant checks, plans): hub and worker.
  appsets: ['domain', 'event-store', 'projections', 'generators', 'git'],
  // Encryption of secrets at rest (kubeconfigs, Git credentials); node:crypto only.
  secrets: [],
  // Git mirrors, repository URLs and credentials, push webhooks (hub, worker, and the CLI's
  // local repositories share its tree reading).
  git: ['domain', 'generators', 'secrets'],
  // Rendering Application sources (directories, Helm, Kustomize) into content-addressed bundles;
  // reads Git through the generators' GitSource (git: its tests read real repositories).
  render: ['domain', 'generators', 'git', 'kube'],
  // Desired state, long-poll wake-ups and status recording of the agent protocol (hub and worker).
  delivery: ['domain', 'event-store', 'projections', 'contracts'],
  // Notification rules matched against the log, endpoint checks, signing, payloads, sending.
  notifications: ['domain', 'event-store', 'projections', 'secrets'],
  // Rollouts: observing an ApplicationSet's targets, starting, advancing and commanding Rollouts.
  rollouts: ['domain', 'event-store', 'projections', 'database'],
  // Prometheus metrics over prom-client: the catalogue of names, per-app registries, /metrics.
  metrics: [],
};
const APP_GRAPH = {
  hub: [
    'domain',
    'event-store',
    'projections',
    'generators',
    'contracts',
    'config',
    'kube',
    'database',
    'inventory',
    'secrets',
    'git',
    'appsets',
    'delivery',
    'notifications',
    'rollouts',
    'tracing',
    'metrics',
  ],
  worker: [
    'domain',
    'event-store',
    'projections',
    'generators',
    'contracts',
    'config',
    'kube',
    'database',
    'inventory',
    'secrets',
    'git',
    'appsets',
    'render',
    'delivery',
    'notifications',
    'rollouts',
    'tracing',
    'metrics',
  ],
  agent: ['contracts', 'config', 'kube', 'tracing', 'metrics'],
  cli: ['contracts', 'config', 'generators', 'git'],
};
const TEST_FILES = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**'];
// Libraries that only tests, benchmarks and the demo may use.
const TEST_ONLY_LIBS = ['testing', 'kube-sim'];

const lib = (names) => ({ element: { type: 'lib', captured: { name: names } } });
const app = (names) => ({ element: { type: 'app', captured: { name: names } } });
/** Allows importing the given libraries, but only through their alias (never `../../x/src/y`). */
const viaAlias = (to) => ({ to, dependency: { source: '@flotilla/*' } });

// Policies are read top to bottom and the last one that matches a dependency decides it.
const policies = [
  ...Object.entries(LIB_GRAPH)
    .filter(([, deps]) => deps.length > 0)
    .map(([name, deps]) => ({ from: lib(name), allow: viaAlias(lib(deps)) })),
  ...Object.entries(APP_GRAPH).map(([name, deps]) => ({
    from: app(name),
    allow: viaAlias(lib(deps)),
  })),
  { from: lib('database'), allow: { to: { element: { type: 'migrations' } } } },
  {
    from: { element: { type: '*' } },
    disallow: { to: lib(TEST_ONLY_LIBS) },
    message: '@flotilla/{{ to.element.captured.name }} is for tests, benchmarks and the demo only.',
  },
  // Tests (beside the code or under test/) may use the test-only libraries and open connections
  // to their own database; the e2e suite boots the apps themselves.
  { from: { file: { categories: 'test' } }, allow: viaAlias(lib([...TEST_ONLY_LIBS, 'database'])) },
  {
    from: { element: { type: 'e2e' } },
    allow: [viaAlias({ element: { type: 'lib' } }), { to: app('*') }],
  },
  // libs/testing may import anything (it builds apps and databases for tests).
  {
    from: lib('testing'),
    allow: [
      viaAlias({ element: { type: 'lib' } }),
      { to: { element: { type: ['app', 'migrations'] } } },
    ],
  },
  // Benchmarks measure the apps as they run, so they may start them (like the tests do), and
  // the simulated fleet of scripts/fleet.ts (the demo's).
  {
    from: { element: { type: 'bench' } },
    allow: [
      viaAlias({ element: { type: 'lib' } }),
      { to: app('*') },
      { to: { element: { type: 'scripts' } } },
    ],
  },
  // Tooling scripts (print-schema, the demo) drive the whole system from outside.
  {
    from: { element: { type: 'scripts' } },
    allow: [viaAlias({ element: { type: 'lib' } }), { to: app('*') }],
  },
  // The structural rules: these override every allowance above.
  {
    from: { element: { type: ['lib', 'migrations'] } },
    disallow: { to: { element: { type: 'app' } } },
    message: 'A library never imports an app: move the shared code into a lib.',
  },
  {
    from: app('*'),
    disallow: { to: app('!{{ from.element.captured.name }}') },
    message: 'An app never imports another app: share code through a lib in libs/.',
  },
  {
    from: { element: { type: ['app', 'lib', 'bench', 'e2e', 'scripts'] } },
    disallow: { to: { element: { type: 'lib' } }, dependency: { source: '!@flotilla/*' } },
    message:
      'Import another library only through its alias, `@flotilla/{{ to.element.captured.name }}` (its src/index.ts).',
  },
  // Benchmarks drive the same in-memory fixtures as the tests (`libs/*/src/*.fixture.ts`).
  {
    from: { element: { type: 'bench' } },
    allow: { to: { element: { type: 'lib' }, file: { categories: 'fixture' } } },
  },
  // Jest loads globalSetup without its moduleNameMapper, so the aliases do not resolve there.
  {
    from: { file: { path: '**/libs/testing/src/global-setup.ts' } },
    allow: { to: { element: { type: 'lib' } } },
  },
];

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
  },
  {
    // The few plain JavaScript files (scripts, jest.config.js, bin/) run on Node.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'require',
          'module',
          'exports',
          '__dirname',
          '__filename',
          'Buffer',
          'URL',
        ]
          .concat([
            'setTimeout',
            'clearTimeout',
            'setInterval',
            'clearInterval',
            'AbortSignal',
            'fetch',
          ])
          .map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX, boundaries },
    settings: {
      // import-x reads only files with these extensions when it follows imports (no-cycle).
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: tsconfig })],
      // eslint-plugin-boundaries resolves through eslint-module-utils (the legacy resolver API).
      'import/resolver': { typescript: { project: tsconfig } },
      'boundaries/root-path': root,
      'boundaries/elements': [
        { type: 'app', pattern: 'apps/*', partialMatch: false, capture: ['name'] },
        { type: 'lib', pattern: 'libs/*', partialMatch: false, capture: ['name'] },
        { type: 'migrations', pattern: 'migrations', partialMatch: false },
        { type: 'bench', pattern: 'bench', partialMatch: false },
        { type: 'e2e', pattern: 'test', partialMatch: false },
        { type: 'scripts', pattern: 'scripts', partialMatch: false },
      ],
      'boundaries/files': [
        { category: 'test', pattern: TEST_FILES },
        { category: 'fixture', pattern: 'libs/*/src/**/*.fixture.ts' },
      ],
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies }],
      // A file that belongs to no element is a new top-level folder nobody placed in the graph.
      'boundaries/no-unknown-files': 'error',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@flotilla/[^/]+/',
              message: 'Import a library through its index only: `@flotilla/<name>`.',
            },
          ],
        },
      ],
      // Unused parameters that start with _ are deliberate (interface conformance).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Migrations are plain SQL behind TypeORM's interface: nothing of ours, no other package.
    files: ['migrations/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!typeorm$)(?!\\.\\.?/)',
              message:
                'Migrations import only `typeorm` (and each other): they must stay replayable.',
            },
          ],
        },
      ],
    },
  },
);
