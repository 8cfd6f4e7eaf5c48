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

/**
 * `tar` arguments for a reproducible .tar.gz of `dir` under `cwd`: the same files give the same
 * bytes (sorted, no times, numeric owner 0, gzip without a name or time), so a rebuilt package
 * keeps its sha256 (the scheduler checks local packages against its catalogue).
 */
function reproducibleTarArgs(out, cwd, dir) {
  return [
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '-I',
    'gzip -n',
    '-cf',
    out,
    '-C',
    cwd,
    dir,
  ];
}

module.exports = { replaceAtomically, reproducibleTarArgs };
