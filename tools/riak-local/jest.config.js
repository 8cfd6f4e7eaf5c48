module.exports = {
  ...require('../../jest.preset.js'),
  rootDir: __dirname,
  displayName: 'riak-local',
  testTimeout: 120000,
};
