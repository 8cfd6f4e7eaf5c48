import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a file only the task's user can read or write (0600): riak.conf and the generated
 * vm.args carry the cluster's Erlang cookie. An existing file is restricted before it is
 * rewritten, so its new contents are never readable by others, whatever the umask.
 */
export function writePrivateFile(path: string, text: string): void {
  if (existsSync(path)) chmodSync(path, 0o600);
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Makes a directory (if missing) that only the task's user can enter (0700). */
export function privateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/** Restricts every file below `dir` to 0600 and every directory to 0700. */
export function restrictTree(dir: string): void {
  chmodSync(dir, 0o700);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) restrictTree(p);
    else if (st.isFile()) chmodSync(p, 0o600);
  }
}
