module.exports = {
  ...require('../../jest.preset.js'),
  rootDir: __dirname,
  displayName: 'scheduler',
  // Two files at a time: the real-Riak integration file (about 9 minutes, mostly waiting on Riak
  // and Mesos) beside the others (API, ZooKeeper, the browser test), which take about 3 minutes
  // one after another; on 2 cores jest's default would run every file in one worker.
  maxWorkers: 2,
};
