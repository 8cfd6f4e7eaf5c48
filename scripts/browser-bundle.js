// esbuild options of a browser bundle (an IIFE for current browsers, minified), one definition
// for scripts/bundle.js (a project's bundle.json embeds) and for the scheduler run from source, which builds its
// explorer itself (apps/scheduler/src/explorer/script.ts).
const path = require('node:path');

/** The options to bundle `entry` for the browser, in memory. */
function browserBundleOptions(entry) {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    write: false,
    tsconfig: path.join(__dirname, '..', 'tsconfig.base.json'),
    logLevel: 'warning',
  };
}

module.exports = { browserBundleOptions };
