import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CliError } from '../errors';

/** The built pieces the local system runs: bundles and the packages the Mesos fetcher extracts. */
export interface Artifacts {
  dist: string;
  mesosLocal: string;
  scheduler: string;
  director: string;
  executorPackage: string;
  riakPackage: string;
  /** A real Riak package (`root/riak/…`), when one is available. */
  realRiakPackage?: string;
}

const BUILD_HINT =
  'build them with `npm start` (or `npx nx run-many -t build package`) from the repository root';

/** Finds `dist/` by walking up from `from` to the directory holding `nx.json` or `dist/apps`. */
export function findDist(from: string[]): string | undefined {
  for (const start of from) {
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, 'nx.json'))) return join(dir, 'dist');
      if (existsSync(join(dir, 'dist', 'apps'))) return join(dir, 'dist');
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

/** `--dist`, else the `dist/` of the repository this CLI (or the current directory) is in. */
export function distDir(flag: string | undefined): string | undefined {
  return flag ? resolve(flag) : findDist([__dirname, process.cwd()]);
}

/** `<repo>/tmp/local` when run from the repository, else `~/.riak-mesos/local`. */
export function workDirOf(
  flag: string | undefined,
  dist: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (flag) return resolve(flag);
  if (env.RIAK_MESOS_LOCAL_DIR) return resolve(env.RIAK_MESOS_LOCAL_DIR);
  return dist ? join(dirname(dist), 'tmp', 'local') : join(homedir(), '.riak-mesos', 'local');
}

/** The newest file in `dir` named `<prefix><version>.tar.gz`. */
function findPackage(dir: string, prefix: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const matches = readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.tar.gz'))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const last = matches[matches.length - 1];
  return last ? join(dir, last) : undefined;
}

/**
 * The real Riak package the local system runs: `RIAK_PACKAGE`, else the newest tarball in the
 * checkout's cache `.cache/riak/` (where `scripts/setup.sh` puts it).
 */
export function findRealRiakPackage(
  dist: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.RIAK_PACKAGE) return existsSync(env.RIAK_PACKAGE) ? resolve(env.RIAK_PACKAGE) : undefined;
  return findPackage(join(dirname(dist), '.cache', 'riak'), '');
}

/** Locates every artifact, failing with one message that lists all that are missing. */
export function locateArtifacts(dist: string | undefined): Artifacts {
  if (!dist) throw new CliError(`cannot find the built system (no dist/ directory); ${BUILD_HINT}`);
  const a = {
    dist,
    mesosLocal: join(dist, 'tools', 'mesos-local', 'main.js'),
    scheduler: join(dist, 'apps', 'scheduler', 'main.js'),
    director: join(dist, 'apps', 'director', 'main.js'),
    executorPackage: findPackage(join(dist, 'packages'), 'riak-mesos-executor-') ?? '',
    riakPackage: findPackage(join(dist, 'packages'), 'riak-local-') ?? '',
    realRiakPackage: findRealRiakPackage(dist),
  };
  const missing = [
    !existsSync(a.mesosLocal) && a.mesosLocal,
    !existsSync(a.scheduler) && a.scheduler,
    !existsSync(a.director) && a.director,
    !a.executorPackage && join(dist, 'packages', 'riak-mesos-executor-<version>.tar.gz'),
    !a.riakPackage && join(dist, 'packages', 'riak-local-<version>.tar.gz'),
  ].filter((x): x is string => Boolean(x));
  if (missing.length > 0)
    throw new CliError(
      `the local system is not built: missing ${missing.join(', ')}; ${BUILD_HINT}`,
    );
  return a;
}
