// A jest reporter that records each project's totals for scripts/test-summary.js.
const fs = require('node:fs');
const path = require('node:path');

class ResultsReporter {
  constructor(globalConfig) {
    this.globalConfig = globalConfig;
  }
  onRunComplete(_contexts, results) {
    // Tests of Riak behaviour on the real release say so in their top-level describe.
    let realRiak = 0;
    let realRiakPassed = 0;
    for (const file of results.testResults)
      for (const t of file.testResults)
        if ((t.ancestorTitles[0] || '').startsWith('real Riak:') && t.status !== 'pending') {
          realRiak += 1;
          if (t.status === 'passed') realRiakPassed += 1;
        }
    // The slowest files and tests, so the suite's time budget (20 min on 2 cores) can be watched.
    const root = this.globalConfig.rootDir || '';
    const slowestFiles = results.testResults
      .map((f) => ({
        file: path.relative(root, f.testFilePath),
        seconds: Math.round((f.perfStats.end - f.perfStats.start) / 1000),
      }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 5);
    const slowestTests = results.testResults
      .flatMap((f) =>
        f.testResults.map((t) => ({
          test: [...t.ancestorTitles, t.title].join(' › ').slice(0, 120),
          seconds: Math.round((t.duration || 0) / 1000),
        })),
      )
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 5);
    const dir = path.join(__dirname, '..', 'tmp', 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    const name = (this.globalConfig.rootDir || 'project').replace(/[^A-Za-z0-9]+/g, '_').slice(-80);
    fs.writeFileSync(
      path.join(dir, `${name}.json`),
      JSON.stringify({
        rootDir: this.globalConfig.rootDir,
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
        realRiak,
        realRiakPassed,
        seconds: Math.round((Date.now() - results.startTime) / 1000),
        slowestFiles,
        slowestTests,
      }),
    );
  }
}
module.exports = ResultsReporter;
