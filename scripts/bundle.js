// Bundles an app's src/main.ts into dist/<project root>/main.js (the Nx `build` target default).
const path = require('node:path');
const esbuild = require('esbuild');

const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node scripts/bundle.js <project root>');
  process.exit(2);
}
const root = path.join(__dirname, '..');
esbuild
  .build({
    entryPoints: [path.join(root, projectRoot, 'src', 'main.ts')],
    outfile: path.join(root, 'dist', projectRoot, 'main.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    tsconfig: path.join(root, 'tsconfig.base.json'),
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  })
  .then(() => require('node:fs').chmodSync(path.join(root, 'dist', projectRoot, 'main.js'), 0o755))
  .catch(() => process.exit(1));
