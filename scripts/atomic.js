// Writes a build output so that a reader never sees it half-written: `produce` writes a temporary
// file beside the target, which then replaces the target in one rename. Builds run in parallel
// (Nx, and tests that build what they need), and one may read what another is still writing.
const fs = require('node:fs');

function replaceAtomically(target, produce) {
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    produce(tmp);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

module.exports = { replaceAtomically };
