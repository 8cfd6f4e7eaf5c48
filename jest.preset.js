// Shared jest configuration: every project's jest.config.js spreads this and sets rootDir.
// TypeScript is compiled by swc (type checking is the separate `typecheck` target), and the
// `@riak-mesos/*` aliases of tsconfig.base.json are mapped to the libraries' public entry points.
const path = require('node:path');
const tsconfig = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(tsconfig.compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`] = path.join(
    __dirname,
    target,
  );
}

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  setupFiles: [path.join(__dirname, 'jest.setup.js')],
  testTimeout: 30000,
  // A test file that leaves a handle open (seen once in a ZooKeeper session-expiry test) must not
  // hang CI: jest exits when the tests are done. Leaks are still worth finding with
  // `--detectOpenHandles`.
  forceExit: true,
  reporters: ['default', path.join(__dirname, 'scripts', 'jest-results-reporter.js')],
};
