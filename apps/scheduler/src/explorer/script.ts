import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Esbuild from 'esbuild';

/**
 * The explorer's browser code (browser/client.ts), bundled. A built scheduler carries it in its own
 * bundle: scripts/bundle.js builds it for the browser and defines `__EXPLORER_CLIENT__` as
 * that text. Run from source (jest, the dev loop) there is no such definition; the bundle is then
 * made here once, with esbuild (a development dependency), from browser/client.ts beside this file.
 */
declare const __EXPLORER_CLIENT__: string | undefined;

let built: string | undefined;

export function explorerScript(): string {
  if (typeof __EXPLORER_CLIENT__ === 'string') return __EXPLORER_CLIENT__;
  built ??= buildFromSource();
  return built;
}

function buildFromSource(): string {
  const entry = join(__dirname, 'browser', 'client.ts');
  if (!existsSync(entry))
    throw new Error('this scheduler was built without the explorer and has no client.ts to build');
  // Required here, not imported: only a scheduler run from source gets this far, in a checkout
  // (the repository's browser bundle options, scripts/browser-bundle.js, and esbuild).
  const repo = join(__dirname, '..', '..', '..', '..');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof Esbuild;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { browserBundleOptions } = require(join(repo, 'scripts', 'browser-bundle.js')) as {
    browserBundleOptions: (entry: string) => Esbuild.BuildOptions & { write: false };
  };
  const result = esbuild.buildSync(browserBundleOptions(entry));
  return result.outputFiles[0].text;
}
