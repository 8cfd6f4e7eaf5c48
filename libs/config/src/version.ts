/**
 * The version a program prints for `--version`: the framework's release (package.json's
 * `version`, which scripts/bundle.js defines as RIAK_MESOS_VERSION in every bundle) and the
 * Node.js runtime it runs on, which a self-contained package carries itself (docs/operations.md).
 */
declare const RIAK_MESOS_VERSION: string | undefined;

/** The release version; `source` when run from the TypeScript sources (tests, tsx). */
export const RELEASE_VERSION: string =
  typeof RIAK_MESOS_VERSION === 'string' ? RIAK_MESOS_VERSION : 'source';

/** e.g. `riak-mesos-executor 0.1.0 (Node.js v20.20.2, linux-x64)`. */
export function versionText(program: string): string {
  return `${program} ${RELEASE_VERSION} (Node.js ${process.version}, ${process.platform}-${process.arch})`;
}
