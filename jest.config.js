// One Jest run for unit (*.spec.ts) and integration (*.int-spec.ts, test/e2e) tests.
// Path aliases come from tsconfig.json so Jest, tsc and the apps resolve them the same way.
const { compilerOptions } = require('./tsconfig.json');
const fs = require('node:fs');

const swcConfig = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcConfig.$schema;

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace('/', '\\/')}$`] = `<rootDir>/${target}`;
}

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { ...swcConfig, swcrc: false }] },
  // @kubernetes/client-node and a few of its dependencies ship ESM only; Jest's module loader
  // needs CommonJS, so swc transforms them like our own code (openid-client's nested jose 6
  // too, but not the top-level jose 5, which is CommonJS already).
  transformIgnorePatterns: [
    '^(?!.*/node_modules/openid-client/node_modules/jose/).*/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi)/)',
  ],
  moduleNameMapper,
  setupFiles: ['reflect-metadata'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      // Migrates a template database once; each test file clones its own from it.
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
    },
  ],
};
