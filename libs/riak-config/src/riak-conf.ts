import { TemplateError } from './template';

/** One line of riak.conf (cuttlefish syntax), kept as written. */
export type ConfLine =
  | { kind: 'blank' | 'comment'; raw: string }
  /** cuttlefish's `include <file or glob>` (Riak 3.x's riak.conf ends with `include conf.d/*.conf`). */
  | { kind: 'include'; path: string; raw: string }
  | { kind: 'setting'; key: string; value: string; raw: string };

export interface RiakConf {
  lines: ConfLine[];
}

const KEY = /^[A-Za-z0-9_$().-]+(\.[A-Za-z0-9_$().-]+)*$/;

/**
 * Parses riak.conf: `key = value` lines, `include <path>` lines, `#` comments and blank lines.
 * Errors name the line.
 */
export function parseRiakConf(text: string): RiakConf {
  const lines: ConfLine[] = [];
  const rows = text.split('\n');
  if (rows[rows.length - 1] === '') rows.pop();
  rows.forEach((raw, i) => {
    const t = raw.trim();
    if (t === '') return lines.push({ kind: 'blank', raw });
    if (t.startsWith('#')) return lines.push({ kind: 'comment', raw });
    const include = /^include\s+(\S+)$/.exec(t);
    if (include) return lines.push({ kind: 'include', path: include[1], raw });
    const eq = raw.indexOf('=');
    if (eq === -1)
      throw new TemplateError(`expected 'key = value', found '${t.slice(0, 60)}'`, i + 1, 1);
    const key = raw.slice(0, eq).trim();
    const value = raw.slice(eq + 1).trim();
    if (!KEY.test(key))
      throw new TemplateError(
        `'${key.slice(0, 60)}' is not a valid riak.conf key`,
        i + 1,
        raw.indexOf(key) + 1,
      );
    if (value === '') throw new TemplateError(`'${key}' has no value`, i + 1, eq + 2);
    lines.push({ kind: 'setting', key, value, raw });
  });
  return { lines };
}

export function serializeRiakConf(conf: RiakConf): string {
  return conf.lines.map((l) => l.raw).join('\n') + '\n';
}

export function getSetting(conf: RiakConf, key: string): string | undefined {
  let v: string | undefined;
  for (const l of conf.lines) if (l.kind === 'setting' && l.key === key) v = l.value;
  return v;
}

/** Whether a riak.conf template sets `key` itself (on a line of its own, not in a comment). */
export function templateSetsKey(template: string, key: string): boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^[ \\t]*${escaped}[ \\t]*=`, 'm').test(template);
}

export const CONTROLLED_HEADER =
  '## Set by the Riak Mesos Framework for this node (changes here are overridden):';

/**
 * Applies the settings the framework controls: each key's first occurrence gets the value in
 * place, later occurrences are removed, and missing keys are added at the end under a comment,
 * so every key appears once. A file with `include` lines gets them all at the end, so that no
 * included file can override them.
 */
export function applyControlledSettings(
  conf: RiakConf,
  settings: Record<string, string | number>,
): RiakConf {
  const want = new Map(Object.entries(settings).map(([k, v]) => [k, String(v)]));
  // A later line wins in cuttlefish, included files too: with includes, every controlled setting
  // goes last, after them.
  const last = conf.lines.some((l) => l.kind === 'include');
  const seen = new Set<string>();
  const lines: ConfLine[] = [];
  for (const l of conf.lines) {
    if (l.kind !== 'setting' || !want.has(l.key)) {
      lines.push(l);
      continue;
    }
    if (seen.has(l.key) || last) continue;
    seen.add(l.key);
    const value = want.get(l.key)!;
    lines.push({ kind: 'setting', key: l.key, value, raw: `${l.key} = ${value}` });
  }
  const missing = [...want.entries()].filter(([k]) => !seen.has(k));
  if (missing.length) {
    if (lines.length && lines[lines.length - 1].kind !== 'blank')
      lines.push({ kind: 'blank', raw: '' });
    lines.push({ kind: 'comment', raw: CONTROLLED_HEADER });
    for (const [key, value] of missing)
      lines.push({ kind: 'setting', key, value, raw: `${key} = ${value}` });
  }
  return { lines };
}

/** The settings the framework controls for a node. */
export interface NodeSettings {
  nodename: string;
  dataDir: string;
  bindAddress: string;
  httpPort: number;
  pbPort: number;
  handoffPort: number;
  disterlPort: number;
  cookie?: string;
  /** `host:port` of the replication cluster manager, for releases that have riak_repl. */
  clusterManager?: string;
}

export function controlledSettings(n: NodeSettings): Record<string, string> {
  return {
    nodename: n.nodename,
    platform_data_dir: n.dataDir,
    'listener.http.internal': `${n.bindAddress}:${n.httpPort}`,
    'listener.protobuf.internal': `${n.bindAddress}:${n.pbPort}`,
    'handoff.port': String(n.handoffPort),
    'erlang.distribution.port_range.minimum': String(n.disterlPort),
    'erlang.distribution.port_range.maximum': String(n.disterlPort),
    ...(n.cookie ? { distributed_cookie: n.cookie } : {}),
    ...(n.clusterManager ? { 'mdc.cluster_manager': n.clusterManager } : {}),
  };
}
