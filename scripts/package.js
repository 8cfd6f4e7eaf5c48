// Packages a bundled app as a tarball for the Mesos fetcher or Marathon:
//   dist/packages/<name>-<version>.tar.gz  holding  <dir>/bin/<bin>  and  <dir>/lib/main.js
// The launcher runs ${RIAK_MESOS_NODE:-node} on the bundle, so the package needs no node_modules.
// usage: node scripts/package.js <project root> <name> <dir> <bin> [--erl <module.erl>...]
//   (after the project's build; --erl compiles Erlang modules with erlc into <dir>/lib)
const { replaceAtomically, reproducibleTarArgs } = require('./atomic');
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
const staging = fs.mkdtempSync(path.join(require('node:os').tmpdir(), `package-${name}-`));
try {
  const top = path.join(staging, dir);
  fs.mkdirSync(path.join(top, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(top, 'lib'), { recursive: true });
  fs.copyFileSync(bundle, path.join(top, 'lib', 'main.js'));
  if (fs.existsSync(`${bundle}.map`))
    fs.copyFileSync(`${bundle}.map`, path.join(top, 'lib', 'main.js.map'));
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
  const launcher = [
    '#!/bin/sh',
    `# ${name} ${version}: runs the bundled service on Node.js 20+ (\$RIAK_MESOS_NODE or node on PATH).`,
    'here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)',
    'exec "${RIAK_MESOS_NODE:-node}" --enable-source-maps "$here/../lib/main.js" "$@"',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(top, 'bin', bin), launcher, { mode: 0o755 });
  fs.writeFileSync(path.join(top, 'VERSION'), `${version}\n`);
  const out = path.join(root, 'dist', 'packages');
  fs.mkdirSync(out, { recursive: true });
  const tarball = path.join(out, `${name}-${version}.tar.gz`);
  replaceAtomically(tarball, (tmp) => execFileSync('tar', reproducibleTarArgs(tmp, staging, dir)));
  console.log(path.relative(root, tarball));
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}
