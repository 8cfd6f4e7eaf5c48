module.exports = {
  ...require('../jest.preset.js'),
  rootDir: __dirname,
  displayName: 'e2e',
  // The whole system comes up once per file and faults are injected one after another.
  testTimeout: 10 * 60 * 1000,
};
