// Bundles an app's src/main.ts into dist/<project root>/main.js (the Nx `build` target default).
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');
const { replaceAtomically } = require('./atomic');

const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node scripts/bundle.js <project root>');
  process.exit(2);
}
const root = path.join(__dirname, '..');
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
