// Builds dist/packages/riak-local-<version>.tar.gz, laid out like a Riak release tarball:
//   root/riak/bin/riak, root/riak/bin/riak-admin, root/riak/etc/riak.conf, root/riak/etc/advanced.config,
//   root/riak/lib/riak-local.js (one bundle: no node_modules needed where it runs).
const { replaceAtomically, reproducibleTarArgs } = require('../../scripts/atomic');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const esbuild = require('esbuild');

const repo = path.join(__dirname, '..', '..');
const version = require(path.join(repo, 'package.json')).version;
const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'riak-local-package-'));
const riak = path.join(staging, 'root', 'riak');

const launcher = (tool) =>
  [
    '#!/bin/sh',
    `# ${tool} of riak-local ${version}, the Riak-compatible development node (Node.js 20+:`,
    '# $RIAK_MESOS_NODE or node on PATH). Like Riak, it runs from its release directory.',
    'root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)',
    'cd "$root" || exit 1',
    "# The open-files limit, which `riak daemon` warns about as Riak's start hook does.",
    'RIAK_LOCAL_NOFILE=$(ulimit -n) && export RIAK_LOCAL_NOFILE',
    `RIAK_LOCAL_ROOT="$root" exec "\${RIAK_MESOS_NODE:-node}" "$root/lib/riak-local.js" ${tool} "$@"`,
    '',
  ].join('\n');

const riakConf = `## riak.conf of riak-local, the Riak-compatible development node.
## The settings it honours; relative paths are relative to this release's riak/ directory.
nodename = riak@127.0.0.1
distributed_cookie = riak
listener.http.internal = 127.0.0.1:8098
listener.protobuf.internal = 127.0.0.1:8087
handoff.port = 8099
erlang.distribution.port_range.minimum = 6000
erlang.distribution.port_range.maximum = 7999
platform_data_dir = ./data
platform_log_dir = ./log
ring_size = 64
`;

const advancedConfig = `%% advanced.config of riak-local: read by real Riak, accepted and ignored here.
[].
`;

async function main() {
  try {
    for (const d of ['bin', 'etc', 'lib']) fs.mkdirSync(path.join(riak, d), { recursive: true });
    await esbuild.build({
      entryPoints: [path.join(__dirname, 'src', 'main.ts')],
      outfile: path.join(riak, 'lib', 'riak-local.js'),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      tsconfig: path.join(repo, 'tsconfig.base.json'),
      logLevel: 'warning',
    });
    for (const tool of ['riak', 'riak-admin'])
      fs.writeFileSync(path.join(riak, 'bin', tool), launcher(tool), { mode: 0o755 });
    fs.writeFileSync(path.join(riak, 'etc', 'riak.conf'), riakConf);
    fs.writeFileSync(path.join(riak, 'etc', 'advanced.config'), advancedConfig);
    fs.writeFileSync(path.join(riak, 'VERSION'), `${version}\n`);
    const out = path.join(repo, 'dist', 'packages');
    fs.mkdirSync(out, { recursive: true });
    const tarball = path.join(out, `riak-local-${version}.tar.gz`);
    replaceAtomically(tarball, (tmp) =>
      execFileSync('tar', reproducibleTarArgs(tmp, staging, 'root')),
    );
    console.log(path.relative(repo, tarball));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
