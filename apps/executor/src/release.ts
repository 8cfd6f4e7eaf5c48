import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a Riak release offers, read from its files. Riak KV 2.x (node_package scripts), KV 3.x
 * (relx scripts, cuttlefish, its own erts) and riak-local differ in how they start, where the
 * admin commands live and how their configuration is checked.
 */
export interface Release {
  root: string;
  /** `foreground` where the start script has it (KV 3.x), else `console`. */
  start: 'foreground' | 'console';
  /** The admin command: `bin/riak-admin <cmd>` where it exists, else `bin/riak admin <cmd>`. */
  admin: { tool: 'riak-admin' | 'riak'; prefix: string[] };
  /** The release's own configuration checker: `bin/riak chkconfig` (KV 2.x and 3.x). */
  chkconfig: boolean;
  /** An Erlang release with its own runtime (`erts-*`): vm.args come from cuttlefish. */
  erts?: string;
  /** The release's cuttlefish and schema: its configuration checker (what `riak chkconfig` runs). */
  cuttlefish?: { script: string; schemaDir: string };
  /** Riak's replication app is in the release: its cluster manager binds an address. */
  hasRepl: boolean;
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function probeRelease(root: string): Release {
  const bin = join(root, 'bin');
  const script = read(join(bin, 'riak'));
  const libs = existsSync(join(root, 'lib')) ? readdirSync(join(root, 'lib')) : [];
  const erts = existsSync(root) ? readdirSync(root).find((d) => /^erts-\d/.test(d)) : undefined;
  const schemaDir = join(root, 'share', 'schema');
  const cuttlefish = join(bin, 'cuttlefish');
  return {
    root,
    start: /^\s*(\S+\|)*foreground(\|\S+)*\)/m.test(script) ? 'foreground' : 'console',
    admin: existsSync(join(bin, 'riak-admin'))
      ? { tool: 'riak-admin', prefix: [] }
      : { tool: 'riak', prefix: ['admin'] },
    chkconfig: existsSync(join(bin, 'riak-chkconfig')) || /\bchkconfig\b/.test(script),
    ...(erts ? { erts: join(root, erts) } : {}),
    ...(erts && existsSync(cuttlefish) && existsSync(schemaDir)
      ? { cuttlefish: { script: cuttlefish, schemaDir } }
      : {}),
    hasRepl: libs.some((l) => /^riak_repl-/.test(l)),
  };
}
