module.exports = {
  ...require('../../jest.preset.js'),
  rootDir: __dirname,
  displayName: 'scheduler',
  // Two files at a time: the real-Riak integration file (scheduler.test.ts, about 7 minutes,
  // mostly waiting on Riak and Mesos) beside the others (API, ZooKeeper, the browser tests, and
  // replacement.test.ts with a real-Riak system of its own), which take about 7 minutes one after
  // another; on 2 cores jest's default would run every file in one worker.
  maxWorkers: 2,
};
