// Packages a bundled app as a self-contained tarball for the Mesos fetcher, Marathon or an image:
//   dist/packages/<name>-<version>.tar.gz  holding
//     <dir>/bin/<bin>        a launcher: the runtime below on the bundle, arguments passed on,
//                            with the project's runtime-env.json variables (scripts/runtime-env.js)
//     <dir>/lib/main.js      the bundle (no node_modules), and its source map
//     <dir>/lib/node         the pinned Node.js runtime (scripts/runtime.js), and its LICENSE
// so that an agent needs nothing but a Linux x86_64 with glibc (and libstdc++, which every
// distribution's base system has). $RIAK_MESOS_NODE, when set, names another runtime (development).
// Reports the package's size and how long `bin/<bin> --version` takes.
// usage: node scripts/package.js <project root> <name> <dir> <bin> [--erl <module.erl>...]
//   (after the project's build; --erl compiles Erlang modules with erlc into <dir>/lib)
const { replaceAtomically, reproducibleTarArgs } = require('./atomic');
const { pinnedRuntime, runtimeLicense } = require('./runtime');
const { timedVersion, describeSize } = require('./package-report');
const { runtimeOf, launcherLines } = require('./runtime-env');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const argv = process.argv.slice(2);
const erlangModules = [];
for (let i = argv.indexOf('--erl'); i !== -1; i = argv.indexOf('--erl')) {
  erlangModules.push(argv[i + 1]);
  argv.splice(i, 2);
}
const [projectRoot, name, dir, bin] = argv;
if (!projectRoot || !name || !dir || !bin) {
  console.error('usage: node scripts/package.js <project root> <name> <dir> <bin>');
  process.exit(2);
}
const root = path.join(__dirname, '..');
const version = require(path.join(root, 'package.json')).version;
const bundle = path.join(root, 'dist', projectRoot, 'main.js');
if (!fs.existsSync(bundle)) {
  console.error(`no bundle at dist/${projectRoot}/main.js: build the project first`);
  process.exit(1);
}
let runtime;
try {
  runtime = pinnedRuntime();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
const staging = fs.mkdtempSync(path.join(require('node:os').tmpdir(), `package-${name}-`));
try {
  const top = path.join(staging, dir);
  fs.mkdirSync(path.join(top, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(top, 'lib'), { recursive: true });
  fs.copyFileSync(bundle, path.join(top, 'lib', 'main.js'));
  if (fs.existsSync(`${bundle}.map`))
    fs.copyFileSync(`${bundle}.map`, path.join(top, 'lib', 'main.js.map'));
  fs.copyFileSync(runtime, path.join(top, 'lib', 'node'));
  fs.chmodSync(path.join(top, 'lib', 'node'), 0o755);
  const license = runtimeLicense();
  if (license) fs.copyFileSync(license, path.join(top, 'lib', 'node.LICENSE'));
  else
    console.warn(`[package] ${name}: without Node.js's LICENSE (the runtime came from no tarball)`);
  for (const erl of erlangModules) {
    try {
      execFileSync('erlc', ['-o', path.join(top, 'lib'), path.join(root, erl)], {
        stdio: 'inherit',
      });
    } catch (err) {
      console.error(
        `cannot compile ${erl} with erlc (install erlang-base: npm run setup): ${err.message}`,
      );
      process.exit(1);
    }
  }
  const runtimeSetup = runtimeOf(path.join(root, projectRoot));
  const launcher = [
    '#!/bin/sh',
    `# ${name} ${version}: runs the bundled service on the Node.js runtime in this package`,
    '# (lib/node; $RIAK_MESOS_NODE names another one, for development).',
    'here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)',
    'node="${RIAK_MESOS_NODE:-$here/../lib/node}"',
    // The project's runtime-env.json (scripts/runtime-env.js).
    ...launcherLines(runtimeSetup),
    // $flags unquoted on purpose: checked flags without spaces, one word each.
    `exec "$node"${runtimeSetup.nodeArgs.length > 0 ? ' $flags' : ''} --enable-source-maps "$here/../lib/main.js" "$@"`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(top, 'bin', bin), launcher, { mode: 0o755 });
  fs.writeFileSync(path.join(top, 'VERSION'), `${version}\n`);
  const started = timedVersion(path.join(top, 'bin', bin));
  const out = path.join(root, 'dist', 'packages');
  fs.mkdirSync(out, { recursive: true });
  const tarball = path.join(out, `${name}-${version}.tar.gz`);
  const t0 = process.hrtime.bigint();
  // gzip's default level: -9 saves under 1% of the runtime's 36 MB and takes three times as long.
  replaceAtomically(tarball, (tmp) => execFileSync('tar', reproducibleTarArgs(tmp, staging, dir)));
  const packMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    `${path.relative(root, tarball)}: ${describeSize(tarball, top)}, packed in ${(packMs / 1000).toFixed(1)} s; ` +
      `bin/${bin} --version in ${started.ms} ms: ${started.text}`,
  );
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}
