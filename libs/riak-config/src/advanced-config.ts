import type { Term } from './erlang-terms';
import { validateAdvancedConfig } from './erlang-terms';

const PLAIN_ATOM = /^[a-z][A-Za-z0-9_@]*$/;
const RESERVED = new Set([
  'after',
  'and',
  'andalso',
  'band',
  'begin',
  'bnot',
  'bor',
  'bsl',
  'bsr',
  'bxor',
  'case',
  'catch',
  'cond',
  'div',
  'end',
  'fun',
  'if',
  'let',
  'not',
  'of',
  'or',
  'orelse',
  'receive',
  'rem',
  'try',
  'when',
  'xor',
  'maybe',
  'else',
]);

function quote(text: string, q: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === '\\' || ch === q) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else out += ch;
  }
  return q + out + q;
}

/** Writes a term back as Erlang source that `file:consult/1` reads as the same term. */
export function formatErlangTerm(t: Term, indent = ''): string {
  switch (t.type) {
    case 'atom':
      return PLAIN_ATOM.test(t.value) && !RESERVED.has(t.value) ? t.value : quote(t.value, "'");
    case 'integer':
      return t.value.toString();
    case 'float': {
      const s = String(t.value);
      return /[.eE]/.test(s) ? s.replace(/^(-?\d+)e/, '$1.0e') : `${s}.0`;
    }
    case 'string':
      return quote(t.value, '"');
    case 'binary':
      return typeof t.value === 'string'
        ? `<<${quote(t.value, '"')}>>`
        : `<<${t.value.join(',')}>>`;
    case 'tuple':
      return `{${t.items.map((i) => formatErlangTerm(i, indent)).join(', ')}}`;
    case 'map':
      return `#{${t.entries
        .map(([k, v]) => `${formatErlangTerm(k, indent)} => ${formatErlangTerm(v, indent)}`)
        .join(', ')}}`;
    case 'list': {
      if (t.items.length === 0 && !t.tail) return '[]';
      const tailInline = t.tail ? ` | ${formatErlangTerm(t.tail)}` : '';
      const inline = `[${t.items.map((i) => formatErlangTerm(i)).join(', ')}${tailInline}]`;
      if (inline.length <= 72 && !inline.includes('\n')) return inline;
      const inner = `${indent}  `;
      const items = t.items.map((i) => inner + formatErlangTerm(i, inner));
      const tail = t.tail ? ` | ${formatErlangTerm(t.tail, inner)}` : '';
      return `[\n${items.join(',\n')}${tail}\n${indent}]`;
    }
  }
}

export const atom = (value: string): Term => ({ type: 'atom', value });
export const str = (value: string): Term => ({ type: 'string', value });
export const int = (value: number): Term => ({ type: 'integer', value: BigInt(value) });
export const tuple = (...items: Term[]): Term => ({ type: 'tuple', items });

/** What the framework sets in a node's advanced.config, over whatever the cluster's template says. */
export interface AdvancedSettings {
  /** Arguments cuttlefish merges into the generated vm.args, e.g. `["-start_epmd", "false"]`. */
  vmArgs?: [string, string][];
  /** `{App, [{Key, Value}]}` entries set in place (or added), e.g. riak_core's cluster_mgr. */
  set?: { app: string; key: string; value: Term }[];
}

function entryKey(t: Term): string | undefined {
  if (t.type !== 'tuple' || t.items.length !== 2) return undefined;
  const k = t.items[0];
  return k.type === 'atom' || k.type === 'string' ? k.value : undefined;
}

function upsert(list: ListTerm, key: Term, value: Term): void {
  const k = key.type === 'atom' || key.type === 'string' ? key.value : undefined;
  const i = list.items.findIndex((e) => entryKey(e) === k);
  const entry = tuple(key, value);
  if (i >= 0) list.items[i] = entry;
  else list.items.push(entry);
}

function appSection(config: ListTerm, app: string): ListTerm {
  let section = config.items.find(
    (e): e is Term & { type: 'tuple' } => e.type === 'tuple' && entryKey(e) === app,
  );
  if (!section) {
    section = { type: 'tuple', items: [atom(app), { type: 'list', items: [] }] };
    config.items.push(section);
  }
  return section.items[1] as ListTerm;
}

type ListTerm = Term & { type: 'list' };

/**
 * The package's own advanced.config with a cluster's template laid over it: for each application
 * in the template, each `{Key, Value}` replaces the package's entry of that key (or is added);
 * entries of other shapes are added. Riak 3.x's own file carries settings a node cannot start
 * without (riak_core's `schema_dirs`), so a template that names a few settings must not drop them.
 */
export function mergeAdvancedConfig(base: string, overlay: string): string {
  const into = validateAdvancedConfig(base.trim() === '' ? '[].' : base) as ListTerm;
  const over = validateAdvancedConfig(overlay) as ListTerm;
  for (const app of over.items) {
    if (app.type !== 'tuple') continue;
    const [name, settings] = app.items;
    if (name.type !== 'atom' || settings.type !== 'list') continue;
    const section = appSection(into, name.value);
    for (const entry of settings.items) {
      if (entry.type === 'tuple' && entry.items.length === 2 && entryKey(entry) !== undefined)
        upsert(section, entry.items[0], entry.items[1]);
      else section.items.push(entry);
    }
  }
  return `${formatErlangTerm(into)}.\n`;
}

/**
 * A node's advanced.config: the template (already rendered) with the framework's settings applied
 * on top. The result is validated and written as plain terms (the template's comments are not
 * kept: the file is generated for each start).
 */
export function applyAdvancedSettings(text: string, s: AdvancedSettings, header = ''): string {
  const config = validateAdvancedConfig(text.trim() === '' ? '[].' : text) as ListTerm;
  if (s.vmArgs?.length) {
    const vm = appSection(config, 'vm_args');
    for (const [flag, value] of s.vmArgs) upsert(vm, str(flag), str(value));
  }
  for (const { app, key, value } of s.set ?? []) upsert(appSection(config, app), atom(key), value);
  return `${header}${formatErlangTerm(config)}.\n`;
}
