// What the package scripts report of a package: its size, and how long its program takes to
// start (`--version` loads the whole bundle on the runtime, then exits).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Bytes of the files under `dir` (or of one file). */
function bytesUnder(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((sum, f) => sum + bytesUnder(path.join(p, f)), 0);
}

/** e.g. `36.2 MB (103.4 MB unpacked)`. */
function describeSize(file, unpacked) {
  const size = fs.statSync(file).size;
  return unpacked ? `${mb(size)} (${mb(bytesUnder(unpacked))} unpacked)` : mb(size);
}

/**
 * Runs `<program> --version` three times without $RIAK_MESOS_NODE (the first run also reads the
 * runtime from disk): the fastest run's milliseconds and what it printed.
 */
function timedVersion(program) {
  const env = { ...process.env };
  delete env.RIAK_MESOS_NODE;
  delete env.NODE_OPTIONS;
  let best = Infinity;
  let text = '';
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    text = execFileSync(program, ['--version'], { env, encoding: 'utf8' }).trim();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: Math.round(best), text };
}

module.exports = { describeSize, timedVersion };
