// Packages the `riak-mesos` CLI two ways (after `nx build cli`):
//   dist/packages/riak-mesos-<version>.tgz       an npm package (`npm install -g` it): the bundle
//                                                with a `bin` entry, for machines with Node.js 20+
//   dist/packages/riak-mesos-cli-<version>-linux-x64
//                                                one file for machines without Node.js: a Node.js
//                                                single executable application (SEA) made of the
//                                                pinned runtime (scripts/runtime.js) and the bundle
// Reports each one's size and how long its `--version` takes.
// usage: node scripts/package-cli.js
const { replaceAtomically } = require('./atomic');
const { pinnedRuntime, PIN } = require('./runtime');
const { describeSize, timedVersion } = require('./package-report');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const rootPackage = require(path.join(root, 'package.json'));
const { version } = rootPackage;
const built = path.join(root, 'dist', 'apps', 'cli');
const bundle = path.join(built, 'main.js');
const out = path.join(root, 'dist', 'packages');
/** The sentinel Node.js's SEA support looks for (nodejs.org/api/single-executable-applications). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** dist/apps/cli/package.json and README.md, then `npm pack` of that directory. */
function npmPackage() {
  const manifest = {
    name: 'riak-mesos',
    version,
    description:
      'The command line of the Riak Mesos Framework: Riak KV and Riak TS clusters on Mesos',
    license: rootPackage.license,
    bin: { 'riak-mesos': 'main.js' },
    engines: rootPackage.engines,
    files: ['main.js', 'main.js.map', 'README.md'],
  };
  fs.writeFileSync(path.join(built, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(
    path.join(built, 'README.md'),
    [
      '# riak-mesos',
      '',
      'The command line of the Riak Mesos Framework (one bundle, no dependencies; Node.js 20+).',
      'Run `riak-mesos --help`. `riak-mesos local` runs the whole system from a built checkout of',
      'the framework and is not for this package.',
      '',
    ].join('\n'),
  );
  // npm's own cache under a fresh directory: packing reads nothing of the user's ~/.npm.
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-pack-cache-'));
  try {
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', built, '--json', '--pack-destination', out, '--cache', cache], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    return path.join(out, packed.filename);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

/** The single executable: the pinned runtime's own `--experimental-sea-config`, then postject. */
async function singleExecutable() {
  const runtime = pinnedRuntime();
  const target = path.join(out, `riak-mesos-cli-${version}-${PIN.platform}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'package-cli-'));
  try {
    const blob = path.join(work, 'sea.blob');
    const config = path.join(work, 'sea-config.json');
    fs.writeFileSync(
      config,
      JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }),
    );
    execFileSync(runtime, ['--experimental-sea-config', config], { stdio: 'ignore' });
    const exe = path.join(work, 'riak-mesos');
    fs.copyFileSync(runtime, exe);
    fs.chmodSync(exe, 0o755);
    const { inject } = require('postject');
    // postject (through LIEF) warns of each of the runtime's ELF notes it cannot name: harmless,
    // and nothing else is hidden (failures throw).
    const quiet =
      (log) =>
      (msg, ...rest) =>
        /^warning: Can't find string offset for section name/.test(String(msg)) ||
        log(msg, ...rest);
    const { warn, error } = console;
    console.warn = quiet(warn);
    console.error = quiet(error);
    try {
      await inject(exe, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: SEA_FUSE });
    } finally {
      Object.assign(console, { warn, error });
    }
    replaceAtomically(target, (tmp) => fs.renameSync(exe, tmp));
    return target;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main() {
  if (!fs.existsSync(bundle)) {
    console.error('no bundle at dist/apps/cli/main.js: build the project first (nx build cli)');
    process.exit(1);
  }
  fs.mkdirSync(out, { recursive: true });
  const tgz = npmPackage();
  console.log(`${path.relative(root, tgz)}: ${describeSize(tgz)} (npm install -g it)`);
  const t0 = process.hrtime.bigint();
  const exe = await singleExecutable();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const started = timedVersion(exe);
  console.log(
    `${path.relative(root, exe)}: ${describeSize(exe)}, made in ${(ms / 1000).toFixed(1)} s; ` +
      `--version in ${started.ms} ms: ${started.text}`,
  );
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
