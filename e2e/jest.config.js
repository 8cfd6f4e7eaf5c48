module.exports = {
  ...require('../jest.preset.js'),
  rootDir: __dirname,
  displayName: 'e2e',
  // The whole system comes up once per file and faults are injected one after another.
  testTimeout: 10 * 60 * 1000,
  // Two files at a time: the local system's file (about 8.5 minutes, mostly waiting on Riak and
  // Mesos) beside the package and image files, which take about 3 minutes one after another.
  maxWorkers: 2,
};
