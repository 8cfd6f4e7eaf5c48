module.exports = {
  ...require('../../jest.preset.js'),
  rootDir: __dirname,
  displayName: 'executor',
  testTimeout: 180000,
};
