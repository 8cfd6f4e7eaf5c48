// Adds up what every project's jest run wrote to tmp/test-results and prints one closing line.
const fs = require('node:fs');
const path = require('node:path');
const dir = path.join(__dirname, '..', 'tmp', 'test-results');
let passed = 0,
  failed = 0,
  skipped = 0,
  realRiak = 0,
  realRiakPassed = 0,
  suites = 0;
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
for (const f of files) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  realRiak += r.realRiak || 0;
  realRiakPassed += r.realRiakPassed || 0;
  suites += 1;
}
if (suites === 0) {
  console.error('no test results were written: did any jest project run?');
  process.exit(1);
}
// Tests whose top-level describe starts with 'real Riak:' ran against the real Riak release.
console.log(`real Riak: ${realRiak} tests ran on the real Riak release (${realRiakPassed} passed)`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
