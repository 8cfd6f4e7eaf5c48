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
const projects = [];
const tests = [];
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
for (const f of files) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  realRiak += r.realRiak || 0;
  realRiakPassed += r.realRiakPassed || 0;
  suites += 1;
  projects.push({ name: path.basename(r.rootDir || f), seconds: r.seconds || 0 });
  for (const t of r.slowestTests || [])
    tests.push({ ...t, project: path.basename(r.rootDir || f) });
}
if (suites === 0) {
  console.error('no test results were written: did any jest project run?');
  process.exit(1);
}
// Where the time went (each project's jest run, wall clock; the heavy ones run alone).
projects.sort((a, b) => b.seconds - a.seconds);
console.log(
  `jest time per project (s): ${projects
    .filter((p) => p.seconds >= 5)
    .map((p) => `${p.name} ${p.seconds}`)
    .join(', ')}`,
);
tests.sort((a, b) => b.seconds - a.seconds);
for (const t of tests.filter((x) => x.seconds >= 20).slice(0, 8))
  console.log(`  slow: ${t.seconds}s ${t.project}: ${t.test}`);
// Tests whose top-level describe starts with 'real Riak:' ran against the real Riak release.
console.log(`real Riak: ${realRiak} tests ran on the real Riak release (${realRiakPassed} passed)`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
