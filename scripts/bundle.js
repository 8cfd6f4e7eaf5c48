// Bundles an app's src/main.ts into dist/<project root>/main.js (the Nx `build` target default).
// `--embed NAME=path/to/entry.ts` first bundles that entry for the browser and defines the global
// NAME as its text in the app's bundle (the scheduler's explorer, which it serves itself).
const path = require('node:path');
const fs = require('node:fs');
const { parseArgs } = require('node:util');
const esbuild = require('esbuild');
const { replaceAtomically } = require('./atomic');
const { browserBundleOptions } = require('./browser-bundle');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { embed: { type: 'string', multiple: true, default: [] } },
});
const projectRoot = positionals[0];
if (!projectRoot || positionals.length !== 1) {
  console.error('usage: node scripts/bundle.js <project root> [--embed NAME=entry.ts]...');
  process.exit(2);
}
const root = path.join(__dirname, '..');

/** The browser bundle of each `--embed`, as esbuild `define`s of string literals. */
function embeds() {
  const define = {};
  for (const spec of values.embed) {
    const m = /^([A-Za-z_$][\w$]*)=(.+)$/.exec(spec);
    if (!m) {
      console.error(`--embed ${spec}: expected NAME=path/to/entry.ts`);
      process.exit(2);
    }
    const result = esbuild.buildSync(browserBundleOptions(path.join(root, m[2])));
    define[m[1]] = JSON.stringify(result.outputFiles[0].text);
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
    define: embeds(),
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
  })
  .catch(() => process.exit(1));
