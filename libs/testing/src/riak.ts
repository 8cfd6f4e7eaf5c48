import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './local-system';

/**
 * Where the real Riak package comes from, in the order `scripts/setup.sh` uses: `RIAK_PACKAGE`,
 * the checkout's ignored cache (`.cache/riak/`), then `../shared/riak/` beside the checkout.
 * A `root/riak/…` tarball as the framework fetches Riak.
 */
export function findRiakPackage(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.RIAK_PACKAGE) return existsSync(env.RIAK_PACKAGE) ? resolve(env.RIAK_PACKAGE) : undefined;
  for (const dir of [join(REPO_ROOT, '.cache', 'riak'), join(REPO_ROOT, '..', 'shared', 'riak')]) {
    if (!existsSync(dir)) continue;
    const tarballs = readdirSync(dir)
      .filter((f) => f.endsWith('.tar.gz'))
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const last = tarballs.at(-1);
    if (last) return join(dir, last);
  }
  return undefined;
}

/**
 * The real Riak package, or an error that says how to get one: tests of Riak behaviour run on
 * real Riak and fail (never skip) when it is missing.
 */
export function requireRiakPackage(env: NodeJS.ProcessEnv = process.env): string {
  const p = findRiakPackage(env);
  if (!p)
    throw new Error(
      'no real Riak package: run scripts/setup.sh (it provides one in .cache/riak/), or set RIAK_PACKAGE to a root/riak/… tarball',
    );
  return p;
}
