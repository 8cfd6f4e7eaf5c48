// Bundles an app's src/main.ts into dist/<project root>/main.js (the Nx `build` target default).
// A project's bundle.json may embed browser bundles (see embedsOf below).
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');
const { replaceAtomically } = require('./atomic');
const { browserBundleOptions } = require('./browser-bundle');
const { runtimeOf } = require('./runtime-env');

const projectRoot = process.argv[2];
if (!projectRoot || process.argv.length !== 3) {
  console.error('usage: node scripts/bundle.js <project root>');
  process.exit(2);
}
const root = path.join(__dirname, '..');

/**
 * `<project root>/bundle.json`, when the project has one: `{"embed": {"NAME": "src/entry.ts"}}`
 * bundles each entry for the browser and defines the global NAME as its text in the app's bundle
 * (the scheduler's explorer, which it serves itself). Read here, so that every build of the
 * project (Nx, the tests' own builds) embeds the same.
 */
function embedsOf() {
  const file = path.join(root, projectRoot, 'bundle.json');
  if (!fs.existsSync(file)) return {};
  const { embed = {} } = JSON.parse(fs.readFileSync(file, 'utf8'));
  return embed;
}

/** The browser bundle of each embedded entry, as esbuild `define`s of string literals. */
function embeds() {
  const define = {};
  for (const [name, entry] of Object.entries(embedsOf())) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
      console.error(`${projectRoot}/bundle.json: ${name} is not a global name`);
      process.exit(2);
    }
    const result = esbuild.buildSync(browserBundleOptions(path.join(root, projectRoot, entry)));
    define[name] = JSON.stringify(result.outputFiles[0].text);
  }
  return define;
}
const outfile = path.join(root, 'dist', projectRoot, 'main.js');
esbuild
  .build({
    entryPoints: [path.join(root, projectRoot, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    tsconfig: path.join(root, 'tsconfig.base.json'),
    banner: { js: '#!/usr/bin/env node' },
    // The release every `--version` prints (libs/config/src/version.ts).
    define: {
      ...embeds(),
      RIAK_MESOS_VERSION: JSON.stringify(require(path.join(root, 'package.json')).version),
    },
    // Only a scheduler run from source builds its explorer itself (explorer/script.ts).
    external: ['esbuild'],
    logLevel: 'warning',
    // Written here, each file replaced in one rename: another build may be running it.
    write: false,
  })
  .then((result) => {
    fs.mkdirSync(path.dirname(outfile), { recursive: true });
    for (const f of result.outputFiles)
      replaceAtomically(f.path, (tmp) =>
        fs.writeFileSync(tmp, f.contents, { mode: f.path === outfile ? 0o755 : 0o644 }),
      );
    // Beside the bundle, checked, for what starts it from dist/ (`local up`, the benchmarks).
    const runtime = runtimeOf(path.join(root, projectRoot));
    const envFile = path.join(path.dirname(outfile), 'runtime-env.json');
    if (Object.keys(runtime.env).length > 0 || runtime.nodeArgs.length > 0)
      replaceAtomically(envFile, (tmp) => fs.writeFileSync(tmp, `${JSON.stringify(runtime)}\n`));
    else fs.rmSync(envFile, { force: true });
  })
  .catch((err) => {
    // esbuild has printed its own errors; anything else is said here.
    if (!Array.isArray(err?.errors)) console.error(`bundle ${projectRoot}: ${err?.message ?? err}`);
    process.exit(1);
  });
